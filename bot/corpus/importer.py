"""Saved web pages → articles, with the page furniture left behind.

A page saved as text keeps everything the browser showed: site navigation,
view and vote counters, comment widgets, lists of other posts. The importer
keeps the article only:

1. A site profile (DCInside gallery, Blogger) reads what the page tells about
   the post (title, author, date) and cuts its header and footer.
2. The main block is the longest run of prose lines; lists of post titles and
   widget labels are short lines without sentence endings and fall outside it.
3. Inside the block, lines that are never prose go: image ids, ``--`` fences
   around link captions, counters, known widget labels.

Saved HTML pages go through the same extraction as fetched pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ImportFailed
from ..sources import ExtractedArticle
from .documents import Article, article_id_for, normalize_text

__all__ = ["PageFacts", "article_from_extracted", "article_from_saved_page", "clean_saved_text"]

# Labels of comment widgets and site chrome that can sit inside the main block.
_FURNITURE = re.compile(
    r"^(?:댓글 ?(?:없음|쓰기|영역|\d+개)?:?|\d+개의 댓글:?|전체 댓글 \d+|자동등록방지|추천 비추천|"
    r"고정닉 \d+|본문 보기|공유하기|신고|목록|이전글|다음글|최신 ?글|인기 ?글|"
    r"(?:조회|추천|댓글) ?\d+.*|\d+/\d+|[0-9]+|라벨:.*|게시자:.*|이메일로 전송하기.*)$"
)
_IMAGE_ID = re.compile(r"^[0-9a-f]{32,}$")
_FENCE = re.compile(r"^[-=*_~·•]{1,}$")
_LIST_ROW = re.compile(r"^\d{4,}\s.+\s\d{2}[./]\d{2}\s+\d+\s+\d+$")
_SENTENCE_END = re.compile(r"""[.!?…다요죠]["'”’)\]]*$""")
_PROSE_CHARS = 30
_MAX_GAP = 6  # non-prose lines allowed inside the main block (headings, captions, fences)


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What a saved page says about its article; empty strings when it doesn't."""

    title: str = ""
    publisher: str = ""
    author: str = ""
    published: str = ""
    provenance: str = ""
    lines: list[str] = field(default_factory=list)  # the page lines that may hold the article


def article_from_saved_page(path: Path, **metadata: str) -> Article:
    """Read a saved .txt or .html page; ``metadata`` (title=…, url=…) overrides what it says."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ImportFailed(f"can't read {path}: {error.strerror}") from error
    if path.suffix.lower() in (".html", ".htm") or raw.lstrip()[:1] == b"<":
        return _from_html(raw, path, metadata)
    text = _decode(raw, path)
    facts = clean_saved_text(text)
    body = "\n\n".join(facts.lines)
    values = {
        "title": facts.title,
        "publisher": facts.publisher,
        "author": facts.author,
        "published": facts.published,
        "provenance": facts.provenance,
    }
    values.update({k: v for k, v in metadata.items() if v})
    if not values.get("title"):
        raise ImportFailed(f"{path}: the page has no title I can find; give one with --title")
    url = values.pop("url", "")
    article_id = article_id_for(url=url, body=body)
    return Article(id=article_id, body=body, url=url, extra={}, **values)


def clean_saved_text(text: str) -> PageFacts:
    """The article lines of a saved page and what its site profile could read."""
    lines = [line for line in normalize_text(text).split("\n")]
    for profile in _PROFILES:
        facts = profile(lines)
        if facts is not None:
            break
    else:
        facts = PageFacts(lines=lines)
    kept, provenance = _main_block(facts.lines)
    if not kept:
        raise ImportFailed("no article text found in the page")
    notes = "; ".join(p for p in (facts.provenance, *provenance) if p)
    return PageFacts(facts.title, facts.publisher, facts.author, facts.published, notes, kept)


# -- site profiles -------------------------------------------------------------------

_DC_BYLINE = re.compile(r"^(?P<author>.+?)갤로그로 이동합니다\.\s*(?P<date>\d{4}\.\d{2}\.\d{2})")
_DC_COUNTERS = re.compile(r"^조회 \d+ 추천 \d+ 댓글 \d+$")
_DC_END = ("자동등록방지", "추천 비추천", "댓글 영역")


def _dcinside(lines: list[str]) -> PageFacts | None:
    if not lines or not lines[0].startswith("디시인사이드"):
        return None
    byline = next((i for i, line in enumerate(lines) if _DC_BYLINE.match(line)), None)
    if byline is None:
        return None
    match = _DC_BYLINE.match(lines[byline])
    assert match is not None
    title_line = next((line for line in reversed(lines[:byline]) if line), "")
    title = re.sub(r"\s*(?:앱에서 작성|\[\d+\])$", "", title_line)
    start = byline + 1
    while start < len(lines) and (not lines[start] or _DC_COUNTERS.match(lines[start])):
        start += 1
    end = next((i for i in range(start, len(lines)) if lines[i] in _DC_END), len(lines))
    return PageFacts(
        title=title,
        publisher="디시인사이드 갤러리",
        author=match["author"].strip(),
        published=match["date"].replace(".", "-"),
        lines=lines[start:end],
    )


def _blogger(lines: list[str]) -> PageFacts | None:
    # Blogger's Korean comment footer: "댓글 없음:" / "댓글 N개:" then "댓글 쓰기".
    end = next(
        (
            i
            for i, line in enumerate(lines)
            if re.match(r"^(?:댓글 없음|댓글 \d+개|\d+개의 댓글):$", line)
        ),
        None,
    )
    if end is None or "댓글 쓰기" not in lines[end : end + 4]:
        return None
    return PageFacts(publisher="블로그 (Blogger)", lines=lines[:end])


_PROFILES: list[Callable[[list[str]], PageFacts | None]] = [_dcinside, _blogger]


# -- the main block --------------------------------------------------------------------


def _is_prose(line: str) -> bool:
    return len(line) >= _PROSE_CHARS and bool(_SENTENCE_END.search(line))


def _is_never_prose(line: str) -> bool:
    return bool(
        _IMAGE_ID.match(line)
        or _FENCE.match(line)
        or _LIST_ROW.match(line)
        or _FURNITURE.match(line)
    )


def _main_block(lines: list[str]) -> tuple[list[str], list[str]]:
    """The longest run of prose (by characters), tolerating short gaps; and source notes."""
    content = [line for line in lines if line]
    best: tuple[int, int, int] = (0, 0, 0)  # (chars, start, end)
    start = None
    gap = chars = 0
    for i, line in enumerate(content + [""] * (_MAX_GAP + 1)):
        if line and _is_prose(line):
            if start is None:
                start, chars = i, 0
            chars += len(line)
            gap = 0
            last = i
            if chars > best[0]:
                best = (chars, start, last + 1)
        elif start is not None:
            gap += 1
            if gap > _MAX_GAP:
                start, gap = None, 0
    block = content[best[1] : best[2]]
    kept: list[str] = []
    notes: list[str] = []
    for i, line in enumerate(block):
        if _is_never_prose(line) or _is_caption(block, i):
            continue
        source = re.match(r"^\*?\s*출처\s*[:：]\s*(.+)$", line)
        if source:
            notes.append(f"출처: {source.group(1)}")
            continue
        kept.append(line)
    return kept, notes


def _is_caption(block: list[str], i: int) -> bool:
    """A short line fenced by '--' lines: a link or image caption, not prose."""
    before = block[i - 1] if i > 0 else ""
    after = block[i + 1] if i + 1 < len(block) else ""
    return bool(_FENCE.match(before) and _FENCE.match(after)) and not _is_prose(block[i])


# -- HTML and encodings ------------------------------------------------------------------


def _decode(raw: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFailed(f"{path}: the file is neither UTF-8 nor EUC-KR/CP949 text")


def _from_html(raw: bytes, path: Path, metadata: dict[str, str]) -> Article:
    from ..sources import ExtractionError, decode_body, extract_article

    html = decode_body(raw, "text/html").text
    try:
        page = extract_article(html, metadata.get("url", ""))
    except ExtractionError as error:
        raise ImportFailed(f"{path}: {error.reason}") from error
    return article_from_extracted(page, **metadata)


def article_from_extracted(page: ExtractedArticle, **metadata: str) -> Article:
    """An extracted web page as an article; ``metadata`` overrides what the page says."""
    values = {
        "title": page.title,
        "publisher": page.site_name,
        "author": page.author,
        "published": page.published,
        "language": page.language or "ko",
        "url": page.url,  # the address that answered: it links and re-fetches reliably
    }
    values.update({k: v for k, v in metadata.items() if v})
    if not values["title"]:
        raise ImportFailed(f"{values['url'] or 'the page'} has no title I can find; give one")
    url = values.pop("url", "")
    body = _without_heading(normalize_text(page.text), values["title"])
    article_id = article_id_for(url=url, body=body)
    return Article(id=article_id, body=body, url=url, extra={}, **values)


def _without_heading(body: str, title: str) -> str:
    """The body without a first paragraph that only repeats the title (the page's <h1>):
    the title is shown with every quote already, and would be glued to the first
    paragraph's passage."""
    first, _, rest = body.partition("\n\n")
    same = " ".join(first.split()).casefold() == " ".join(title.split()).casefold()
    return rest.lstrip("\n") if same and rest.strip() else body
