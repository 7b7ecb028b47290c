"""Passage vectors shared through the cluster (osmem-server): the refreshing process
writes them to a ``knn_vector`` field, a replica with an empty data folder fetches them
once into its in-memory search instead of embedding. (The cluster's ``knn`` query is
not used, and osmem-server could not test it.)"""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot import Library, Settings
from bot.search.cluster_vectors import ClusterVectorCache
from bot.search.opensearch_engine import OpenSearchConfig
from bot.search.vectors import VectorCache
from tests.search.conftest import on_cluster, writer_and_replica

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


_CLIENTS: list[Any] = []  # made by a test, closed after it


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _CLIENTS:
        _CLIENTS.pop().close()


def client(config: OpenSearchConfig) -> Any:
    from opensearchpy import OpenSearch

    _CLIENTS.append(OpenSearch(hosts=[config.url]))
    return _CLIENTS[-1]


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


def test_vectors_are_written_without_a_refresh_and_read_at_once(
    cluster: OpenSearchConfig,
) -> None:
    # put_many is called per embedding batch: a refresh each would be one per 16
    # passages. A replica reads them by id (a real-time mget): none is needed.
    writing = client(cluster)
    refreshed: list[dict[str, Any]] = []
    refresh = writing.indices.refresh

    def recording(**options: Any) -> Any:
        refreshed.append(options)
        return refresh(**options)

    writing.indices.refresh = recording
    writer = ClusterVectorCache(VectorCache(None), cluster, writing, write=True)
    for n in range(3):
        writer.put_many({f"k{n}": unit(n)})
    assert refreshed == []
    reading = client(cluster)
    replica = ClusterVectorCache(VectorCache(None), cluster, reading, write=False)
    assert set(replica.get_many(["k0", "k1", "k2"])) == {"k0", "k1", "k2"}


def test_a_replica_answers_with_the_writer_vectors_without_embedding(
    cluster: OpenSearchConfig, analyzer: Any, tmp_path: Path
) -> None:
    writer, replica = writer_and_replica(cluster, analyzer, tmp_path)
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


def test_a_replica_fetches_the_writer_sentence_vectors_before_questions_read_them(
    cluster: OpenSearchConfig, analyzer: Any, tmp_path: Path
) -> None:
    """Questions read sentence vectors from the local cache only (never the network):
    the replica's embedding job fetches the writer's into it."""
    writer, replica = writer_and_replica(cluster, analyzer, tmp_path)
    try:
        view = writer.build_index()
        writing = writer.home.semantic_component(HashEmbedder())
        writing.vectors(view)
        model = HashEmbedder()
        semantic = replica.home.semantic_component(model)
        served = replica.open_service().index
        passage = served.article_passages(next(iter(served.articles)))[0]
        title = served.articles[passage.article_id].title
        query = HashEmbedder().embed_query("DeepSeek v3 훈련 비용")
        assert not semantic.embed_sentences(served, embed=False)  # the writer has none yet
        assert semantic.sentences.similarities(query, [(title, passage)]) == {}

        assert writing.embed_sentences(view)
        assert semantic.embed_sentences(served, embed=False)  # fetched, none embedded
        assert model.embedded == 0
        found = semantic.sentences.similarities(query, [(title, passage)])
        assert len(found[passage.id]) == len(passage.sentences)
    finally:
        replica.close()
        writer.close()


NEW_ARTICLE = """---
id: jejutangerine01
title: 제주 감귤 수확 소식
publisher: 테스트 신문
published: 2026-11-30
url: https://example.org/jeju-tangerine
---
올해 제주 감귤 수확량은 지난해보다 늘어 약 오십만 톤으로 집계되었습니다.

감귤 농가는 이른 추위에도 당도가 높았다고 말했습니다.
"""


def test_a_polling_replica_takes_the_writer_new_vectors_in_the_embedding_thread(
    cluster: OpenSearchConfig, analyzer: Any, tmp_path: Path
) -> None:
    """After a poll swaps a new view in, its vectors are built off the poller's thread;
    a replica embeds none of the writer's new passages: it fetches their vectors at a
    later poll, once the writer has embedded them."""
    writer, replica = writer_and_replica(cluster, analyzer, tmp_path)
    corpus = writer.settings.corpus_dir
    replica.poll_seconds = 0.02  # injected: polled quickly here
    model = HashEmbedder()
    semantic = replica.home.semantic_component(model)
    replica._semantic, replica._semantic_checked = semantic, True
    made: list[tuple[str, bool, int, int]] = []
    vectors = semantic.vectors

    def recording(index: Any, **options: Any) -> Any:
        found = vectors(index, **options)
        thread = threading.current_thread().name
        made.append((thread, options.get("embed", True), found.size, found.total))
        return found

    semantic.vectors = recording  # type: ignore[method-assign]
    try:
        writing = writer.home.semantic_component(HashEmbedder())
        writing.vectors(writer.build_index())
        service = replica.open_service(degraded=True)  # the running bot: it polls
        replica.embed_in_background(service)  # as the bot does at start
        replica.wait_for_embedding()
        model.embedded = 0
        poller = replica._polling
        assert poller is not None
        made.clear()

        (corpus / "articles" / "jejutangerine01.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        view = writer.sync().view  # the new passages have no vectors yet
        with poller.changed:
            assert poller.changed.wait_for(lambda: poller.swapped >= 1, timeout=30)
        replica.wait_for_embedding()
        assert service.index.stamp == view.stamp
        assert [(thread, embed) for thread, embed, _, _ in made] == [("embedding", False)]
        assert made[-1][2] < made[-1][3] == view.size  # some missing: not embedded here
        assert model.embedded == 0

        writing.vectors(view)  # the writer embeds them
        with poller.changed:
            assert poller.changed.wait_for(lambda: poller.swapped >= 2, timeout=30)
        replica.wait_for_embedding()
        assert made[-1] == ("embedding", False, view.size, view.size)
        assert model.embedded == 0
    finally:
        replica.close()


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
        **on_cluster(cluster),
    )
    writer = Library(settings, analyzer)
    # The semantic side with a stand-in model (RETRIEVAL=bm25 keeps the real one away).
    writer._semantic = writer.home.semantic_component(HashEmbedder())
    writer._semantic_checked = True
    try:
        before = writer.build_index()
        writer.embed(before)
        semantic = writer.semantic
        assert semantic is not None
        # One vector per passage text and per sentence text (a passage of one sentence
        # shares its sentence's).
        assert client(cluster).count(index="passages.vectors")["count"] == len(
            set(semantic.keys(before))
        )
        assert len(set(semantic.keys(before))) > before.size

        removed, *_ = sorted((corpus / "articles").iterdir())
        removed.unlink()
        after = writer.build_index()
        assert 0 < after.size < before.size
        writer.embed(after)  # embeds nothing new, prunes the removed article's vectors
        assert client(cluster).count(index="passages.vectors")["count"] == len(
            set(semantic.keys(after))
        )
    finally:
        writer.close()
