"""The OpenSearch tests' cluster: a clone per test of the session's osmem-server
(``osmem`` in tests/conftest.py, shared with tests/chat and tests/e2e)."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import KoreanAnalyzer, Library, Settings
from bot.search.opensearch_engine import OpenSearchConfig

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cluster(osmem: Any) -> Iterator[OpenSearchConfig]:
    with osmem.clone() as clone:
        yield OpenSearchConfig(url=clone.url, index="passages", wait_seconds=0)


def closed_port() -> int:
    """A local port nothing listens on (free when asked)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def on_cluster(cluster: OpenSearchConfig) -> dict[str, Any]:
    """The settings of a bot answering with BM25 from ``cluster``, never waiting for it."""
    return {
        "retrieval": "bm25",
        "search_engine": "opensearch",
        "opensearch_url": cluster.url,
        "opensearch_index": cluster.index,
        "opensearch_wait_seconds": 0,
    }


def writer_and_replica(
    cluster: OpenSearchConfig, analyzer: KoreanAnalyzer, tmp_path: Path, **settings: Any
) -> tuple[Library, Library]:
    """Two processes on ``cluster``: one refreshes from a copy of the bundled corpus
    (``tmp_path / "corpus"``), the other, a replica, has no corpus and an empty data
    folder. ``settings`` override ``on_cluster``'s for both."""
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT / "corpus", corpus)
    common = {**on_cluster(cluster), **settings}
    writer = Library(
        Settings(corpus_dir=corpus, data_dir=tmp_path / "writer", **common), analyzer=analyzer
    )
    replica = Library(
        Settings(
            corpus_dir=tmp_path / "no-corpus",
            data_dir=tmp_path / "replica",
            refresh_enabled=False,
            **common,
        ),
        analyzer=analyzer,
    )
    return writer, replica
