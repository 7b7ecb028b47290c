"""Files sent to the bot (.txt, .md, .html, .pdf, .docx) → an article's text and metadata.

The type comes from the bytes, never from the name: a "report.txt" that is a PDF is read
as a PDF, and a "notes.pdf" that is a PNG is refused. In order of evidence:

    %PDF-                            PDF (pypdf)
    PK\\x03\\x04 with word/document.xml  DOCX (python-docx), after the zip bomb check
    other binary (NUL, bad bytes)    refused
    text that opens with HTML        HTML (trafilatura, the same path as ``/add <url>``)
    text with Markdown headings      Markdown (first heading is the title)
    other text                       plain text

Text is decoded like a fetched page (``decoding.py``: BOM, UTF-8, EUC-KR/CP949...). The
title is the document's own (HTML title, PDF metadata, DOCX core properties or first
heading, Markdown first heading), else the file name without its extension.

Everything here is synchronous and CPU-bound: a front end calls it in a worker thread.
"""

from __future__ import annotations

import enum
import io
import logging
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import PurePath

from bot.sources.decoding import decode_body
from bot.sources.errors import DocumentProblem, DocumentRefused, ExtractionError
from bot.sources.extract import MIN_TEXT_CHARS, ExtractedArticle, extract_article, text_language

__all__ = [
    "DOCUMENT_MAX_BYTES",
    "DOCX_MAX_ENTRIES",
    "DOCX_MAX_RATIO",
    "DOCX_MAX_UNCOMPRESSED",
    "DocumentKind",
    "extract_document",
    "sniff_kind",
]

log = logging.getLogger(__name__)

# The Bot API lets a bot download files of up to 20 MB; nothing larger is read here.
DOCUMENT_MAX_BYTES = 20_000_000
# A .docx is a zip: its declared sizes are checked before anything is inflated. Real
# documents are a few MB unpacked and compress 2-10×; a bomb declares gigabytes at 1000×.
# (zipfile never inflates a member past its declared size, so the check holds.)
DOCX_MAX_UNCOMPRESSED = 50_000_000
DOCX_MAX_RATIO = 100
DOCX_MAX_ENTRIES = 2_000
# Stop reading PDF pages once this many times ARTICLE_MAX_CHARS is in hand: the rest
# would be cut anyway, and a 20 MB PDF of text is hours of nothing.
_PDF_READ_FACTOR = 2

# Magic numbers of common binaries that are not one of ours, for a clear refusal.
_BINARY_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"\xd0\xcf\x11\xe0",  # OLE: legacy .doc/.xls/.ppt
    b"\x7fELF",
    b"MZ",
    b"\x1f\x8b",  # gzip
    b"Rar!",
    b"7z\xbc\xaf",
)
# WHATWG MIME sniffing: text opening (after whitespace) with one of these tags is HTML.
_HTML_START = re.compile(
    rb"\s*<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|"
    rb"body|br|p|!--|\?xml[^>]*>\s*<html)[\s>]",
    re.IGNORECASE,
)
_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$")
_MD_SIGNS = re.compile(r"^ {0,3}(?:#{1,6}[ \t]|```|~~~)|\[[^\]\n]+\]\([^)\s]+\)", re.M)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SENTENCE_END = re.compile(r"""[.!?…。다요죠까]["'”’)\]]*$""")


class DocumentKind(enum.Enum):
    TEXT = "txt"
    MARKDOWN = "md"
    HTML = "html"
    PDF = "pdf"
    DOCX = "docx"


def sniff_kind(data: bytes) -> DocumentKind:
    """The kind of document ``data`` holds; raises ``DocumentRefused`` (unsupported)."""
    if data.startswith(b"%PDF-"):
        return DocumentKind.PDF
    if data.startswith(b"PK\x03\x04"):
        return DocumentKind.DOCX  # confirmed (word/document.xml) when it is opened
    if data.startswith(_BINARY_MAGIC) or _looks_binary(data):
        raise DocumentRefused(
            DocumentProblem.UNSUPPORTED, "not a text, Markdown, HTML, PDF or DOCX file"
        )
    if _HTML_START.match(data[:1024]):
        return DocumentKind.HTML
    text = decode_body(data[:65_536]).text
    return DocumentKind.MARKDOWN if _MD_SIGNS.search(text) else DocumentKind.TEXT


def extract_document(
    data: bytes, file_name: str, *, max_chars: int, max_bytes: int = DOCUMENT_MAX_BYTES
) -> tuple[DocumentKind, ExtractedArticle]:
    """The kind and the article of a file; raises ``DocumentRefused`` saying why not.

    ``max_chars`` (ARTICLE_MAX_CHARS) only bounds how much is read; cutting the text to
    it, and reporting the cut, is the caller's (``limit_article``).
    """
    if len(data) > max_bytes:
        raise DocumentRefused(
            DocumentProblem.TOO_LARGE, f"the file has {len(data):,} bytes (limit {max_bytes:,})"
        )
    if not data.strip():
        raise DocumentRefused(DocumentProblem.EMPTY, "the file is empty")
    kind = sniff_kind(data)
    fallback = _title_from_name(file_name)
    match kind:
        case DocumentKind.PDF:
            title, author, text = _read_pdf(data, max_chars)
        case DocumentKind.DOCX:
            title, author, text = _read_docx(data)
        case DocumentKind.HTML:
            return kind, _read_html(data, fallback)
        case DocumentKind.MARKDOWN:
            title, text = _read_markdown(decode_body(data).text)
            author = ""
        case DocumentKind.TEXT:
            title, author, text = "", "", _plain_paragraphs(decode_body(data).text)
    _require_text(text)
    return kind, ExtractedArticle(
        url="",
        canonical_url="",
        title=_one_line(title) or fallback,
        site_name="",
        author=_one_line(author),
        published="",  # file dates say when it was saved, not published: never guessed
        language=text_language(text),
        text=text,
    )


# -- text ------------------------------------------------------------------------------


def _looks_binary(data: bytes) -> bool:
    """NUL bytes (without a UTF-16/32 BOM), or control characters after decoding."""
    head = data[:8192]
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    if len(data) > len(head):  # don't split a character: below 0x80 a byte ends one
        ends = [end for end in range(len(head), len(head) - 64, -1) if head[end - 1] < 0x80]
        head = head[: ends[0]] if ends else head
    sample = decode_body(head).text
    bad = len(_CONTROL.findall(sample)) + sample.count("\ufffd")
    return bad > max(2, len(sample) // 100)


def _plain_paragraphs(text: str) -> str:
    """Blank-line separated blocks are paragraphs (hard-wrapped lines joined); a text
    without blank lines has a paragraph per line. As ``article_from_plain_text`` reads."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if re.search(r"\n[ \t]*\n", text):
        blocks = re.split(r"\n[ \t]*\n", text)
        lines = [" ".join(line.strip() for line in block.split("\n")) for block in blocks]
    else:
        lines = text.split("\n")
    return _paragraphs(lines)


def _read_markdown(text: str) -> tuple[str, str]:
    """The first heading as the title; the text without Markdown's markup."""
    title = ""
    blocks: list[str] = []
    current: list[str] = []
    in_code = False

    def flush() -> None:
        if current:
            blocks.append(" ".join(current))
            current.clear()

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if line.startswith(("```", "~~~")):
            flush()
            in_code = not in_code
            continue
        if in_code:  # code is kept line by line, as it is
            if line:
                blocks.append(line)
            continue
        heading = _MD_HEADING.match(raw)
        if heading:
            flush()
            if not title:
                title = _md_inline(heading.group(2))
                continue  # the title is the article's title, not its first paragraph
            blocks.append(_md_inline(heading.group(2)))
        elif not line or re.fullmatch(r"[-*_=\s]{3,}", line):  # blank, rule or underline
            flush()
        elif re.match(r"^(?:[-*+]|\d{1,3}[.)])\s+", line):  # a list item stands alone
            flush()
            current.append(_md_inline(re.sub(r"^(?:[-*+]|\d{1,3}[.)])\s+", "", line)))
        else:
            current.append(_md_inline(re.sub(r"^(?:>\s?)+", "", line)))
    flush()
    return title, _paragraphs(blocks)


def _md_inline(text: str) -> str:
    """Links and images to their text; emphasis, code ticks and HTML tags dropped."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>\n]+>", "", text)
    text = re.sub(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    return text.strip()


# -- HTML ------------------------------------------------------------------------------


def _read_html(data: bytes, fallback_title: str) -> ExtractedArticle:
    html = decode_body(data, "text/html").text
    try:
        page = extract_article(html, "")
    except ExtractionError as error:
        raise DocumentRefused(DocumentProblem.EMPTY, "no article text found in the page") from (
            error
        )
    if page.title:
        return page
    return ExtractedArticle(**{**_fields(page), "title": fallback_title})


def _fields(page: ExtractedArticle) -> dict[str, str]:
    return {name: getattr(page, name) for name in ExtractedArticle.__slots__}


# -- PDF -------------------------------------------------------------------------------


def _read_pdf(data: bytes, max_chars: int) -> tuple[str, str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentRefused(
                DocumentProblem.ENCRYPTED, "the PDF is encrypted (password-protected)"
            )
        metadata = reader.metadata
        title = str(metadata.title or "") if metadata else ""
        author = str(metadata.author or "") if metadata else ""
        pages: list[str] = []
        read = 0
        for page in reader.pages:
            text = page.extract_text() or ""
            pages.append(text)
            read += len(text)
            if read > _PDF_READ_FACTOR * max_chars:
                break
    # A damaged file can trip pypdf anywhere; these are what malformed input raises
    # (its own errors, bad values, missing keys, zlib and struct errors on streams).
    except (PyPdfError, ValueError, LookupError, TypeError, AttributeError, zlib.error,
            struct.error, RecursionError) as error:  # fmt: skip
        log.info("unreadable PDF: %r", error)
        raise DocumentRefused(DocumentProblem.BROKEN, "the PDF is damaged or unreadable") from (
            error
        )
    return title, author, _paragraphs(_pdf_paragraphs(pages))


def _pdf_paragraphs(pages: Iterable[str]) -> list[str]:
    """PDF text comes as visual lines: a line ending a sentence ends a paragraph, a
    blank line too; other lines are joined with a space (Korean is written with spaces)."""
    paragraphs: list[str] = []
    current: list[str] = []
    for page in pages:
        for raw in page.split("\n"):
            line = raw.strip()
            if line:
                current.append(line)
            if current and (not line or _SENTENCE_END.search(line)):
                paragraphs.append(" ".join(current))
                current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


# -- DOCX ------------------------------------------------------------------------------


def _check_zip(data: bytes) -> None:
    """Refuses a zip bomb by the sizes its directory declares, before inflating anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise DocumentRefused(DocumentProblem.BROKEN, "the file is a damaged zip") from error
    if "word/document.xml" not in names:
        raise DocumentRefused(
            DocumentProblem.UNSUPPORTED, "a zip file that is not a Word (.docx) document"
        )
    total = sum(member.file_size for member in members)
    ratio = max((m.file_size / max(1, m.compress_size) for m in members), default=0)
    if len(members) > DOCX_MAX_ENTRIES or total > DOCX_MAX_UNCOMPRESSED:
        raise DocumentRefused(
            DocumentProblem.BOMB,
            f"the .docx unpacks to {total:,} bytes in {len(members)} parts "
            f"(limit {DOCX_MAX_UNCOMPRESSED:,} bytes, {DOCX_MAX_ENTRIES} parts)",
        )
    if ratio > DOCX_MAX_RATIO and total > 1_000_000:
        raise DocumentRefused(
            DocumentProblem.BOMB, f"a part of the .docx is compressed {ratio:,.0f}× (a zip bomb)"
        )


def _read_docx(data: bytes) -> tuple[str, str, str]:
    _check_zip(data)
    import docx
    from docx.opc.exceptions import OpcError

    try:
        document = docx.Document(io.BytesIO(data))
        properties = document.core_properties
        paragraphs = [
            (p.text.strip(), p.style.name if p.style else "") for p in document.paragraphs
        ]
        title, author = properties.title or "", properties.author or ""
    # Malformed parts surface as OPC, zip, XML (lxml's are ValueErrors) or lookup errors.
    except (OpcError, zipfile.BadZipFile, ValueError, LookupError, TypeError,
            AttributeError) as error:  # fmt: skip
        log.info("unreadable DOCX: %r", error)
        raise DocumentRefused(DocumentProblem.BROKEN, "the .docx is damaged or unreadable") from (
            error
        )
    body = [text for text, _ in paragraphs if text]
    if not title:
        heading = next(
            (text for text, style in paragraphs if text and _is_heading_style(style)), ""
        )
        if heading and body and body[0] == heading:
            body = body[1:]  # the title is the article's title, not its first paragraph
        title = heading
    return title, author, _paragraphs(body)


def _is_heading_style(style: str) -> bool:
    return style == "Title" or style.startswith("Heading")


# -- shared ----------------------------------------------------------------------------


def _paragraphs(lines: Iterable[str]) -> str:
    """One paragraph per non-empty line (spaces collapsed), separated by a blank line."""
    return "\n\n".join(" ".join(line.split()) for line in lines if line.strip())


def _require_text(text: str) -> None:
    if len(text) < MIN_TEXT_CHARS:
        raise DocumentRefused(
            DocumentProblem.EMPTY,
            f"no text found in the file (fewer than {MIN_TEXT_CHARS} characters)",
        )


def _title_from_name(file_name: str) -> str:
    """ "2024 보고서_final.pdf" → "2024 보고서 final"."""
    stem = PurePath(file_name.replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem.lstrip(".") else stem
    return _one_line(stem.replace("_", " ")) or "untitled"


def _one_line(value: str) -> str:
    return " ".join(value.split())[:300]
