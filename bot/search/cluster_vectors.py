"""Passage, sentence and word vectors shared through the cluster: the semantic side of several
replicas.

The vectors are kept like the local ``VectorCache`` keeps them, by model version and
text (``vector_key``), in the index ``<OPENSEARCH_INDEX>.vectors``: one document per
text (a passage's, one of its sentences' or one of its words'), its vector in a
``knn_vector`` field.
``ClusterVectorCache`` puts the local cache in front of it: what the local file lacks is
fetched from the cluster once (an ``mget`` per 500) and kept locally, so a replica with
an empty data folder
gets the refreshing process's vectors without embedding anything, and searches them
in memory (exact, or the HNSW graph above 50,000 passages) as the local path does.
Fusion stays in the bot: the cluster's ``knn`` query is not used (osmem-server, which
the tests run against, doesn't support it).

Only a process that refreshes writes vectors to the cluster; the others keep what they
embed themselves (texts the cluster lacked) in their local cache. It also prunes them
(``prune``): after its vectors are made for a view, the documents whose key no current
passage has (texts changed or removed, every text of a rebuilt corpus) are deleted, so
the index holds the vectors of current texts only, not of every text ever embedded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .opensearch_engine import OpenSearchConfig, call
from .vectors import VectorCache, Vectors

__all__ = ["ClusterVectorCache"]

log = logging.getLogger(__name__)

_BATCH = 500  # vectors per mget or bulk request
_SCROLL = "2m"  # how long the cluster keeps a listing of the keys between two pages


class ClusterVectorCache:
    """``VectorCache``'s interface: the local cache first, then the cluster's."""

    def __init__(
        self, local: VectorCache, config: OpenSearchConfig, client: Any, *, write: bool
    ) -> None:
        self.local = local
        self.config = config
        self.client = client
        self.write = write  # this process refreshes: its vectors go to the cluster too
        self.index = f"{config.index}.vectors"
        self._made = False

    @property
    def empty(self) -> bool:
        if not self.local.empty:
            return False
        if not call(self.config, self.client.indices.exists, index=self.index):
            return True
        found = call(self.config, self.client.count, index=self.index)
        return int(found["count"]) == 0

    def get_many(self, keys: Iterable[str]) -> dict[str, Vectors]:
        keys = list(keys)
        found = self.local.get_many(keys)
        missing = [key for key in keys if key not in found]
        if not missing or not call(self.config, self.client.indices.exists, index=self.index):
            return found
        fetched: dict[str, Vectors] = {}
        for start in range(0, len(missing), _BATCH):
            ids = missing[start : start + _BATCH]
            response = call(self.config, self.client.mget, index=self.index, body={"ids": ids})
            for doc in response.get("docs", ()):
                vector = (doc.get("_source") or {}).get("vector") if doc.get("found") else None
                if isinstance(vector, list) and vector:
                    fetched[doc["_id"]] = np.asarray(vector, dtype=np.float32)
        if fetched:
            self.local.put_many(fetched)  # fetched once: kept in the local cache
            found.update(self.local.get_many(fetched))
        return found

    def put_many(self, items: Mapping[str, Vectors]) -> None:
        self.local.put_many(items)
        if not self.write or not items:
            return
        self._make_index(len(next(iter(items.values()))))
        if not self.write:
            return
        rows = list(items.items())
        for start in range(0, len(rows), _BATCH):
            body: list[dict[str, Any]] = []
            for key, vector in rows[start : start + _BATCH]:
                body.append({"index": {"_index": self.index, "_id": key}})
                body.append({"vector": [round(float(x), 6) for x in vector]})
            response = call(self.config, self.client.bulk, body=body)
            if response.get("errors"):
                log.warning("the cluster refused some passage vectors: they stay local")
        # No refresh: replicas read vectors by id (mget is real-time), and this is called
        # per embedding batch (a refresh each would be tens of thousands per corpus).

    def prune(self, keep: Iterable[str]) -> int:
        """Delete the cluster's vectors whose key is not in ``keep`` (the keys of the
        passages served now); how many. Only by the process that writes them: a replica
        answering from an older view has fetched its vectors already, or embeds locally."""
        if not self.write or not call(self.config, self.client.indices.exists, index=self.index):
            return 0
        wanted = set(keep)
        stale = [key for key in self._keys() if key not in wanted]
        for start in range(0, len(stale), _BATCH):
            chunk = stale[start : start + _BATCH]
            body = [{"delete": {"_index": self.index, "_id": key}} for key in chunk]
            call(self.config, self.client.bulk, body=body)
        if stale:
            call(self.config, self.client.indices.refresh, index=self.index)
        return len(stale)

    def _keys(self) -> Iterable[str]:
        """Every vector's key in the cluster: a scroll in index order, ids only."""
        body = {"size": _BATCH * 2, "_source": False, "sort": ["_doc"]}
        page = call(self.config, self.client.search, index=self.index, body=body, scroll=_SCROLL)
        scroll_id = page.get("_scroll_id")
        try:
            while hits := page.get("hits", {}).get("hits", []):
                yield from (hit["_id"] for hit in hits)
                page = call(self.config, self.client.scroll, scroll_id=scroll_id, scroll=_SCROLL)
                scroll_id = page.get("_scroll_id", scroll_id)
        finally:
            if scroll_id:
                call(self.config, self.client.clear_scroll, scroll_id=scroll_id, ignore=[404])

    def _make_index(self, dim: int) -> None:
        if self._made:
            return
        body = {
            "settings": {"index": {"number_of_shards": 1, "knn": True}},
            "mappings": {
                "dynamic": "strict",
                "properties": {"vector": {"type": "knn_vector", "dimension": dim}},
            },
        }
        # 400: it exists already (made by another process, maybe just now), or the
        # cluster has no k-NN plugin: then the vectors stay local.
        call(self.config, self.client.indices.create, index=self.index, body=body, ignore=[400])
        if not call(self.config, self.client.indices.exists, index=self.index):
            log.warning("the cluster can't hold passage vectors (%s): kept locally", self.index)
            self.write = False
        self._made = True

    def stored(self) -> int:
        """How many vectors the cluster holds (0 without their index)."""
        if not call(self.config, self.client.indices.exists, index=self.index):
            return 0
        return int(call(self.config, self.client.count, index=self.index)["count"])

    def close(self) -> None:
        self.local.close()
