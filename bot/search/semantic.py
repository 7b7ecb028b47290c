"""The semantic side of an index: one vector per passage, embedded once per text.

``SemanticIndexer.vectors(index)`` gathers the vectors of every passage of a
``SearchIndex`` from the cache and embeds only the texts it has never seen, in
batches, reporting progress and stopping early when asked. Without ``embed`` it
returns what the cache already holds (a one-shot ``ask`` never starts a long job).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..progress import Progress, no_progress
from .approximate import EXACT_LIMIT, vector_index
from .embedder import Embedder
from .index import SearchIndex
from .vectors import DenseIndex, VectorCache, VectorIndex, vector_key

if TYPE_CHECKING:
    from .cluster_vectors import ClusterVectorCache

__all__ = ["SemanticIndexer", "embedding_input"]

log = logging.getLogger(__name__)

_BATCH = 16  # passages per call to the model: progress stays smooth, stopping is quick


def embedding_input(title: str, text: str) -> str:
    """What the model reads of a passage: its article's title, then its text.

    A passage alone often never names what it is about (a paragraph on "his" second
    term, on "the model"); the title does, and questions name it. On TyDi's paragraphs
    (bench/tydi.py, raw ranking, test half) dense top-1 0.630 → 0.669. (Mixing a
    separately embedded title into each passage's vector instead ranked TyDi as well
    but lost answers on the two bundled articles, whose titles share a topic.)
    """
    return f"{title}\n{text}" if title else text


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
        keys: list[str] = []
        texts: dict[str, str] = {}
        found = {}
        for batch in index.passage_texts():
            inputs = [(pid, embedding_input(title, text)) for pid, title, text in batch]
            batch_keys = [vector_key(version, text) for _, text in inputs]
            found.update(self.cache.get_many(batch_keys))
            for (pid, text), key in zip(inputs, batch_keys, strict=True):
                ids.append(pid)
                keys.append(key)
                if embed and key not in found:
                    texts[key] = text
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
                batch_found = dict(zip(chunk, fresh, strict=True))
                self.cache.put_many(batch_found)
                found.update(batch_found)
                progress("embedding", min(start + _BATCH, len(missing)), len(missing))
        have = [(pid, found[key]) for pid, key in zip(ids, keys, strict=True) if key in found]
        if not have:
            return VectorIndex.empty(self.embedder.dim, total=len(ids))
        matrix = np.stack([vector for _, vector in have])
        return vector_index(
            [pid for pid, _ in have],
            matrix,
            len(ids),
            path=self.graph,
            exact_limit=self.exact_limit,
            build=graph,
        )
