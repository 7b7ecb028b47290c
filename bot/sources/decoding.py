"""Turn a response body into text, getting Korean pages right.

Korean sites still serve a lot of EUC-KR, often mislabelled, so the order of evidence is:

1. a byte-order mark — unambiguous, and browsers let it override everything else;
2. the charset in the ``Content-Type`` header;
3. a ``<meta charset>`` / ``<meta http-equiv="Content-Type">`` tag or the XML declaration;
4. strict UTF-8 (pure ASCII passes too);
5. detection: CP949 if the bytes decode as CP949 into mostly Hangul, else charset-normalizer;
6. the first declared charset with replacement characters, or CP949 if nothing was declared.

A declared charset is only believed if the bytes decode under it (with a handful of bad
bytes tolerated): "utf-8" in the header of a page that is really EUC-KR is a common server
misconfiguration. ``euc-kr`` and ``ks_c_5601-1987`` are read as CP949, the Microsoft superset
that Korean sites actually emit (it has all 11,172 Hangul syllables; EUC-KR has 2,350).
A header saying ISO-8859-1, US-ASCII or windows-1252 is usually a server default, so an
in-document declaration wins over it.
"""

from __future__ import annotations

import codecs
import re
from contextlib import suppress
from dataclasses import dataclass
from email.message import Message

import charset_normalizer

__all__ = [
    "DecodedText",
    "charset_from_content_type",
    "declared_charset",
    "decode_body",
    "normalize_charset",
]

# How far into the document to look for <meta charset> or an XML declaration. The HTML
# standard says 1024 bytes; Korean portals often put the tag after long <script> blocks.
_PRESCAN_BYTES = 8192
# A declared charset is still believed when at most this share of the non-ASCII characters
# fail to decode (a page cut off mid-character, one stray byte). Text in the wrong charset
# fails on nearly every non-ASCII character.
_TOLERATED_ERROR_RATE = 0.01
# Detection looks at a prefix: enough to be sure, cheap on a 5 MB page.
_DETECT_BYTES = 256 * 1024

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Labels Python's codec registry doesn't know, and the Korean ones it maps to EUC-KR.
_KOREAN_LABELS = frozenset(
    {"windows-949", "x-windows-949", "cseuckr", "iso-ir-149", "ks_c_5601-1989", "x-euc-kr"}
)
_CP949_CODECS = frozenset({"euc_kr", "cp949"})
# The WHATWG Encoding Standard reads these labels as windows-1252.
_WINDOWS_1252_CODECS = frozenset({"iso8859-1", "ascii", "cp1252"})

_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9_.\-]+)["']""")


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    encoding: str
    """Python codec name actually used, e.g. ``"utf-8"`` or ``"cp949"``."""
    source: str
    """Where the encoding came from: bom, header, document, utf-8, detected or fallback."""


def decode_body(body: bytes, content_type: str | None = None) -> DecodedText:
    """Decode ``body`` using the evidence described in the module docstring."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return DecodedText(body.decode(encoding, errors="replace"), encoding, "bom")

    header = charset_from_content_type(content_type)
    document = declared_charset(body)
    declared = [(header, "header"), (document, "document")]
    if header in _WINDOWS_1252_CODECS and document is not None:
        declared.reverse()
    for charset, source in declared:
        if charset is not None:
            text = _decode_leniently(body, charset)
            if text is not None:
                return DecodedText(text, charset, source)

    with suppress(UnicodeDecodeError):  # strict UTF-8 first: it almost never decodes by chance
        return DecodedText(body.decode("utf-8"), "utf-8", "utf-8")

    detected = _detect(body)
    if detected is not None:
        return DecodedText(body.decode(detected, errors="replace"), detected, "detected")
    fallback = header or document or "cp949"
    return DecodedText(body.decode(fallback, errors="replace"), fallback, "fallback")


def normalize_charset(label: str | None) -> str | None:
    """Map a charset label to the Python codec we decode with, or ``None`` if unknown.

    ``"EUC-KR"``, ``"ks_c_5601-1987"`` -> ``"cp949"``; ``"UTF8"`` -> ``"utf-8"``;
    ``"iso-8859-1"`` -> ``"cp1252"`` (as browsers do).
    """
    if not label:
        return None
    label = label.strip().strip("'\"").strip().lower()
    if label in _KOREAN_LABELS:
        return "cp949"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in _CP949_CODECS:
        return "cp949"
    if name in _WINDOWS_1252_CODECS:
        return "cp1252"
    return name


def charset_from_content_type(content_type: str | None) -> str | None:
    """The normalized charset parameter of a ``Content-Type`` header value, if any."""
    if not content_type:
        return None
    message = Message()
    message["content-type"] = content_type
    charset = message.get_param("charset")
    return normalize_charset(charset) if isinstance(charset, str) else None


def declared_charset(body: bytes) -> str | None:
    """The charset a document declares about itself (XML declaration or ``<meta>``)."""
    head = body[:_PRESCAN_BYTES]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    if match is None:
        return None
    encoding = normalize_charset(match.group(1).decode("ascii"))
    # A document whose declaration we could read as ASCII is not UTF-16/32 (HTML standard).
    if encoding is not None and encoding.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return encoding


def _decode_leniently(body: bytes, encoding: str) -> str | None:
    """Decode with ``encoding`` unless too many bytes are invalid in it."""
    with suppress(UnicodeDecodeError):
        return body.decode(encoding)
    text = body.decode(encoding, errors="replace")
    non_ascii = sum(1 for char in text if not char.isascii())
    if text.count("\ufffd") <= max(1, non_ascii * _TOLERATED_ERROR_RATE):
        return text
    return None


def _detect(body: bytes) -> str | None:
    sample = _cut_at_boundary(body[:_DETECT_BYTES], len(body) > _DETECT_BYTES)
    if _reads_as_korean(sample):
        return "cp949"
    best = charset_normalizer.from_bytes(sample).best()
    return normalize_charset(best.encoding) if best is not None else None


def _reads_as_korean(sample: bytes) -> bool:
    """Whether ``sample`` is valid CP949 whose non-ASCII text is mostly Hangul."""
    try:
        text = sample.decode("cp949")
    except UnicodeDecodeError:
        return False
    non_ascii = [char for char in text if not char.isascii()]
    hangul = sum(1 for char in non_ascii if "\uac00" <= char <= "\ud7a3")
    return bool(non_ascii) and hangul >= 0.5 * len(non_ascii)


def _cut_at_boundary(sample: bytes, truncated: bool) -> bytes:
    """Cut a truncated sample after its last ASCII byte, so no character is split.

    In UTF-8, EUC-KR and CP949 a byte below 0x80 always ends a character.
    """
    if truncated:
        for end in range(len(sample), max(0, len(sample) - 64), -1):
            if sample[end - 1] < 0x80:
                return sample[:end]
    return sample
