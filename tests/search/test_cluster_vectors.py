"""Passage vectors shared through the cluster (osmem-server): the refreshing process
writes them to a ``knn_vector`` field, a replica with an empty data folder fetches them
once into its in-memory search instead of embedding. (The cluster's ``knn`` query is
not used, and osmem-server could not test it.)"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot import Library, Settings
from bot.search.cluster_vectors import ClusterVectorCache
from bot.search.opensearch_engine import OpenSearchConfig
from bot.search.vectors import VectorCache

PROJECT = Path(__file__).resolve().parents[2]
DIM = 8


def unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return vector / np.linalg.norm(vector)


class HashEmbedder:
    """A stand-in model: a fixed unit vector per text; counts what it embeds."""

    version = "hash-test-1"
    dim = DIM

    def __init__(self) -> None:
        self.embedded = 0

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_passages([text])[0]

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += len(texts)
        seeds = [int(hashlib.md5(t.encode()).hexdigest()[:8], 16) for t in texts]
        return np.stack([unit(seed) for seed in seeds])


def client(config: OpenSearchConfig) -> Any:
    from opensearchpy import OpenSearch

    return OpenSearch(hosts=[config.url])


def test_vectors_go_to_a_knn_field_and_a_replica_fetches_them_once(
    cluster: OpenSearchConfig,
) -> None:
    writer = ClusterVectorCache(VectorCache(None), cluster, client(cluster), write=True)
    assert writer.empty
    writer.put_many({"k1": unit(1), "k2": unit(2)})
    mapping = client(cluster).indices.get_mapping(index="passages.vectors")
    field = mapping["passages.vectors"]["mappings"]["properties"]["vector"]
    assert (field["type"], field["dimension"]) == ("knn_vector", DIM)

    local = VectorCache(None)
    replica = ClusterVectorCache(local, cluster, client(cluster), write=False)
    assert not replica.empty  # the cluster has vectors, though this process has none
    found = replica.get_many(["k1", "k2", "k3"])
    assert set(found) == {"k1", "k2"}
    assert float(found["k1"] @ unit(1)) > 0.999
    assert set(local.get_many(["k1", "k2"])) == {"k1", "k2"}  # kept: fetched once

    replica.put_many({"k3": unit(3)})  # a replica's own vectors stay local
    fresh = ClusterVectorCache(VectorCache(None), cluster, client(cluster), write=False)
    assert set(fresh.get_many(["k3"])) == set()


def test_a_replica_answers_with_the_writer_vectors_without_embedding(
    cluster: OpenSearchConfig, analyzer: Any, tmp_path: Path
) -> None:
    common = {
        "retrieval": "bm25",
        "search_engine": "opensearch",
        "opensearch_url": cluster.url,
        "opensearch_index": cluster.index,
        "opensearch_wait_seconds": 0,
    }
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT / "corpus", corpus)
    writer = Library(Settings(corpus_dir=corpus, data_dir=tmp_path / "w", **common), analyzer)
    replica = Library(
        Settings(
            corpus_dir=tmp_path / "none", data_dir=tmp_path / "r", refresh_enabled=False, **common
        ),
        analyzer,
    )
    try:
        view = writer.build_index()
        written = writer.home.semantic_component(HashEmbedder()).vectors(view)
        assert written.size == view.size

        model = HashEmbedder()
        semantic = replica.home.semantic_component(model)
        served = replica.open_service().index
        vectors = semantic.vectors(served, embed=False)
        assert vectors.size == vectors.total == view.size
        assert model.embedded == 0
        query = model.embed_query("DeepSeek v3 훈련 비용")
        best = vectors.search(query, 1)
        assert best  # searched in memory, over the fetched vectors
    finally:
        replica.close()
        writer.close()


def test_the_writer_prunes_vectors_no_passage_has_any_more(cluster: OpenSearchConfig) -> None:
    writer = ClusterVectorCache(VectorCache(None), cluster, client(cluster), write=True)
    keys = [f"k{i:04d}" for i in range(1200)]  # pages of the listing, batches of deletes
    writer.put_many({key: unit(i) for i, key in enumerate(keys)})
    kept = set(keys[::2])

    replica = ClusterVectorCache(VectorCache(None), cluster, client(cluster), write=False)
    assert replica.prune(kept) == 0  # only the writer deletes
    assert client(cluster).count(index="passages.vectors")["count"] == 1200

    assert writer.prune(kept) == 600
    assert client(cluster).count(index="passages.vectors")["count"] == 600
    fresh = ClusterVectorCache(VectorCache(None), cluster, client(cluster), write=False)
    assert set(fresh.get_many(keys)) == kept
    assert writer.prune(kept) == 0  # nothing more to delete


def test_a_removed_article_takes_its_vectors_out_of_the_cluster(
    cluster: OpenSearchConfig, analyzer: Any, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT / "corpus", corpus)
    settings = Settings(
        corpus_dir=corpus,
        data_dir=tmp_path / "w",
        retrieval="bm25",
        search_engine="opensearch",
        opensearch_url=cluster.url,
        opensearch_index=cluster.index,
        opensearch_wait_seconds=0,
    )
    writer = Library(settings, analyzer)
    # The semantic side with a stand-in model (RETRIEVAL=bm25 keeps the real one away).
    writer._semantic = writer.home.semantic_component(HashEmbedder())
    writer._semantic_checked = True
    try:
        before = writer.build_index()
        writer.embed(before)
        assert client(cluster).count(index="passages.vectors")["count"] == before.size

        removed, *_ = sorted((corpus / "articles").iterdir())
        removed.unlink()
        after = writer.build_index()
        assert 0 < after.size < before.size
        writer.embed(after)  # embeds nothing new, prunes the removed article's vectors
        assert client(cluster).count(index="passages.vectors")["count"] == after.size
    finally:
        writer.close()
