"""The vectors of single words, so a question's word can meet a passage's word in
another language: "announced" and 발표, "companies" and 기업.

A question in English about a Korean article shares no word with it, so BM25 can't
tell its candidates apart and their rank is the passage's cosine alone, which says
what a passage is about but not whether it has the words asked about. e5 embeds a
word alone close to its translation: "announced" is nearer 발표 (0.886) than to any
other word of the bundled articles, "technologies" nearest 기술 (0.912). Its cosines
are compressed (unrelated words are 0.82-0.88 apart), so a closeness only counts
above a floor (``bot/answers``).

Each word term of every passage (``vector_words``) is embedded once, alone, as e5
reads a passage ("passage: 발표"), after the passages' and sentences' vectors
(``SemanticIndexer.embed_words``), and kept in the vector cache by its text like
theirs. Read on demand, they cost no memory: the words of the few passages a question
ranks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from .vectors import VectorCache, Vectors, vector_key

__all__ = ["WordVectors", "keyed_words", "vector_words"]


def vector_words(words: Iterable[str]) -> list[str]:
    """The distinct words worth a vector, in order: not one character (Kiwi's bound
    pieces), not a number, not a Latin word of two letters (ai, us, o1: close to
    everything the model reads)."""
    kept = dict.fromkeys(
        word
        for word in words
        if len(word) > 1
        and not word.replace(",", "").replace(".", "").isdigit()
        and not (word.isascii() and len(word) <= 2)
    )
    return list(kept)


def keyed_words(version: str, words: Iterable[str]) -> dict[str, str]:
    """Each word worth a vector, by its vector's cache key (a word embeds as a passage
    of that one word would: the same key)."""
    return {vector_key(version, word): word for word in vector_words(words)}


class WordVectors:
    """A read-only view of the word vectors in a local cache (the ``SemanticIndexer``
    that owns the cache makes them)."""

    def __init__(self, cache: VectorCache, version: str) -> None:
        self._cache = cache
        self._version = version

    def closeness(
        self, question: Vectors, passages: Mapping[str, Sequence[str]]
    ) -> dict[str, Vectors]:
        """For each passage, how close each question word (a row of ``question``) comes
        to one of its words: its highest cosine (0 for a passage with no word worth a
        vector). Only passages every word of which has its vector: while the words are
        being embedded, a passage whose rare words are not yet would seem farther than it
        is."""
        keys = {pid: keyed_words(self._version, words) for pid, words in passages.items()}
        found = self._cache.get_many({key for keyed in keys.values() for key in keyed})
        result: dict[str, Vectors] = {}
        for pid, keyed in keys.items():
            if not keyed:
                result[pid] = np.zeros(len(question), dtype=np.float32)
            elif all(key in found for key in keyed):
                result[pid] = (np.stack([found[key] for key in keyed]) @ question.T).max(axis=0)
        return result
