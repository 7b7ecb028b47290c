"""An osmem-server for the OpenSearch tests (an in-memory OpenSearch-compatible server
bundled in a wheel): one per test process, a clone per test; skipped when it can't start."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from bot.search.opensearch_engine import OpenSearchConfig


@pytest.fixture(scope="session")
def osmem() -> Iterator[Any]:
    """One osmem-server per test process; each test takes a clone (milliseconds)."""
    pytest.importorskip("opensearchpy", reason="the opensearch extra is not installed")
    server_module = pytest.importorskip("osmem_server", reason="osmem-server is not installed")
    try:
        server = server_module.OsmemServer.start(japanese=False, startup_timeout=15)
    except (server_module.OsmemError, OSError) as error:
        pytest.skip(f"osmem-server could not start: {error}")
    yield server
    server.close()


@pytest.fixture
def cluster(osmem: Any) -> Iterator[OpenSearchConfig]:
    with osmem.clone() as clone:
        yield OpenSearchConfig(url=clone.url, index="passages", wait_seconds=0)


def closed_port() -> int:
    """A local port nothing listens on (free when asked)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
