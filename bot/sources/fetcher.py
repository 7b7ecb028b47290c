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
* only text media types are read; 304 answers a conditional request; 4xx/5xx raise;
* each hop's site must allow the page in its robots.txt (:mod:`bot.sources.robots`),
  read once per fetcher and site, through this same fetcher;
* a transient failure (connection refused or reset, HTTP 408/429/502/503/504) is tried
  again after a pause that doubles each time (``retries``, ``retry_delay``), honouring
  ``Retry-After`` up to ``max_retry_delay``; the pause is ``sleep``, injectable.

Every failure is a :class:`bot.sources.errors.FetchError` with a one-line ``reason``.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from ipaddress import ip_address
from typing import Self
from urllib.parse import urlsplit

import httpcore
import httpx

from bot.sources.addresses import AddressPolicy, IPAddress, IPNetwork, describe_category
from bot.sources.decoding import decode_body
from bot.sources.errors import (
    BlockedAddress,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    NetworkError,
    TooLarge,
    TooManyRedirects,
    UnsafeURL,
    UnsupportedContent,
)
from bot.sources.robots import RobotsCache
from bot.sources.urls import normalize_url, resolve_url

__all__ = [
    "ACCEPTED_CONTENT_TYPES",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "Resolver",
    "Sleep",
    "system_resolver",
]

Resolver = Callable[[str], Awaitable[Sequence[IPAddress]]]
"""Resolves a host name to its IP addresses; raises :class:`NetworkError` if it can't."""
Sleep = Callable[[float], Awaitable[object]]
"""Waits the given seconds between two tries (``asyncio.sleep``; tests record instead)."""

# Answers that say "not now" rather than "no": the same request may well work later.
TRANSIENT_STATUSES = frozenset({408, 429, 502, 503, 504})

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
    respect_robots: bool = True
    """Fetch only what each site's robots.txt allows."""
    retries: int = 2
    """Further tries after a transient failure (so at most ``retries + 1`` requests)."""
    retry_delay: float = 1.0
    """Seconds before the first retry; each later one waits twice as long."""
    max_retry_delay: float = 30.0
    """Longest pause; a server asking (``Retry-After``) for longer is not tried again."""

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
        # EAI_AGAIN: the DNS server didn't answer this time; "no such name" is final.
        transient = exc.errno == socket.EAI_AGAIN
        raise NetworkError(
            f"could not resolve {host}: {exc.strerror}", transient=transient
        ) from None
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
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._sleep = sleep
        self.robots = RobotsCache(self._fetch_robots_txt)
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
        return await self._fetch_with_retries(requested, conditional, robots=True)

    async def _fetch_robots_txt(self, url: str) -> str:
        page = await self._fetch_with_retries(url, {}, robots=False, any_text=True)
        return page.text

    async def _fetch_with_retries(
        self, requested: str, conditional: dict[str, str], *, robots: bool, any_text: bool = False
    ) -> FetchResult:
        """One fetch, tried again after transient failures. A time-out is not retried:
        it has already cost the whole deadline."""
        policy = self.policy
        for attempt in range(policy.retries + 1):
            try:
                async with asyncio.timeout(policy.timeout):
                    return await self._follow(
                        requested, conditional, robots=robots, any_text=any_text
                    )
            except TimeoutError:
                raise FetchTimeout(
                    f"timed out after {policy.timeout:g} s fetching {requested}"
                ) from None
            except (NetworkError, HTTPStatusError) as error:
                delay = _retry_delay(error, attempt, policy)
                if delay is None or attempt == policy.retries:
                    raise
            await self._sleep(delay)
        raise AssertionError("unreachable: the last try returns or raises")

    async def _follow(
        self, requested: str, conditional: dict[str, str], *, robots: bool, any_text: bool
    ) -> FetchResult:
        current = requested
        previous: str | None = None  # the URL that redirected to `current`
        visited = {requested}
        while True:
            await self._guard.vet(_host_of(current), redirected_from=previous)
            if robots and self.policy.respect_robots:  # after vetting: ours is the first "no"
                await self.robots.check(current)
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
                return await self._read(requested, current, response, conditional, any_text)
            finally:
                await response.aclose()

    async def _read(
        self,
        requested: str,
        final: str,
        response: httpx.Response,
        conditional: dict[str, str],
        any_text: bool = False,
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
            raise HTTPStatusError(
                f"HTTP {status}{phrase} from {final}",
                status=status,
                retry_after=_retry_after(response.headers.get("retry-after", "")),
            )

        content_type = response.headers.get("content-type", "")
        media_type = content_type.partition(";")[0].strip().lower()
        # robots.txt is read whatever its stated type (servers label it loosely), but
        # only when it decodes as text.
        if not (any_text and media_type.startswith("text/")) and (
            media_type not in ACCEPTED_CONTENT_TYPES
        ):
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
        raise NetworkError(f"could not fetch {url}: {detail}", transient=True) from None


def _retry_delay(error: FetchError, attempt: int, policy: FetchPolicy) -> float | None:
    """Seconds to wait before trying again after ``error``, or None not to try again."""
    if isinstance(error, NetworkError):
        if not error.transient:
            return None
        asked = None
    elif isinstance(error, HTTPStatusError) and error.status in TRANSIENT_STATUSES:
        asked = error.retry_after
    else:
        return None
    delay: float = policy.retry_delay * 2**attempt  # int ** int is typed Any
    if asked is not None:
        if asked > policy.max_retry_delay:
            return None  # the server wants a longer pause than one fetch should take
        delay = max(delay, asked)
    return min(delay, policy.max_retry_delay)


def _retry_after(value: str) -> float | None:
    """A ``Retry-After`` header in seconds: a number, or an HTTP date."""
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():  # "²".isdigit() is true too
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" dates come back naive: they are UTC
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
