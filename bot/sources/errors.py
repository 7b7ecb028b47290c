"""Errors raised while fetching a page or extracting an article from it.

    FetchError                  any failure of this layer; ``.reason`` is a short English
    │                           message fit to show an admin
    ├── UnsafeURL               the URL itself is refused (scheme, credentials, length, ...)
    ├── BlockedAddress          the host is, or resolves to, a non-public address
    ├── NetworkError            DNS failure, connection refused/reset, TLS failure
    │                           (``.transient``: worth trying again)
    ├── FetchTimeout            the fetch did not finish within the policy's deadline
    ├── TooLarge                the body is larger than the policy allows
    ├── UnsupportedContent      the Content-Type is not text we can read
    ├── TooManyRedirects        too many hops, or a redirect loop
    ├── HTTPStatusError         the server answered 4xx/5xx (``.status``, ``.retry_after``)
    ├── RobotsDisallowed        the site's robots.txt does not allow the page
    │                           (in :mod:`bot.sources.robots`)
    ├── ExtractionError         the page holds no article text
    └── DocumentRefused         a file sent to the bot can't become an article
                                (``.problem``: too large, unsupported, encrypted, broken,
                                a zip bomb, or no text)

``FetchError`` is a :class:`bot.errors.BotError`, so front ends that already explain
``BotError`` explain these too.
"""

from __future__ import annotations

import enum

from bot.errors import BotError

__all__ = [
    "BlockedAddress",
    "DocumentProblem",
    "DocumentRefused",
    "ExtractionError",
    "FetchError",
    "FetchTimeout",
    "HTTPStatusError",
    "NetworkError",
    "TooLarge",
    "TooManyRedirects",
    "UnsafeURL",
    "UnsupportedContent",
]


class FetchError(BotError):
    """A page could not be fetched or read; ``reason`` says why in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnsafeURL(FetchError):
    """The URL is malformed or uses something we refuse (scheme, credentials, ...)."""


class BlockedAddress(FetchError):
    """The host is, or resolves to, an address the policy refuses (loopback, private, ...)."""


class NetworkError(FetchError):
    """The host could not be resolved or reached; ``transient`` if trying again may work
    (a refused or reset connection, a DNS server that didn't answer)."""

    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.transient = transient


class FetchTimeout(FetchError):
    """The whole fetch, redirects and body included, overran its deadline."""


class TooLarge(FetchError):
    """The response body is larger than the policy's ``max_bytes``."""


class UnsupportedContent(FetchError):
    """The response is not one of the text media types we read."""


class TooManyRedirects(FetchError):
    """The redirect chain is longer than allowed or comes back on itself."""


class HTTPStatusError(FetchError):
    """The server answered with a 4xx or 5xx status."""

    def __init__(self, reason: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after  # seconds, from a Retry-After header


class ExtractionError(FetchError):
    """The page was fetched but holds no article text we could find."""


class DocumentProblem(enum.Enum):
    """Why a file can't become an article; front ends explain each in their own words."""

    TOO_LARGE = "too_large"
    UNSUPPORTED = "unsupported"
    ENCRYPTED = "encrypted"
    BROKEN = "broken"
    BOMB = "bomb"
    EMPTY = "empty"


class DocumentRefused(FetchError):
    """A file (.txt, .md, .html, .pdf, .docx) was refused; ``problem`` says which way."""

    def __init__(self, problem: DocumentProblem, reason: str) -> None:
        super().__init__(reason)
        self.problem = problem
