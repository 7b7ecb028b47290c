"""Passage vectors: a cache on disk by text, and an exact in-memory search over them.

Embedding is the slow part of semantic retrieval (a fraction of a CPU-second per
passage), so a passage text is embedded once per model version and its vector kept
in ``DATA_DIR/vectors.sqlite`` (like the token cache, keyed by a hash of the text).
Vectors are stored as int8 with one float scale each (388 bytes instead of 1,536;
the cosine to the original stays above 0.9999).

``VectorIndex`` is an immutable view: passage ids and a float32 matrix of their unit
vectors, searched exactly (one matrix-vector product: about 11 ms at 100,000
passages on one core).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["DenseIndex", "DenseResult", "ScoredVector", "VectorCache", "VectorIndex", "vector_key"]

Vectors = npt.NDArray[np.float32]
_CHUNK = 500
MEDIAN_SAMPLE = 4096  # passages the typical similarity is taken over


def sample_step(size: int) -> int:
    """Every how many passages one is in the sample the median is taken over."""
    return max(1, size // MEDIAN_SAMPLE)


def vector_key(version: str, text: str) -> str:
    return hashlib.blake2b(f"{version}\0{text}".encode(), digest_size=16).hexdigest()


def _pack(vector: Vectors) -> bytes:
    scale = float(np.abs(vector).max()) / 127 or 1.0
    quantized: npt.NDArray[np.int8] = np.clip(np.rint(vector / scale), -127, 127).astype(np.int8)
    return np.float32(scale).tobytes() + quantized.tobytes()


def _unpack(blob: bytes) -> Vectors:
    scale = np.frombuffer(blob, dtype=np.float32, count=1)[0]
    vector: Vectors = np.frombuffer(blob, dtype=np.int8, offset=4).astype(np.float32) * scale
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def _unpack_many(blobs: list[bytes]) -> list[Vectors]:
    """``_unpack`` of each blob, in a few array operations (a million one by one took 16 s)."""
    if not blobs or any(len(blob) != len(blobs[0]) for blob in blobs):
        return [_unpack(blob) for blob in blobs]  # none, or not all of one model's size
    rows = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), len(blobs[0]))
    scales = rows[:, :4].copy().view(np.float32)  # [n, 1]
    vectors: Vectors = rows[:, 4:].view(np.int8).astype(np.float32) * scales
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors /= np.where(norms > 0, norms, 1.0)
    return list(vectors)


class VectorCache:
    """key → vector in SQLite; ``VectorCache(None)`` keeps it in memory."""

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"
        )
        self._lock = threading.Lock()

    def get_many(self, keys: Iterable[str]) -> dict[str, Vectors]:
        found: dict[str, Vectors] = {}
        for rows in self._select("key, vector", keys):
            vectors = _unpack_many([blob for _, blob in rows])
            found.update(zip((key for key, _ in rows), vectors, strict=True))
        return found

    def known(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` have a vector (none decoded)."""
        return {key for rows in self._select("key", keys) for (key,) in rows}

    def _select(self, columns: str, keys: Iterable[str]) -> Iterator[list[Any]]:
        """The rows of ``keys`` that are stored, ``_CHUNK`` keys a query."""
        keys = list(keys)
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            with self._lock:
                rows = self._db.execute(
                    f"SELECT {columns} FROM vectors WHERE key IN ({marks})", chunk
                ).fetchall()
            yield rows

    @property
    def local(self) -> VectorCache:
        """The cache on this machine: itself (``ClusterVectorCache`` has one in front)."""
        return self

    def put_many(self, items: Mapping[str, Vectors]) -> None:
        rows = [(key, _pack(vector)) for key, vector in items.items()]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)

    @property
    def empty(self) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM vectors LIMIT 1").fetchone() is None

    def close(self) -> None:
        self._db.close()


@dataclass(frozen=True, slots=True)
class ScoredVector:
    id: str
    similarity: float  # cosine, -1 … 1


def _no_sample() -> Vectors:
    return np.zeros(0, dtype=np.float32)


@dataclass(frozen=True, slots=True)
class DenseResult:
    hits: tuple[ScoredVector, ...]
    typical: float  # the median similarity of the question to the indexed passages
    # The question's similarity to each passage of ``DenseIndex.sample_ids``, which the
    # median is taken over (so one over the passages of one language can be taken too).
    sample: Vectors = field(default_factory=_no_sample)


class DenseIndex(Protocol):
    """What answering needs of passage vectors, searched exactly or approximately."""

    @property
    def size(self) -> int: ...

    @property
    def total(self) -> int: ...

    @property
    def sample_ids(self) -> Sequence[str]:
        """The passages ``DenseResult.typical`` is the median over, as in its ``sample``."""
        ...

    def search(self, query: Vectors, k: int) -> DenseResult: ...

    def similarities(self, query: Vectors, passage_ids: Iterable[str]) -> dict[str, float]: ...


class Covered:
    """Which passages have vectors, out of how many the index holds."""

    ids: tuple[str, ...]
    total: int

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def sample_ids(self) -> Sequence[str]:
        return self.ids[:: sample_step(len(self.ids))]

    @property
    def complete(self) -> bool:
        """Every passage of the index has its vector."""
        return self.size >= self.total


class VectorIndex(Covered):
    """The vectors of some passages, searched exactly by cosine."""

    def __init__(self, ids: Sequence[str], matrix: Vectors, total: int | None = None) -> None:
        if len(ids) != len(matrix):
            raise ValueError(f"{len(ids)} ids for {len(matrix)} vectors")
        self.ids = tuple(ids)
        self._matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        self._row = {pid: row for row, pid in enumerate(self.ids)}
        self.total = len(ids) if total is None else total  # passages in the index

    @classmethod
    def empty(cls, dim: int, total: int = 0) -> VectorIndex:
        return cls((), np.zeros((0, dim), dtype=np.float32), total)

    def search(self, query: Vectors, k: int) -> DenseResult:
        """The ``k`` most similar passages, and how similar a typical passage is."""
        if not self.ids or k <= 0:
            return DenseResult((), 0.0)
        scores = self._matrix @ query
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        # Every text is somewhat similar to every other (e5's cosines rarely go below
        # 0.7): what tells relevance is how far a passage stands above the median.
        sample = scores[:: sample_step(len(scores))]
        return DenseResult(
            tuple(ScoredVector(self.ids[i], float(scores[i])) for i in top),
            float(np.median(sample)),
            sample,
        )

    def similarities(self, query: Vectors, passage_ids: Iterable[str]) -> dict[str, float]:
        rows = [(pid, self._row[pid]) for pid in passage_ids if pid in self._row]
        if not rows:
            return {}
        scores = self._matrix[[row for _, row in rows]] @ query
        return {pid: float(s) for (pid, _), s in zip(rows, scores, strict=True)}
