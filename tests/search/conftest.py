"""The OpenSearch tests' cluster: a clone per test of the session's osmem-server
(``osmem`` in tests/conftest.py, shared with tests/chat and tests/e2e)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from bot.search.opensearch_engine import OpenSearchConfig


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
