"""How much the semantic side weighs in the fused score, question by question.

A question that reuses a passage's words (KorQuAD's, written while reading the
paragraph) gives BM25 a clear winner: its best score stands well above the second.
A paraphrase (TyDi's, written before seeing the answer) leaves BM25 undecided
between passages that share a common word or two, and the vectors know better.
So the weight follows BM25's margin, ``(best - second) / best``.

Fit on TyDi's fit half, with KorQuAD's raw ranking held at top-1 ≥ 0.945 / MRR@10 ≥
0.968 (bench/tydi.py, bench/korquad_hybrid.py). A fixed weight could not do both.
Since passages are embedded with their titles the vectors are better on both sets
(dense top-1: TyDi 0.63 → 0.67, KorQuAD 0.73 → 0.76), and they weigh more: 0.6/0.35
instead of 0.5/0.25 (TyDi raw hybrid, test half: 0.700 → 0.716; KorQuAD 0.948 → 0.945,
MRR@10 0.968). 0.7/0.4 ranked TyDi's fit half best but took KorQuAD to its floor.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["LEXICAL_WEIGHT", "PARAPHRASE_WEIGHT", "fusion_weight"]

PARAPHRASE_WEIGHT = 0.6  # BM25 undecided: margin at most _UNDECIDED
LEXICAL_WEIGHT = 0.35  # BM25 clearly ahead: margin at least _DECIDED
# A third of TyDi's questions (and a tenth of KorQuAD's) have a margin under 0.1.
_UNDECIDED = 0.05
_DECIDED = 0.15


def fusion_weight(scores: Sequence[float]) -> float:
    """α for a question whose BM25 scores, best first, begin with ``scores`` (two are
    enough): the fused score is α·semantic + (1 − α)·lexical."""
    best = scores[0] if scores else 0.0
    if best <= 0:
        return PARAPHRASE_WEIGHT  # no lexical evidence at all
    second = max(scores[1], 0.0) if len(scores) > 1 else 0.0
    margin = (best - second) / best
    step = min(max((margin - _UNDECIDED) / (_DECIDED - _UNDECIDED), 0.0), 1.0)
    return PARAPHRASE_WEIGHT - (PARAPHRASE_WEIGHT - LEXICAL_WEIGHT) * step
