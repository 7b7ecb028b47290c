"""Fixtures for the sources tests.

Network rule: nothing here may connect anywhere but 127.0.0.1. Fetchers built by these
fixtures allow only 127.0.0.1/32 and resolve host names with a :class:`StaticResolver`,
so no test sends a DNS query either (``localhost`` tests use /etc/hosts).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from ipaddress import ip_address, ip_network
from pathlib import Path

import pytest

from bot.sources import Fetcher, FetchPolicy, NetworkError
from bot.sources.addresses import IPAddress
from tests.sources.local_web import LocalWeb

PAGES = Path(__file__).parent / "pages"
LOOPBACK_ONLY = (ip_network("127.0.0.1/32"),)
# Names the system resolver may be asked about: /etc/hosts answers them, no DNS query.
_LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", b"localhost", b"127.0.0.1"})


def read_page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def loopback_policy(**changes: object) -> FetchPolicy:
    """The default policy, plus permission to reach the test server on 127.0.0.1; retries
    follow each other without a pause (tests of the pauses pass their own ``sleep``)."""
    settings: dict[str, object] = {
        "timeout": 5.0,
        "allowed_networks": LOOPBACK_ONLY,
        "retry_delay": 0.0,
    }
    settings.update(changes)
    return FetchPolicy(**settings)  # type: ignore[arg-type]


class StaticResolver:
    """A resolver with a fixed table; records every lookup. Unknown names fail."""

    def __init__(self, table: Mapping[str, Sequence[str]]) -> None:
        self.table = {host: [ip_address(a) for a in addresses] for host, addresses in table.items()}
        self.lookups: list[str] = []

    async def __call__(self, host: str) -> list[IPAddress]:
        self.lookups.append(host)
        if host not in self.table:
            raise NetworkError(f"could not resolve {host}: not in the test table")
        return list(self.table[host])


@pytest.fixture(autouse=True)
def only_loopback_traffic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Safety net under the fetcher's own checks: a test that tries to open a connection to
    anything but 127.0.0.1, or to resolve a real host name, fails instead of sending it."""
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            assert isinstance(address, tuple) and address[0] == "127.0.0.1", (
                f"a test tried to connect to {address}"
            )
        real_connect(self, address)

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        assert host in _LOCAL_NAMES, f"a test tried to resolve {host!r}"
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with LocalWeb() as server:
        yield server


@pytest.fixture
def resolver() -> StaticResolver:
    return StaticResolver(
        {
            "news.test": ["127.0.0.1"],
            "blog.test": ["127.0.0.1"],
            "intranet.test": ["192.168.0.10"],
            "mixed.test": ["127.0.0.1", "10.0.0.5"],
            "metadata.test": ["169.254.169.254"],
        }
    )


@pytest.fixture
async def fetcher(resolver: StaticResolver) -> AsyncIterator[Fetcher]:
    async with Fetcher(loopback_policy(), resolver=resolver) as client:
        yield client
