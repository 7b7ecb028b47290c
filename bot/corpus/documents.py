"""Articles and their on-disk format.

One article is one UTF-8 text file: a header of ``key: value`` lines between
``---`` fences, then the article body, paragraphs separated by blank lines.
The format is plain on purpose: an editor or ``git diff`` shows what changed.

    ---
    id: 3f9c0a1b2c4d
    title: 닫는 미국과 여는 중국
    publisher: 디시인사이드 갤러리
    published: 2025-01-31
    ---
    첫 문단 …
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, fields, replace

from ..errors import CorpusError

__all__ = ["Article", "article_id_for", "normalize_text", "parse_article", "render_article"]

_FENCE = "---"
_KEY = re.compile(r"^([a-z_]+):[ \t]?(.*)$")


@dataclass(frozen=True, slots=True)
class Article:
    """One article of the corpus, with what we know about where it came from."""

    id: str
    title: str
    body: str
    publisher: str = ""
    author: str = ""
    translator: str = ""
    published: str = ""  # YYYY-MM-DD, or "" when unknown
    language: str = "ko"
    url: str = ""  # the original URL; empty when not known (never invented)
    provenance: str = ""  # e.g. which original a translation is of
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in re.split(r"\n\s*\n", self.body) if p.strip()]

    def with_changes(self, **changes: str) -> Article:
        # extra named: the str changes then type-check against the str fields only
        return replace(self, extra=self.extra, **changes)


_HEADER_KEYS = [f.name for f in fields(Article) if f.name not in ("body", "extra")]


def normalize_text(text: str) -> str:
    """NFC, unified newlines, no trailing spaces, at most one blank line in a row."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\ufeff", "")
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def article_id_for(*, url: str = "", body: str = "") -> str:
    """A short ASCII id: from the canonical URL when there is one, else from the text."""
    basis = url or normalize_text(body)
    return hashlib.blake2b(basis.encode("utf-8"), digest_size=6).hexdigest()


def render_article(article: Article) -> str:
    lines = [_FENCE]
    for key in _HEADER_KEYS:
        value = getattr(article, key)
        if value or key in ("id", "title"):
            lines.append(f"{key}: {_one_line(value)}")
    for key, value in sorted(article.extra.items()):
        lines.append(f"{key}: {_one_line(value)}")
    lines.append(_FENCE)
    return "\n".join(lines) + "\n" + normalize_text(article.body) + "\n"


def parse_article(text: str, *, source: str = "<article>") -> Article:
    """Parse the file format above; raises CorpusError naming the file and line."""
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    lines = text.split("\n")
    if not lines or lines[0].strip() != _FENCE:
        raise CorpusError(f"{source}: an article file starts with a '---' header")
    header: dict[str, str] = {}
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == _FENCE:
            body = "\n".join(lines[number:])
            break
        if not line.strip():
            continue
        match = _KEY.match(line.strip())
        if not match:
            raise CorpusError(f"{source}:{number}: expected 'key: value', got {line[:40]!r}")
        header[match.group(1)] = match.group(2).strip()
    else:
        raise CorpusError(f"{source}: the header has no closing '---'")
    for required in ("id", "title"):
        if not header.get(required):
            raise CorpusError(f"{source}: the header needs '{required}:'")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", header["id"]):
        raise CorpusError(f"{source}: id must be 1-40 of A-Z a-z 0-9 _ -")
    known = {k: v for k, v in header.items() if k in _HEADER_KEYS}
    extra = {k: v for k, v in header.items() if k not in _HEADER_KEYS}
    body = normalize_text(body)
    if not body:
        raise CorpusError(f"{source}: the article has no text")
    return Article(body=body, extra=extra, **known)


def _one_line(value: str) -> str:
    return " ".join(value.split())
