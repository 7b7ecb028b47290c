"""Pull the article out of a page: its text without the site around it, and its metadata.

The text comes from trafilatura, tuned for precision: navigation, comments, related-article
lists, share buttons and footers are left out, and so are tables (on Korean portals they
are mostly layout). Metadata comes from trafilatura too (it reads Open Graph, JSON-LD and
common meta tags), with our own reading of the ``<head>`` as a fallback.

Dates are only taken from the page's structured markup, never guessed from links or
running text: a wrong date is worse than none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import lxml.etree
import lxml.html
import trafilatura
from trafilatura.settings import Document

from bot.sources.errors import ExtractionError, UnsafeURL
from bot.sources.urls import canonical_url, resolve_url, same_site, url_host

__all__ = ["ExtractedArticle", "article_from_plain_text", "extract_article", "text_language"]

# Below this many characters of text, a page is navigation or a stub, not an article.
MIN_TEXT_CHARS = 50

_DATE_META_KEYS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publish-date",
    "publishdate",
    "date",
    "dc.date",
    "dc.date.issued",
    "article:modified_time",
)
_AUTHOR_META_KEYS = ("author", "article:author", "dable:author", "by")
_SITE_META_KEYS = ("og:site_name", "application-name")
_TITLE_META_KEYS = ("og:title", "twitter:title")
_DATE_PATTERN = re.compile(r"(\d{4})[-./년]\s*(\d{1,2})[-./월]\s*(\d{1,2})")
_HANGUL_SYLLABLE = re.compile(r"[\uac00-\ud7a3]")
_LETTER = re.compile(r"[^\W\d_]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    """An article's text and metadata. Unknown fields are empty strings."""

    url: str
    """The URL the page was fetched from."""
    canonical_url: str
    """De-duplication key: the page's own canonical link when it is on the same site."""
    title: str
    site_name: str
    """Publisher or blog name; the host name when the page names none."""
    author: str
    published: str
    """Publication date as ``YYYY-MM-DD``, or ``""``."""
    language: str
    """Primary language subtag, e.g. ``"ko"``, or ``""``."""
    text: str
    """The article's paragraphs, separated by a blank line."""


def extract_article(html: str, url: str, *, content_type: str = "text/html") -> ExtractedArticle:
    """Extract the article from a page fetched from ``url``.

    ``content_type`` ``"text/plain"`` hands over to :func:`article_from_plain_text`.
    Raises :class:`ExtractionError` when the page holds no article text.
    """
    if content_type == "text/plain":
        return article_from_plain_text(html, url)

    head = _read_head(html, url)
    found = trafilatura.bare_extraction(
        html,
        url=url,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        with_metadata=True,
        date_extraction_params={"original_date": True, "extensive_search": False},
    )
    # A Document, or None when it found nothing (a dict only with as_dict=True).
    document = found if isinstance(found, Document) else None
    text = _paragraphs(document.text if document is not None and document.text else "")
    if document is None or len(text) < MIN_TEXT_CHARS:
        raise ExtractionError(f"no article text found at {url}")

    canonical = _canonical(url, head.links)
    return ExtractedArticle(
        url=url,
        canonical_url=canonical,
        title=_clean(document.title) or head.first(_TITLE_META_KEYS) or head.title,
        site_name=_clean(document.sitename) or head.first(_SITE_META_KEYS) or _bare_host(url),
        author=_clean(document.author) or _author_from(head),
        published=_iso_date(document.date) or _date_from(head),
        language=_language(head.language, text),
        text=text,
    )


def article_from_plain_text(text: str, url: str) -> ExtractedArticle:
    """Make an article of a text/plain page: the first line is its title.

    Blank-line separated blocks are paragraphs (hard-wrapped lines inside one are joined);
    a text without blank lines has a paragraph per line.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    title = lines[0].strip() if lines else ""
    rest = "\n".join(lines[1:]).strip()
    if re.search(r"\n[ \t]*\n", rest):
        blocks = re.split(r"\n[ \t]*\n", rest)
        paragraphs = [" ".join(line.strip() for line in block.split("\n")) for block in blocks]
    else:
        paragraphs = rest.split("\n")
    body = _paragraphs("\n".join(paragraphs))
    if not body:
        raise ExtractionError(f"no article text found at {url}")
    return ExtractedArticle(
        url=url,
        canonical_url=canonical_url(url),
        title=title,
        site_name=_bare_host(url),
        author="",
        published="",
        language=_language("", body),
        text=body,
    )


@dataclass(slots=True)
class _Head:
    """What we read ourselves from a page's ``<head>``."""

    meta: dict[str, str] = field(default_factory=dict)
    """Lower-cased ``property`` / ``name`` / ``itemprop`` -> first non-empty content."""
    links: list[str] = field(default_factory=list)
    """Canonical link first, then ``og:url``, as written in the page."""
    title: str = ""
    language: str = ""

    def first(self, keys: tuple[str, ...]) -> str:
        return next((self.meta[key] for key in keys if self.meta.get(key)), "")


def _read_head(html: str, url: str) -> _Head:
    # Parse bytes with an explicit encoding: lxml refuses str input that carries an XML
    # encoding declaration, which XHTML pages do.
    parser = lxml.html.HTMLParser(encoding="utf-8")
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
    except lxml.etree.ParserError:
        raise ExtractionError(f"no article text found at {url} (empty page)") from None

    head = _Head()
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = _clean(element.get("content"))
        if key and content:
            head.meta.setdefault(key.strip().lower(), content)
    for element in tree.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        if "canonical" in rel and element.get("href"):
            head.links.append(element.get("href", ""))
    if head.meta.get("og:url"):
        head.links.append(head.meta["og:url"])
    title = tree.find(".//title")
    head.title = _clean(title.text_content()) if title is not None else ""
    head.language = (
        tree.get("lang") or head.meta.get("content-language") or head.meta.get("og:locale") or ""
    )
    return head


def _canonical(url: str, links: list[str]) -> str:
    """The page's own canonical URL if it is on the same site as ``url``, else ``url``'s.

    A page read from a file has no ``url``: nothing can be resolved or trusted, so "".
    """
    if not url:
        return ""
    for link in links:
        try:
            candidate = resolve_url(url, link)
            if same_site(url, candidate):
                return canonical_url(candidate)
        except UnsafeURL:
            continue
    return canonical_url(url)


def _paragraphs(text: str) -> str:
    """One paragraph per non-empty line, separated by a blank line."""
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def _author_from(head: _Head) -> str:
    author = head.first(_AUTHOR_META_KEYS)
    # article:author is often a profile URL rather than a name.
    return "" if author.startswith(("http://", "https://")) else author


def _date_from(head: _Head) -> str:
    for key in _DATE_META_KEYS:
        found = _iso_date(head.meta.get(key))
        if found:
            return found
    return ""


def _iso_date(value: str | None) -> str:
    """The date in ``value`` as ``YYYY-MM-DD``, or ``""``.

    Reads ``"2024-03-15T09:30:00+09:00"``, ``"2024.3.15"`` and ``"2024년 3월 15일"`` alike.
    """
    match = _DATE_PATTERN.search(value or "")
    if match is None:
        return ""
    try:
        return date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return ""


def text_language(text: str) -> str:
    """The language of a text that declares none: "ko" for mostly-Hangul text, "en" for
    mostly-Latin text, else ""."""
    return _language("", text)


def _language(declared: str, text: str) -> str:
    """The declared language's primary subtag; failing that, told by script: "ko" for
    mostly-Hangul text, "en" for text in Latin letters (the only other language the
    articles come in; search stems its words as English)."""
    primary = re.split(r"[-_]", declared.strip().lower(), maxsplit=1)[0]
    if primary.isalpha() and 2 <= len(primary) <= 3:
        return primary
    sample = text[:2000]
    letters = len(_LETTER.findall(sample))
    if letters and len(_HANGUL_SYLLABLE.findall(sample)) >= 0.3 * letters:
        return "ko"
    if letters and len(_ASCII_LETTER.findall(sample)) >= 0.8 * letters:
        return "en"
    return ""


def _bare_host(url: str) -> str:
    try:
        host = url_host(url)
    except UnsafeURL:
        return ""
    return host.removeprefix("www.")


def _clean(value: str | None) -> str:
    return " ".join(value.split()) if value else ""
