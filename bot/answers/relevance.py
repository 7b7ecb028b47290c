"""Does a passage answer the question? The share of the question it covers.

A fixed threshold on raw BM25 scores breaks as soon as the corpus changes
(scores grow with corpus size and query length). Instead each question word
is weighted by its idf in the current corpus, and a passage's relevance is
the weighted share of question words it contains (a word counts if the
passage has it or one of its synonyms). A word the corpus has never seen gets
the highest weight, so "오늘 서울 날씨" finds nothing even if some passage
happens to share one everyday word with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..search import Query

__all__ = ["MIN_RELEVANCE", "coverage", "idf"]

MIN_RELEVANCE = 0.6


def idf(document_frequency: int, size: int) -> float:
    return math.log(1 + (size - document_frequency + 0.5) / (document_frequency + 0.5))


def coverage(
    query: Query,
    passage_words: frozenset[str],
    document_frequency: Callable[[str], int],
    size: int,
) -> float:
    """0.0 (none of the question) … 1.0 (every question word is in the passage)."""
    total = matched = 0.0
    for word in query.words:
        forms = query.forms(word)
        weight = idf(max(document_frequency(f) for f in forms), size)
        total += weight
        if forms & passage_words:
            matched += weight
    return matched / total if total else 0.0
