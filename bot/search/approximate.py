"""Approximate vector search (HNSW, usearch) for corpora too big to search exactly fast.

Exact search costs one multiplication per passage: 7 ms at 100,000 passages, 70 ms
at a million, in a 1.5 GB float32 matrix. Above ``EXACT_LIMIT`` passages the vectors
go into a usearch HNSW graph over float16 vectors instead (about a millisecond a
question, half the memory). Building the graph takes about a minute per 100,000 passages
on two cores, so it is saved in the data folder beside the vector cache and reused
while the vectors it holds are the same. Opening a service never waits for a graph to be
built: until the embedding job has built and swapped it in, the vectors are searched
exactly.

Measured on real embeddings (TyDi's 2,777 texts and 813 questions,
``bench/ann_recall.py``): recall@10 against exact search 0.998 in float16, 0.91 in
usearch's int8 (which has no per-vector scale for e5's small components).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .vectors import Covered, DenseResult, ScoredVector, VectorIndex, Vectors, sample_step

if TYPE_CHECKING:
    from usearch.index import Index

__all__ = ["EXACT_LIMIT", "ApproximateVectorIndex", "vector_index"]

log = logging.getLogger(__name__)

EXACT_LIMIT = 50_000
_CONNECTIVITY = 16
_EXPANSION_ADD = 128
_EXPANSION_SEARCH = 128


class ApproximateVectorIndex(Covered):
    """The same questions as ``VectorIndex``, answered from an HNSW graph."""

    def __init__(
        self,
        ids: Sequence[str],
        matrix: Vectors,
        total: int | None = None,
        path: Path | None = None,
        *,
        digest: str | None = None,
    ) -> None:
        from usearch.index import Index

        self.ids = tuple(ids)
        self.total = len(ids) if total is None else total
        self._row = {pid: row for row, pid in enumerate(self.ids)}
        dim = int(matrix.shape[1])
        digest = digest or _digest(self.ids, matrix)
        index: Index | None = None
        if path is not None and _graph_saved(path, digest):
            try:
                restored = Index.restore(str(path), view=False)
                if restored is not None and len(restored) == len(self.ids):
                    index = restored
            except (OSError, RuntimeError, ValueError) as error:
                log.warning("the saved vector graph %s can't be read (%s): rebuilding", path, error)
        if index is None:
            index = Index(
                ndim=dim,
                metric="cos",
                dtype="f16",  # usearch's i8 loses e5's small components: recall@10 0.91 vs 0.998
                connectivity=_CONNECTIVITY,
                expansion_add=_EXPANSION_ADD,
                expansion_search=_EXPANSION_SEARCH,
            )
            index.add(np.arange(len(self.ids), dtype=np.uint64), matrix, threads=0)
            if path is not None:
                index.save(str(path))
                _stamp(path).write_text(digest, "ascii")
        self._index: Index = index
        self._sample = np.ascontiguousarray(matrix[:: sample_step(len(self.ids))], dtype=np.float32)

    def search(self, query: Vectors, k: int) -> DenseResult:
        if not self.ids or k <= 0:
            return DenseResult((), 0.0)
        found = self._index.search(query, min(k, len(self.ids)))
        hits = tuple(
            ScoredVector(self.ids[int(key)], 1.0 - float(distance))
            for key, distance in zip(found.keys, found.distances, strict=True)
        )
        sample = self._sample @ query
        return DenseResult(hits, float(np.median(sample)), sample)

    def similarities(self, query: Vectors, passage_ids: Iterable[str]) -> dict[str, float]:
        rows = [(pid, self._row[pid]) for pid in passage_ids if pid in self._row]
        if not rows:
            return {}
        found = self._index.get(np.array([row for _, row in rows], dtype=np.uint64), "f32")
        vectors = found if isinstance(found, tuple) else (found,)  # a tuple for many keys
        scores = {}
        for (pid, _), vector in zip(rows, vectors, strict=True):
            norm = float(np.linalg.norm(vector)) if vector is not None else 0.0
            scores[pid] = float(vector @ query) / norm if vector is not None and norm else 0.0
        return scores


def vector_index(
    ids: Sequence[str],
    matrix: Vectors,
    total: int | None = None,
    *,
    path: Path | None = None,
    exact_limit: int = EXACT_LIMIT,
    build: bool = True,
) -> VectorIndex | ApproximateVectorIndex:
    """Exact search up to ``exact_limit`` passages, an HNSW graph (saved at ``path``) above.

    Without ``build``, a graph that is not saved yet is not built (minutes at a million
    passages): the vectors are searched exactly meanwhile (70 ms a question at a million)."""
    if len(ids) <= exact_limit:
        return VectorIndex(ids, matrix, total)
    digest = _digest(ids, matrix)
    if not build and (path is None or not _graph_saved(path, digest)):
        log.info("%d vectors: searched exactly until their HNSW graph is built", len(ids))
        return VectorIndex(ids, matrix, total)
    log.info("%d vectors: searching them through an HNSW graph", len(ids))
    return ApproximateVectorIndex(ids, matrix, total, path, digest=digest)


def _digest(ids: Sequence[str], matrix: Vectors) -> str:
    """What a saved graph was built from: the ids and their vectors (a passage whose
    text, title or model changed keeps its id, not its vector)."""
    digest = hashlib.blake2b(digest_size=16)
    for pid in ids:
        digest.update(pid.encode() + b"\0")
    digest.update(np.ascontiguousarray(matrix, dtype=np.float32).data)
    return digest.hexdigest()


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".ids")


def _graph_saved(path: Path, digest: str) -> bool:
    """Whether the graph at ``path`` was saved for these ids and vectors (no stamp: a
    save that didn't finish, so no)."""
    try:
        return path.exists() and _stamp(path).read_text("ascii") == digest
    except (OSError, UnicodeDecodeError):
        return False
