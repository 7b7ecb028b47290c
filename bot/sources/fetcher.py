"""Fetch web pages safely.

:class:`Fetcher` GETs one URL and returns its text, refusing to be used against the machine
it runs on or its network:

* the URL is validated first (:func:`bot.sources.urls.normalize_url`);
* redirects are followed by hand, at most ``max_redirects``, and a loop is refused;
* on every hop the host is resolved by us and refused if *any* of its addresses is not
  public (:class:`bot.sources.addresses.AddressPolicy`) — before anything is sent;
* DNS rebinding: the default transport's connection pool dials through
  :class:`_GuardedNetworkBackend`, which resolves and vets the host again at connect time
  and then connects to the vetted IP literal. The address checked is the address
  connected to; TLS still verifies the certificate against the host name;
* the body is streamed and abandoned as soon as it passes ``max_bytes`` (at once if
  ``Content-Length`` already says so); one deadline covers the whole fetch;
* only text media types are read; 304 answers a conditional request; 4xx/5xx raise.

Every failure is a :class:`bot.sources.errors.FetchError` with a one-line ``reason``.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Self
from urllib.parse import urlsplit

import httpcore
import httpx

from bot.sources.addresses import AddressPolicy, IPAddress, IPNetwork, describe_category
from bot.sources.decoding import decode_body
from bot.sources.errors import (
    BlockedAddress,
    FetchTimeout,
    HTTPStatusError,
    NetworkError,
    TooLarge,
    TooManyRedirects,
    UnsafeURL,
    UnsupportedContent,
)
from bot.sources.urls import normalize_url, resolve_url

__all__ = [
    "ACCEPTED_CONTENT_TYPES",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "Resolver",
    "system_resolver",
]

Resolver = Callable[[str], Awaitable[Sequence[IPAddress]]]
"""Resolves a host name to its IP addresses; raises :class:`NetworkError` if it can't."""

ACCEPTED_CONTENT_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/plain",
        "application/rss+xml",
        "application/atom+xml",
        "application/xml",
        "text/xml",
    }
)
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,text/xml;q=0.9,text/plain;q=0.8"
)
_ACCEPT_LANGUAGE = "ko-KR,ko;q=0.9,en;q=0.7"


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits and permissions for one :class:`Fetcher`."""

    timeout: float = 15.0
    """Seconds for the whole fetch: resolution, every redirect hop and the body."""
    max_bytes: int = 5 * 1024 * 1024
    """Largest body accepted, counted after content-encoding is undone."""
    max_redirects: int = 5
    allow_private_addresses: bool = False
    """Also allow loopback, private and link-local addresses (a bot reading an intranet)."""
    user_agent: str = "Mozilla/5.0 (compatible; article-qa-bot/0.1)"
    allowed_networks: tuple[IPNetwork, ...] = ()
    """Networks always allowed whatever their kind; the tests allow 127.0.0.1/32 with it."""

    @property
    def address_policy(self) -> AddressPolicy:
        return AddressPolicy(self.allow_private_addresses, self.allowed_networks)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a fetch brought back. For a 304, ``text`` is empty and ``not_modified`` is true."""

    url: str
    """The URL asked for, normalized."""
    final_url: str
    """The URL that answered, after redirects."""
    status: int
    content_type: str
    """Media type without parameters, e.g. ``"text/html"``; empty for a 304."""
    text: str
    encoding: str
    """Codec the body was decoded with (``"utf-8"``, ``"cp949"``, ...); empty for a 304."""
    etag: str | None
    last_modified: str | None
    not_modified: bool = False


async def system_resolver(host: str) -> list[IPAddress]:
    """Resolve ``host`` with the system resolver (``getaddrinfo``), in order, de-duplicated."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise NetworkError(f"could not resolve {host}: {exc.strerror}") from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        address = ip_address(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


class Fetcher:
    """Fetches pages under a :class:`FetchPolicy`. Use as ``async with Fetcher() as f:``.

    ``resolver`` replaces the system resolver (tests map made-up host names to 127.0.0.1).
    ``transport`` replaces the guarded httpx transport; the per-hop address check still
    runs, but connect-time pinning is then the transport's business.

    Requests go straight to the transport rather than through ``httpx.AsyncClient``: we
    follow redirects ourselves, and the client would parse every ``Location`` header on
    its own first (failing on ``javascript:`` ones). Fetches are stateless: no cookies.
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._guard = _HostGuard(self.policy.address_policy, resolver or system_resolver)
        self._transport = transport or _GuardedTransport(self._guard)
        self._headers = {
            "User-Agent": self.policy.user_agent,
            "Accept": _ACCEPT,
            "Accept-Language": _ACCEPT_LANGUAGE,
            "Accept-Encoding": "gzip, deflate",
        }
        self._timeouts = httpx.Timeout(self.policy.timeout).as_dict()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url`` and return its decoded text.

        ``etag`` and ``last_modified`` (from an earlier :class:`FetchResult`) make the request
        conditional; an unchanged page comes back with ``not_modified=True``.
        Raises a :class:`FetchError` subclass on any failure.
        """
        requested = normalize_url(url)
        conditional: dict[str, str] = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        try:
            async with asyncio.timeout(self.policy.timeout):
                return await self._follow(requested, conditional)
        except TimeoutError:
            raise FetchTimeout(
                f"timed out after {self.policy.timeout:g} s fetching {requested}"
            ) from None

    async def _follow(self, requested: str, conditional: dict[str, str]) -> FetchResult:
        current = requested
        previous: str | None = None  # the URL that redirected to `current`
        visited = {requested}
        while True:
            await self._guard.vet(_host_of(current), redirected_from=previous)
            request = httpx.Request(
                "GET",
                current,
                headers={**self._headers, **conditional},
                extensions={"timeout": self._timeouts},
            )
            with _translate_httpx_errors(current):
                response = await self._transport.handle_async_request(request)
            response.request = request
            try:
                if response.status_code in _REDIRECT_STATUSES and "location" in response.headers:
                    target = _redirect_target(current, response.headers["location"])
                    if target in visited:
                        raise TooManyRedirects(f"redirect loop: {current} leads back to {target}")
                    if len(visited) > self.policy.max_redirects:
                        raise TooManyRedirects(
                            f"more than {self.policy.max_redirects} redirects from {requested}"
                        )
                    visited.add(target)
                    previous, current = current, target
                    continue
                return await self._read(requested, current, response, conditional)
            finally:
                await response.aclose()

    async def _read(
        self, requested: str, final: str, response: httpx.Response, conditional: dict[str, str]
    ) -> FetchResult:
        status = response.status_code
        etag = response.headers.get("etag")
        last_modified = response.headers.get("last-modified")
        if status == 304:
            return FetchResult(
                url=requested,
                final_url=final,
                status=status,
                content_type="",
                text="",
                encoding="",
                etag=etag or conditional.get("If-None-Match"),
                last_modified=last_modified or conditional.get("If-Modified-Since"),
                not_modified=True,
            )
        if status in _REDIRECT_STATUSES:
            raise HTTPStatusError(
                f"HTTP {status} redirect without a Location header from {final}", status=status
            )
        if not 200 <= status < 300:
            phrase = f" {response.reason_phrase}" if response.reason_phrase else ""
            raise HTTPStatusError(f"HTTP {status}{phrase} from {final}", status=status)

        content_type = response.headers.get("content-type", "")
        media_type = content_type.partition(";")[0].strip().lower()
        if media_type not in ACCEPTED_CONTENT_TYPES:
            raise UnsupportedContent(
                f"{final} is {media_type or 'of no stated type'}, not a web page or feed"
            )
        body = await self._read_body(final, response)
        decoded = decode_body(body, content_type)
        return FetchResult(
            url=requested,
            final_url=final,
            status=status,
            content_type=media_type,
            text=decoded.text,
            encoding=decoded.encoding,
            etag=etag,
            last_modified=last_modified,
        )

    async def _read_body(self, url: str, response: httpx.Response) -> bytes:
        limit = self.policy.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise TooLarge(f"{url} is {int(declared):,} bytes, over the {limit:,} byte limit")
        chunks: list[bytes] = []
        size = 0
        with _translate_httpx_errors(url):
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"{url} is larger than the {limit:,} byte limit")
                chunks.append(chunk)
        return b"".join(chunks)


class _HostGuard:
    """Resolves a host and refuses it unless every address it has is allowed."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver) -> None:
        self._policy = policy
        self._resolver = resolver

    async def vet(self, host: str, *, redirected_from: str | None = None) -> Sequence[IPAddress]:
        """The host's addresses, all of them allowed, or raise :class:`BlockedAddress`.

        ``redirected_from`` names the page whose redirect led here, for the message.
        """
        context = f" (redirect from {redirected_from})" if redirected_from else ""
        try:
            literal = ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            category = self._policy.refusal(literal)
            if category is not None:
                raise BlockedAddress(f"refused: {host} is {describe_category(category)}{context}")
            return [literal]

        addresses = await self._resolver(host)
        if not addresses:
            raise NetworkError(f"could not resolve {host}: no addresses")
        for address in addresses:
            category = self._policy.refusal(address)
            if category is not None:
                raise BlockedAddress(
                    f"refused: {host} resolves to {describe_category(category)} "
                    f"({address}){context}"
                )
        return addresses


class _GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Dials only addresses the guard has just vetted, never the host name itself."""

    def __init__(self, guard: _HostGuard) -> None:
        self._guard = guard
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._guard.vet(host)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:  # vet() never returns an empty list
            try:
                return await self._backend.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise NetworkError("refused: Unix sockets are never used for fetching")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport with a connection pool that dials through the guard.

    httpx has no public hook for the network backend, so the pool it built is replaced
    (``_pool``, the same attribute since httpx 0.18; the version is pinned). Exception
    mapping and response streaming stay httpx's.
    """

    def __init__(self, guard: _HostGuard) -> None:
        ssl_context = httpx.create_ssl_context(trust_env=False)  # certifi's CA bundle
        super().__init__(verify=ssl_context, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_GuardedNetworkBackend(guard),
        )


def _host_of(url: str) -> str:
    host = urlsplit(url).hostname
    assert host is not None  # normalize_url refuses URLs without a host
    return host


def _redirect_target(current: str, location: str) -> str:
    try:
        return resolve_url(current, location)
    except UnsafeURL as exc:
        raise UnsafeURL(f"{exc.reason} (redirect from {current})") from None


@contextmanager
def _translate_httpx_errors(url: str) -> Iterator[None]:
    """Turn httpx's exceptions into :class:`FetchError` subclasses with readable reasons."""
    try:
        yield
    except httpx.TimeoutException:
        raise FetchTimeout(f"timed out fetching {url}") from None
    except httpx.TransportError as exc:
        detail = str(exc) or type(exc).__name__
        raise NetworkError(f"could not fetch {url}: {detail}") from None
