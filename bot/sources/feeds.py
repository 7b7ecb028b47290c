"""Read RSS 2.0, RSS 1.0 and Atom feeds into a list of article links.

feedparser does the parsing. It is only ever handed a byte stream: given a str it may
treat the text as a URL to download or a file name to open.
"""

from __future__ import annotations

import io
import re
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

import feedparser

from bot.sources.errors import UnsafeURL
from bot.sources.urls import canonical_url, resolve_url

__all__ = ["FEED_CONTENT_TYPES", "FeedEntry", "looks_like_feed", "parse_feed"]

FEED_CONTENT_TYPES = frozenset({"application/rss+xml", "application/atom+xml"})

# The root element, after an optional XML declaration, comments, processing instructions
# and a doctype: <rss>, <feed> (Atom) or <rdf:RDF> (RSS 1.0).
_FEED_ROOT = re.compile(
    r"""\A\ufeff?\s*
        (?:<\?xml[^>]*\?>\s*)?
        (?:<!--.*?-->\s*|<\?[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*)*
        <(?:rss|feed|rdf:RDF)\b""",
    re.VERBOSE | re.DOTALL | re.IGNORECASE,
)
_SNIFF_CHARS = 4096


@dataclass(frozen=True, slots=True)
class FeedEntry:
    url: str
    """Absolute, normalized link to the article."""
    title: str
    published: str
    """Publication (or else update) date as ``YYYY-MM-DD``, or ``""``."""


def looks_like_feed(content_type: str, text: str) -> bool:
    """Whether a response is an RSS/Atom feed rather than a page.

    An explicit feed media type is enough; otherwise (``text/xml``, ``application/xml``, or
    a server that labels its feed ``text/html``) the root element decides.
    """
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type in FEED_CONTENT_TYPES:
        return True
    return _FEED_ROOT.match(text[:_SNIFF_CHARS]) is not None


def parse_feed(text: str, base_url: str) -> list[FeedEntry]:
    """The entries of a feed, in feed order, links resolved against ``base_url``.

    Entries without a usable http(s) link are skipped, and so are repeats of a link
    already listed (compared by canonical URL). A text that isn't a feed gives ``[]``.
    """
    parsed = feedparser.parse(
        io.BytesIO(text.encode("utf-8")),
        # The text is already decoded: this header overrides the XML declaration's
        # encoding, and Content-Location is the base for relative links.
        response_headers={
            "content-type": "application/xml; charset=utf-8",
            "content-location": base_url,
        },
        resolve_relative_uris=True,
        sanitize_html=True,
    )
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        link = _entry_link(entry)
        if not link:
            continue
        try:
            url = resolve_url(base_url, link)
        except UnsafeURL:
            continue
        key = canonical_url(url)
        if key in seen:
            continue
        seen.add(key)
        entries.append(
            FeedEntry(
                url=url,
                title=" ".join(str(entry.get("title", "")).split()),
                published=_entry_date(entry),
            )
        )
    return entries


def _entry_link(entry: feedparser.FeedParserDict) -> str:
    """The entry's article link: the ``alternate`` link, else the first link, else its id."""
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    if entry.get("link"):
        return str(entry["link"])
    guid = str(entry.get("id", ""))
    return guid if guid.startswith(("http://", "https://")) else ""


def _entry_date(entry: feedparser.FeedParserDict) -> str:
    """The entry's date as written in the feed, in the feed's own time zone.

    feedparser's ``*_parsed`` values are in UTC, which would move a Korean article published
    at 8 a.m. KST to the day before, so the raw string is read first.
    """
    for key in ("published", "updated", "created"):
        raw = str(entry.get(key, "")).strip()
        if not raw:
            continue
        written = _date_as_written(raw)
        if written:
            return written
        parsed = entry.get(f"{key}_parsed")
        if isinstance(parsed, time.struct_time):
            return time.strftime("%Y-%m-%d", parsed)
    return ""


def _date_as_written(raw: str) -> str:
    """The calendar date of an RFC 822 (RSS) or ISO 8601 (Atom) timestamp, or ``""``."""
    with suppress(TypeError, ValueError):  # not RFC 822: try ISO 8601
        return parsedate_to_datetime(raw).date().isoformat()
    try:
        return datetime.fromisoformat(raw).date().isoformat()
    except ValueError:
        return ""
