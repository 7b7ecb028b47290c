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
