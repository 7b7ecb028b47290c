"""The semantic side of an index: one vector per passage, one per sentence of each
and one per word, embedded once per text.

``SemanticIndexer.vectors(index)`` gathers the vectors of every passage of a
``SearchIndex`` from the cache and embeds only the texts it has never seen, in
batches, reporting progress and stopping early when asked. Without ``embed`` it
returns what the cache already holds (a one-shot ``ask`` never starts a long job).
``embed_sentences(index)`` then embeds the sentences the same way, and
``embed_words(index)`` the passages' words; they stay in the cache, read a few at a
time through ``sentences`` (``SentenceVectors``) and ``words`` (``WordVectors``).
``embed_everyday()`` embeds the few everyday topics a question in another language
than an article is weighed against (``everyday.py``), read through ``everyday``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..progress import Progress, no_progress
from .approximate import EXACT_LIMIT, vector_index
from .embedder import Embedder
from .everyday import EverydayTopics, everyday_inputs
from .index import SearchIndex
from .model_inputs import embedding_input, sentence_inputs
from .sentence_vectors import SentenceVectors, keyed_sentences, sentence_keys
from .vectors import DenseIndex, VectorCache, VectorIndex, Vectors, vector_key
from .word_vectors import WordVectors, keyed_words

if TYPE_CHECKING:
    from .cluster_vectors import ClusterVectorCache

__all__ = ["SemanticIndexer", "embedding_input", "sentence_inputs"]

log = logging.getLogger(__name__)

_BATCH = 16  # passages per call to the model: progress stays smooth, stopping is quick
WORD_BATCH = 64  # words per call (a word is a few tokens: a call costs what 4 passages do)


class SemanticIndexer:
    def __init__(
        self,
        embedder: Embedder,
        cache: VectorCache | ClusterVectorCache,
        *,
        graph: Path | None = None,
        exact_limit: int = EXACT_LIMIT,
    ) -> None:
        self.embedder = embedder
        self.cache = cache
        self.graph = graph  # where an HNSW graph of a large corpus is saved
        self.exact_limit = exact_limit

    @property
    def sentences(self) -> SentenceVectors:
        """A read-only view of the sentences' vectors in the local cache, for answering."""
        return SentenceVectors(self.cache.local, self.embedder.version)

    @property
    def words(self) -> WordVectors:
        """A read-only view of the words' vectors in the local cache, for answering."""
        return WordVectors(self.cache.local, self.embedder.version)

    @functools.cached_property
    def everyday(self) -> EverydayTopics:
        """A read-only view of the everyday topics' vectors in the local cache (one: it
        keeps them in memory once they are all there)."""
        return EverydayTopics(self.cache.local, self.embedder.version)

    def embed_everyday(self, *, embed: bool = True) -> bool:
        """Put the vector of every everyday topic in the local cache: fetched from a
        cluster that has it, else embedded (unless not ``embed``); about 2.5 s, once.
        Whether every one now has one."""
        inputs = everyday_inputs(self.embedder.version)
        missing = self._missing(inputs)
        if missing and embed:
            self._embed(inputs, missing, WORD_BATCH, stop=lambda: False)
            log.info("embedded %d everyday topics", len(missing))
            missing = []
        self.everyday.reload()  # answers read them from the cache again
        return not missing

    def keys(self, index: SearchIndex) -> Iterator[str]:
        """The cache key of every passage's vector in ``index``, of every one of its
        sentences' and of its words' (whether made or not), and the everyday topics'."""
        version = self.embedder.version
        yield from everyday_inputs(version)
        for batch in index.passage_texts():
            for _, title, text in batch:
                yield vector_key(version, embedding_input(title, text))
                yield from sentence_keys(version, title, text)
            yield from self._batch_words(index, batch)

    def _batch_words(self, index: SearchIndex, batch: list[tuple[str, str, str]]) -> dict[str, str]:
        words = index.passage_words([pid for pid, _, _ in batch])
        return keyed_words(self.embedder.version, (w for found in words.values() for w in found))

    def embed_sentences(
        self,
        index: SearchIndex,
        *,
        embed: bool = True,
        progress: Progress = no_progress,
        stop: Callable[[], bool] = lambda: False,
    ) -> bool:
        """Put the vector of every sentence of ``index``'s passages in the local cache, a
        batch of passages at a time (a million passages' sentences are never all held):
        fetched from a cluster that has it, else embedded (unless not ``embed``). Whether
        every sentence now has one (False when stopped). After ``vectors``: hybrid answers
        don't wait for these."""
        version = self.embedder.version

        def inputs(batch: list[tuple[str, str, str]]) -> dict[str, str]:
            return dict(
                pair for _, title, text in batch for pair in keyed_sentences(version, title, text)
            )

        return self._embed_parts(index, "sentences", inputs, _BATCH, embed, progress, stop)

    def embed_words(
        self,
        index: SearchIndex,
        *,
        embed: bool = True,
        progress: Progress = no_progress,
        stop: Callable[[], bool] = lambda: False,
    ) -> bool:
        """``embed_sentences`` for the words of ``index``'s passages (``word_vectors``):
        after the sentences, since only questions in another language than an article
        use them."""

        def inputs(batch: list[tuple[str, str, str]]) -> dict[str, str]:
            return self._batch_words(index, batch)

        return self._embed_parts(index, "words", inputs, WORD_BATCH, embed, progress, stop)

    def _embed_parts(
        self,
        index: SearchIndex,
        parts: str,
        inputs_of: Callable[[list[tuple[str, str, str]]], dict[str, str]],
        size: int,
        embed: bool,
        progress: Progress,
        stop: Callable[[], bool],
    ) -> bool:
        """Put the vectors of the ``parts`` of each batch of passages (``inputs_of``: key ->
        what the model reads) in the local cache, ``size`` texts a call to the model."""
        made = done = 0
        complete = True
        label = f"embedding {parts}"
        progress(label, 0, index.size)
        for batch in index.passage_texts():
            if stop():
                return _stopped(parts, made)
            inputs = inputs_of(batch)
            missing = self._missing(inputs)
            if not embed:
                complete = complete and not missing
                missing = []
            embedded = self._embed(inputs, missing, size, stop)
            if embedded is None:
                return _stopped(parts, made)
            made += embedded
            done += len(batch)
            progress(label, min(done, index.size), index.size)
        if made:
            log.info("embedded %d new %s", made, parts)
        return complete

    def _missing(self, inputs: dict[str, str]) -> list[str]:
        """The keys of ``inputs`` with no vector in the local cache, once a cluster's
        have been fetched into it."""
        have = self.cache.local.known(inputs)
        missing = [key for key in inputs if key not in have]
        if missing:
            fetched = self.cache.get_many(missing)
            missing = [key for key in missing if key not in fetched]
        return missing

    def _embed(
        self, inputs: dict[str, str], keys: list[str], size: int, stop: Callable[[], bool]
    ) -> int | None:
        """Embed what ``inputs`` has for ``keys`` into the cache, ``size`` texts a call to
        the model; how many were, or None if stopped before the end."""
        for start in range(0, len(keys), size):
            if stop():
                return None
            chunk = keys[start : start + size]
            fresh = self.embedder.embed_passages([inputs[k] for k in chunk])
            self.cache.put_many(dict(zip(chunk, fresh, strict=True)))
        return len(keys)

    def vectors(
        self,
        index: SearchIndex,
        *,
        embed: bool = True,
        graph: bool = True,
        progress: Progress = no_progress,
        stop: Callable[[], bool] = lambda: False,
    ) -> DenseIndex:
        """The vectors of ``index``'s passages (all of them unless stopped or ``embed``
        is False: then only those cached). Without ``graph``, a large corpus whose HNSW
        graph is not saved yet is searched exactly instead of waiting for it to be built."""
        version = self.embedder.version
        if not embed and self.cache.empty:  # nothing embedded yet: don't even list passages
            return VectorIndex.empty(self.embedder.dim, total=index.size)
        ids: list[str] = []
        rows = _Rows(self.embedder.dim, index.size)  # each passage's vector, row by row
        texts: dict[str, str] = {}  # key -> the text of a vector still to be made
        waiting: dict[str, list[int]] = {}  # key -> the rows that take that vector
        for batch in index.passage_texts():
            inputs = [(pid, embedding_input(title, text)) for pid, title, text in batch]
            batch_keys = [vector_key(version, text) for _, text in inputs]  # as ``keys``
            cached = self.cache.get_many(batch_keys)
            for (pid, text), key in zip(inputs, batch_keys, strict=True):
                vector = cached.get(key)
                if vector is not None:
                    rows.put(len(ids), vector)
                elif embed:
                    texts.setdefault(key, text)
                    waiting.setdefault(key, []).append(len(ids))
                ids.append(pid)
        if embed and texts:
            missing = list(texts)
            log.info("embedding %d new passages (%d cached)", len(missing), len(ids) - len(missing))
            progress("embedding", 0, len(missing))
            for start in range(0, len(missing), _BATCH):
                if stop():
                    log.info("embedding stopped after %d passages", start)
                    break
                chunk = missing[start : start + _BATCH]
                fresh = self.embedder.embed_passages([texts[k] for k in chunk])
                self.cache.put_many(dict(zip(chunk, fresh, strict=True)))
                for key, vector in zip(chunk, fresh, strict=True):
                    for row in waiting[key]:
                        rows.put(row, vector)
                progress("embedding", min(start + _BATCH, len(missing)), len(missing))
        have, matrix = rows.taken(len(ids))
        if not len(have):
            return VectorIndex.empty(self.embedder.dim, total=len(ids))
        return vector_index(
            ids if len(have) == len(ids) else [ids[row] for row in have],
            matrix,
            len(ids),
            path=self.graph,
            exact_limit=self.exact_limit,
            build=graph,
        )


def _stopped(parts: str, made: int) -> bool:
    log.info("embedding %s stopped after %d", parts, made)
    return False


class _Rows:
    """Vectors put in one matrix row by row as they are found. Gathered in a dict of
    small arrays first and stacked, a million of them left 1.6 GB of freed heap that
    the process never gave back."""

    def __init__(self, dim: int, expected: int) -> None:
        self._matrix = np.empty((max(expected, 1), dim), dtype=np.float32)
        self._filled = np.zeros(max(expected, 1), dtype=bool)

    def put(self, row: int, vector: Vectors) -> None:
        if row >= len(self._matrix):  # more passages than the index said
            self._grow(max(2 * len(self._matrix), row + 1))
        self._matrix[row] = vector
        self._filled[row] = True

    def taken(self, count: int) -> tuple[npt.NDArray[np.intp], Vectors]:
        """The rows filled among the first ``count``, and their vectors."""
        if count > len(self._matrix):
            self._grow(count)
        filled = self._filled[:count]
        if filled.all():
            return np.arange(count), self._matrix[:count]
        rows = np.flatnonzero(filled)
        return rows, self._matrix[rows]

    def _grow(self, size: int) -> None:
        grown = np.empty((size, self._matrix.shape[1]), dtype=np.float32)
        grown[: len(self._matrix)] = self._matrix
        filled = np.zeros(size, dtype=bool)
        filled[: len(self._filled)] = self._filled
        self._matrix, self._filled = grown, filled
