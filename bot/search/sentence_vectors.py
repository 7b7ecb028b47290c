"""The vectors of passages' sentences, read from the vector cache for a few passages at
a time: the candidates a question ranks first, and the passages it quotes.

A passage's vector says what the passage is about as a whole; a question usually asks
one thing one sentence says. The closest sentence re-ranks a question's best candidates
and chooses what its excerpt quotes (``bot/answers``). Sentences are embedded after
every passage has its vector (``SemanticIndexer.embed_sentences``), so hybrid answers
don't wait for them; until a passage's sentences all have vectors, it is ranked and
quoted as before. Read on demand, they cost no memory: about 25 vectors a question.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..corpus import Passage
from .model_inputs import sentence_inputs
from .vectors import VectorCache, Vectors, vector_key

if TYPE_CHECKING:
    from .cluster_vectors import ClusterVectorCache

__all__ = ["SentenceVectors"]


class SentenceVectors:
    """A read-only view of the sentence vectors in a cache (the ``SemanticIndexer`` that
    owns the cache makes them)."""

    def __init__(self, cache: VectorCache | ClusterVectorCache, version: str) -> None:
        self._cache = cache
        self._version = version

    def similarities(
        self, query: Vectors, passages: Sequence[tuple[str, Passage]]
    ) -> dict[str, tuple[float, ...]]:
        """The cosine of each sentence of each (title, passage) to ``query``, for the
        passages whose every sentence has its vector."""
        wanted = {
            passage.id: [vector_key(self._version, s) for s in sentence_inputs(title, passage.text)]
            for title, passage in passages
        }
        found = self._cache.get_many({key for keys in wanted.values() for key in keys})
        result: dict[str, tuple[float, ...]] = {}
        for pid, keys in wanted.items():
            if keys and all(key in found for key in keys):
                matrix = np.stack([found[key] for key in keys])
                result[pid] = tuple(float(s) for s in matrix @ query)
        return result
