"""The vectors of passages' sentences, read from the local vector cache for a few
passages at a time: the candidates a question ranks first, and the passages it quotes.

A passage's vector says what the passage is about as a whole; a question usually asks
one thing one sentence says. The closest sentence re-ranks a question's best candidates
and chooses what its excerpt quotes (``bot/answers``). Sentences are embedded after
every passage has its vector (``SemanticIndexer.embed_sentences``, which also fetches
a cluster's into the local cache), so hybrid answers don't wait for them, and a
question never waits for the network. Read on demand, they cost no memory: the
sentences of ten passages a question, 20 to 40 vectors.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..corpus import Passage
from .model_inputs import sentence_inputs
from .vectors import VectorCache, Vectors, vector_key

__all__ = ["SentenceVectors", "keyed_sentences", "sentence_keys"]


def keyed_sentences(version: str, title: str, text: str) -> list[tuple[str, str]]:
    """Each sentence of a passage (``Passage.sentences``) as (its vector's cache key,
    what the model reads of it)."""
    return [(vector_key(version, sentence), sentence) for sentence in sentence_inputs(title, text)]


def sentence_keys(version: str, title: str, text: str) -> list[str]:
    """The cache key of each sentence's vector of a passage."""
    return [key for key, _ in keyed_sentences(version, title, text)]


class SentenceVectors:
    """A read-only view of the sentence vectors in a local cache (the ``SemanticIndexer``
    that owns the cache makes them)."""

    def __init__(self, cache: VectorCache, version: str) -> None:
        self._cache = cache
        self._version = version

    def similarities(
        self, query: Vectors, passages: Sequence[tuple[str, Passage]]
    ) -> dict[str, tuple[float, ...]]:
        """The cosine of each sentence of each (title, passage) to ``query``, for the
        passages whose every sentence has its vector."""
        wanted = {
            passage.id: sentence_keys(self._version, title, passage.text)
            for title, passage in passages
        }
        found = self._cache.get_many({key for keys in wanted.values() for key in keys})
        result: dict[str, tuple[float, ...]] = {}
        for pid, keys in wanted.items():
            if keys and all(key in found for key in keys):
                matrix = np.stack([found[key] for key in keys])
                result[pid] = tuple(float(s) for s in matrix @ query)
        return result
