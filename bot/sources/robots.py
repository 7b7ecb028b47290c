"""robots.txt: whether a site lets us fetch a page, read with protego.

:class:`RobotsCache` keeps one parsed robots.txt per origin (scheme, host and port) for
its own lifetime; a :class:`bot.sources.Fetcher` owns one, and a refresh uses one
fetcher, so each site's robots.txt is read once per refresh. The file is fetched
through the fetcher itself, under the same address checks and limits as any page.

What an answer means follows RFC 9309: a robots.txt that is missing or refused (any
4xx), too large or not text allows everything; a server error (5xx) disallows
everything for now — a crawler must not take a broken server's silence for
permission. A robots.txt that can't be reached at all (refused address, network
failure, time-out) fails the page with that same error, since the page would too; it
is tried again for the next page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

from bot.sources.errors import (
    FetchError,
    HTTPStatusError,
    NetworkError,
    TooLarge,
    UnsupportedContent,
)

__all__ = ["ROBOTS_USER_AGENT", "RobotsCache", "RobotsDisallowed", "robots_url"]

# The product token robots.txt groups are matched against (`User-agent: article-qa-bot`).
ROBOTS_USER_AGENT = "article-qa-bot"

RobotsFetch = Callable[[str], Awaitable[str]]
"""Fetches a robots.txt URL and returns its text; raises :class:`FetchError`."""


class RobotsDisallowed(FetchError):
    """The site's robots.txt does not let us fetch the page."""


@dataclass(frozen=True, slots=True)
class _Rules:
    parser: Protego | None  # None: everything allowed
    refusal: str = ""  # set: everything refused, for this reason

    def allows(self, url: str) -> bool:
        if self.refusal:
            return False
        return self.parser is None or bool(self.parser.can_fetch(url, ROBOTS_USER_AGENT))


def robots_url(url: str) -> str:
    """The robots.txt that governs ``url`` (a normalized URL)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


class RobotsCache:
    """robots.txt rules per origin, fetched on first use with ``fetch``."""

    def __init__(self, fetch: RobotsFetch) -> None:
        self._fetch = fetch
        self._rules: dict[str, _Rules] = {}

    async def check(self, url: str) -> None:
        """Return if robots.txt allows fetching ``url``; else raise :class:`RobotsDisallowed`."""
        origin = robots_url(url)
        if origin == url:
            return  # robots.txt itself is always fetched
        rules = self._rules.get(origin)
        if rules is None:
            rules = self._rules[origin] = await self._load(origin)
        if rules.allows(url):
            return
        host = urlsplit(url).netloc
        if rules.refusal:
            raise RobotsDisallowed(
                f"not fetched: the robots.txt of {host} could not be read ({rules.refusal}), "
                "and until it can nothing there is fetched"
            )
        raise RobotsDisallowed(f"not fetched: the robots.txt of {host} disallows {url}")

    async def _load(self, origin: str) -> _Rules:
        try:
            text = await self._fetch(origin)
        except HTTPStatusError as error:
            if 400 <= error.status < 500:
                return _Rules(None)  # no robots.txt: no restrictions
            return _Rules(None, f"HTTP {error.status}")
        except (UnsupportedContent, TooLarge):
            return _Rules(None)  # not a robots file we can read: treated as none
        except NetworkError as error:
            # Already tried again by the fetch of robots.txt: the page's fetch must not
            # start those tries over.
            raise NetworkError(error.reason, transient=False) from None
        return _Rules(Protego.parse(text))
