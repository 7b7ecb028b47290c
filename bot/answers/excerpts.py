"""Choosing the one to three sentences of a passage worth quoting."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence

from ..corpus import Passage
from ..search import Term
from .answer import Excerpt
from .relevance import QuestionWeights

__all__ = ["MAX_EXCERPT_CHARS", "best_excerpt", "best_sentence_share"]

MAX_EXCERPT_CHARS = 320
# One short sentence rarely says enough: on TyDi the first excerpt held the answer its
# passage held 83% of the time with the shortest best window, 96% with this floor
# (196 characters on average instead of 99; bench/tydi.py, fit half).
MIN_EXCERPT_CHARS = 150
_MAX_SENTENCES = 3
# What a window loses per unit of cosine by which its closest sentence is further from the
# question than the passage's closest, beside the share of the question its words hold.
# Mostly it settles windows whose words tie. TyDi, fit half, hybrid: the first excerpt
# holds the answer 0.709 → 0.738 of the time (with the re-ranking by closest sentence;
# anything from 2 to 20 chose the same).
_CLOSENESS_WEIGHT = 5.0


def best_sentence_share(passage: Passage, terms: Sequence[Term], weights: QuestionWeights) -> float:
    """The largest share of the question that one sentence of the passage holds.

    A passage whose single sentence says most of what was asked beats one that
    scatters the same words over several sentences.
    """
    spans = passage.sentences
    starts = [start for start, _ in spans]
    found: dict[int, set[str]] = {}
    for term in terms:
        if term.text not in weights.wanted:
            continue
        n = bisect_right(starts, term.start) - 1  # the sentence the term starts in
        if n >= 0 and term.end <= spans[n][1]:
            found.setdefault(n, set()).add(term.text)
    return max((weights.share(words) for words in found.values()), default=0.0)


def best_excerpt(
    passage: Passage,
    terms: Sequence[Term],
    weights: QuestionWeights,
    closeness: Sequence[float] | None = None,
) -> Excerpt:
    """The window of consecutive sentences that says most of the question, of at least
    MIN_EXCERPT_CHARS where the passage has them, shortest first.

    ``terms`` are the passage's word terms with spans (from the index). ``closeness``:
    each sentence's cosine to the question, where the sentences have vectors. A window
    then counts the share of the question its words hold, less ``_CLOSENESS_WEIGHT``
    times the cosine by which its closest sentence falls short of the passage's closest.
    """
    text = passage.text
    spans = passage.sentences or ((0, len(text)),)
    wanted = weights.wanted
    matches = [t for t in terms if t.text in wanted]
    near = closeness if closeness is not None and len(closeness) == len(spans) else None
    closest = max(near) if near else 0.0
    # (-value, too short, the length preferred, first, last): the most of the question;
    # then the shortest window of at least MIN_EXCERPT_CHARS, or else the longest.
    best: tuple[float, bool, int, int, int] | None = None
    for first in range(len(spans)):
        for last in range(first, min(first + _MAX_SENTENCES, len(spans))):
            start, end = spans[first][0], spans[last][1]
            if end - start > MAX_EXCERPT_CHARS and last > first:
                break
            found = {t.text for t in matches if start <= t.start and t.end <= end}
            length = end - start
            short = length < MIN_EXCERPT_CHARS
            value = weights.share(found)
            if near is not None:
                value -= _CLOSENESS_WEIGHT * (closest - max(near[first : last + 1]))
            candidate = (-value, short, -length if short else length, first, last)
            if best is None or candidate < best:
                best = candidate
    assert best is not None
    start, end = _trim(text, spans[best[3]][0], spans[best[4]][1], matches)
    return Excerpt(
        text=text[start:end],
        highlights=_merge(
            (t.start - start, t.end - start) for t in matches if start <= t.start and t.end <= end
        ),
        cut_before=start > 0,
        cut_after=end < len(text),
    )


def _merge(spans: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _trim(text: str, start: int, end: int, terms: Sequence[Term]) -> tuple[int, int]:
    """Cut one over-long sentence down to MAX_EXCERPT_CHARS around its first match."""
    if end - start <= MAX_EXCERPT_CHARS:
        return start, end
    inside = [t for t in terms if start <= t.start and t.end <= end]
    anchor = inside[0].start if inside else start
    new_start = max(start, min(anchor - MAX_EXCERPT_CHARS // 3, end - MAX_EXCERPT_CHARS))
    new_end = min(end, new_start + MAX_EXCERPT_CHARS)
    # Prefer cutting at a space so no word is split.
    if new_start > start:
        space = text.find(" ", new_start, new_start + 20)
        new_start = space + 1 if space != -1 else new_start
    if new_end < end:
        space = text.rfind(" ", new_end - 20, new_end)
        new_end = space if space > new_start else new_end
    return new_start, new_end
