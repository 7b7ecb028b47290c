"""The adaptive fusion weight, and passages kept on the model's word alone."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from bot import AnswerService, AnswerStatus
from bot.answers.fusion import LEXICAL_WEIGHT, PARAPHRASE_WEIGHT, fusion_weight
from bot.answers.relevance import (
    CROSS_LINGUAL_SUPPORT_GAP,
    RESCUE_GAP,
    STRONG_GAP,
    SUPPORT_GAP,
    supports,
)
from bot.answers.service import Semantic
from bot.search.vectors import VectorIndex


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([10.0, 9.8], PARAPHRASE_WEIGHT),  # BM25 undecided: lean on the vectors
        ([10.0, 5.0], LEXICAL_WEIGHT),  # a clear lexical winner: lean on BM25
        ([10.0], LEXICAL_WEIGHT),  # one passage has the words at all
        ([], PARAPHRASE_WEIGHT),  # no lexical evidence
        ([0.0, 0.0], PARAPHRASE_WEIGHT),
    ],
)
def test_the_weight_follows_bm25s_margin(scores, expected):
    assert fusion_weight(scores) == pytest.approx(expected)


def test_the_weight_falls_steadily_between_undecided_and_decided():
    weights = [fusion_weight([10.0, 10.0 - m / 10]) for m in range(0, 101, 5)]
    assert weights == sorted(weights, reverse=True)
    assert LEXICAL_WEIGHT < weights[2] < PARAPHRASE_WEIGHT  # margin 0.1: halfway-ish


def test_support_needs_the_semantic_gap():
    assert supports(SUPPORT_GAP) and supports(0.3)
    assert not supports(SUPPORT_GAP - 0.01)
    assert not supports(None)  # BM25 alone: only shared words count


def test_a_passage_in_another_language_is_kept_from_a_smaller_gap():
    # Its rank is its cosine alone: the model's next choices are kept beside the answer.
    assert CROSS_LINGUAL_SUPPORT_GAP < SUPPORT_GAP
    between = (CROSS_LINGUAL_SUPPORT_GAP + SUPPORT_GAP) / 2
    assert supports(between, same_language=False)
    assert not supports(between)
    assert not supports(CROSS_LINGUAL_SUPPORT_GAP - 0.01, same_language=False)
    assert not supports(None, same_language=False)


class _OneDirection:
    """Every question embeds to the same unit vector (the first axis)."""

    version = "test"
    dim = 4

    def embed_query(self, text: str) -> np.ndarray:
        return np.eye(self.dim, dtype=np.float32)[0]

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        raise AssertionError("not used")


def _with_close_passage(
    service: AnswerService, avoid: Sequence[str], gap: float
) -> tuple[AnswerService, str]:
    """A hybrid service over ``service``'s index whose vectors put one passage holding
    none of ``avoid`` ``gap`` above every other passage (at cosine 0: the median) for
    every question."""
    texts = {pid: text for batch in service.index.passage_texts() for pid, _, text in batch}
    ids = list(texts)
    close = next(pid for pid in ids if not any(w.lower() in texts[pid].lower() for w in avoid))
    matrix = np.tile(np.eye(4, dtype=np.float32)[1], (len(ids), 1))
    matrix[ids.index(close)] = [gap, np.sqrt(1 - gap**2), 0.0, 0.0]
    semantic = Semantic(_OneDirection(), VectorIndex(ids, matrix))
    return AnswerService(service.index, semantic=semantic), close


def test_an_answered_question_also_quotes_what_the_model_finds_close(service):
    question = "DeepSeek v3 훈련 비용은?"
    words = ["DeepSeek", "딥시크", "훈련", "비용", "v3"]
    hybrid, close = _with_close_passage(service, words, (SUPPORT_GAP + STRONG_GAP) / 2)
    answer = hybrid.ask(question, top=20)
    assert answer.answered
    assert close in [h.passage.id for h in answer.hits]  # shares no word, kept on its gap
    assert close not in [h.passage.id for h in service.ask(question, top=20).hits]


def test_closeness_short_of_the_strong_gap_does_not_answer_a_question(service):
    hybrid, _ = _with_close_passage(service, ["날씨", "서울"], (RESCUE_GAP + STRONG_GAP) / 2)
    assert hybrid.ask("오늘 서울 날씨 어때?").status is AnswerStatus.NOT_FOUND


def test_a_passage_far_above_the_median_answers_sharing_no_word(service):
    question = "그 녀석들 요즘 뭐 한대?"  # no word of it in the articles
    assert service.ask(question).status is AnswerStatus.NOT_FOUND
    hybrid, close = _with_close_passage(service, ["녀석", "요즘"], STRONG_GAP + 0.01)
    answer = hybrid.ask(question)
    assert answer.answered and answer.hits[0].passage.id == close
