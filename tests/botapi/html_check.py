"""A validator of Telegram's "HTML" parse mode that answers like Telegram does.

The parser is a port of TDLib's ``parse_html`` (``td/telegram/MessageEntity.cpp``), which is
what the Bot API server runs on every ``parse_mode=HTML`` text.  Porting it, instead of using
Python's ``html.parser``, keeps the things our tests assert on identical to Telegram:

* the error texts, including byte offsets (``Unsupported start tag "br" at byte offset 5``);
* what Telegram quietly *accepts*: an unknown entity such as ``&nbsp;`` stays literal text,
  a bare ``&`` is fine, ``<a>`` without a usable ``href`` loses its link, a nested
  ``<blockquote>`` loses its inner quote, entities past the 100th are dropped.  Those
  silent degradations are reported in :attr:`FormattedText.warnings` so tests can still
  catch them;
* the post-processing Telegram applies before storing a text (``fix_formatted_text``):
  control characters, trimming, entity merging/splitting, and automatic entities
  (``/commands``, ``@mentions``, ``#hashtags``, URLs).

Entity offsets and lengths are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

MAX_ENTITIES = 100
"""Telegram keeps at most this many formatting entities per message (custom emoji excluded)."""

SPLITTABLE = ("bold", "italic", "underline", "strikethrough", "spoiler")
BLOCKQUOTES = frozenset({"blockquote", "expandable_blockquote"})
PRE_TYPES = frozenset({"code", "pre"})
AUTO_TYPES = frozenset({"mention", "hashtag", "cashtag", "bot_command", "url", "email"})

# TDLib's MessageEntity::get_type_priority: ties in offset and length sort by this.
_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "mention": 50,
    "hashtag": 50,
    "cashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}

_SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_ENTITIES = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}
_SPACE = frozenset(b" \t\r\n\0\v")  # td::is_space; NUL is the C string terminator
_QUOTES = frozenset(b"\"'")
_ATTRIBUTE_NAME_END = _SPACE | frozenset(b"=>/\"'")


class HtmlParseError(ValueError):
    """Raised for HTML that Telegram refuses; ``str(error)`` is Telegram's own wording."""


class EmptyTextError(ValueError):
    """Raised when nothing visible is left of a text (Telegram: "Text must be non-empty")."""


@dataclass(frozen=True)
class Entity:
    """One Bot API ``MessageEntity``; ``offset``/``length`` count UTF-16 code units."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None
    user_id: int | None = None

    @property
    def end(self) -> int:
        return self.offset + self.length

    def sort_key(self) -> tuple[int, int, int]:
        """TDLib's order: by offset, longer first, then by type priority."""
        return (self.offset, -self.length, _PRIORITY.get(self.type, 50))

    def to_dict(self) -> dict[str, Any]:
        """The JSON the Bot API sends for this entity."""
        data: dict[str, Any] = {"offset": self.offset, "length": self.length, "type": self.type}
        if self.url is not None:
            data["url"] = self.url
        if self.language is not None:
            data["language"] = self.language
        if self.custom_emoji_id is not None:
            data["custom_emoji_id"] = self.custom_emoji_id
        if self.user_id is not None:
            data["user"] = {"id": self.user_id, "is_bot": False, "first_name": ""}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entity:
        user = data.get("user") or {}
        return cls(
            type=str(data["type"]),
            offset=int(data["offset"]),
            length=int(data["length"]),
            url=data.get("url"),
            language=data.get("language"),
            custom_emoji_id=data.get("custom_emoji_id"),
            user_id=user.get("id"),
        )


@dataclass(frozen=True)
class FormattedText:
    """A text as Telegram stores it: the visible characters and their entities."""

    text: str
    entities: tuple[Entity, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def spans(self, entity_type: str) -> list[str]:
        """The visible substrings covered by entities of one type, e.g. ``spans("bold")``."""
        return [
            utf16_slice(self.text, e.offset, e.length)
            for e in self.entities
            if e.type == entity_type
        ]

    def is_styled(self, fragment: str, entity_type: str) -> bool:
        """Whether every character of ``fragment`` (its first occurrence) has the style.

        Telegram may split one ``<i>`` into several entities (around a link, say), so this
        is sturdier than comparing :meth:`spans`.
        """
        index = self.text.find(fragment)
        if index < 0 or not fragment:
            return False
        start = utf16_len(self.text[:index])
        end = start + utf16_len(fragment)
        covered = sorted(
            (e.offset, e.end) for e in self.entities if e.type == entity_type and e.end > start
        )
        position = start
        for offset, stop in covered:
            if offset > position:
                break
            position = max(position, stop)
        return position >= end

    def entity_dicts(self) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.entities]

    @property
    def utf16_length(self) -> int:
        return utf16_len(self.text)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts limits and offsets in."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf16_slice(text: str, offset: int, length: int) -> str:
    """``text[offset:offset + length]`` with UTF-16 offsets, as entity offsets are."""
    data = text.encode("utf-16-le", "surrogatepass")
    return data[2 * offset : 2 * (offset + length)].decode("utf-16-le", "surrogatepass")


# --------------------------------------------------------------------------------------------
# Links
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkCheck:
    """Result of :func:`check_link`: either a normalized ``url`` or Telegram's ``error``."""

    url: str | None = None
    error: str | None = None


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_PORT = re.compile(r":\d{1,5}$")


def check_link(url: str) -> LinkCheck:
    """Approximates TDLib's ``LinkManager::check_link`` for http(s) and tg:// links.

    Telegram rejects hosts without a dot (``localhost``) and unknown schemes, and stores a
    bare domain as ``http://domain/``.
    """
    url = url.strip()
    lowered = url.lower()
    if lowered.startswith(("tg:", "ton:")):
        return (
            LinkCheck(url=url) if url.split(":", 1)[1].strip("/") else LinkCheck(error="Wrong URL")
        )
    match = _SCHEME.match(url)
    if match:
        scheme = match.group(1).lower()
        if scheme not in ("http", "https"):
            return LinkCheck(error="Unsupported URL protocol")
        rest = url[match.end() :]
    else:
        scheme, rest = "http", url
    split_at = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    host, path = rest[:split_at], rest[split_at:]
    host = host.rsplit("@", 1)[-1]
    port = _PORT.search(host)
    host = _PORT.sub("", host)
    if not _is_valid_host(host):
        return LinkCheck(error="Wrong HTTP URL")
    if not path.startswith("/"):
        path = "/" + path
    return LinkCheck(url=f"{scheme}://{host.lower()}{port.group(0) if port else ''}{path}")


def _is_valid_host(host: str) -> bool:
    if _IPV4.match(host):
        return all(int(part) <= 255 for part in host.split("."))
    labels = host.split(".")
    if len(labels) < 2 or any(not label or label.startswith("-") for label in labels):
        return False
    if not all(ch.isalnum() or ch in "-_" for label in labels for ch in label):
        return False
    tld = labels[-1]
    return tld.startswith("xn--") or (len(tld) >= 2 and tld.isalpha())


def _user_id_of_link(url: str) -> int | None:
    match = re.fullmatch(r"tg://user\?id=(\d+)", url.strip(), flags=re.IGNORECASE)
    return int(match.group(1)) if match else None


# --------------------------------------------------------------------------------------------
# parse_html: a port of TDLib's parser
# --------------------------------------------------------------------------------------------


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    out_offset: int


def _decode_entity(text: bytes, pos: int) -> tuple[int, int, bytes]:
    """TDLib's ``decode_html_entity``: returns (code point or 0, end position, name)."""
    end = pos + 1
    code = 0
    if text[pos + 1] == ord("#"):
        end += 1
        if text[pos + 2] == ord("x"):
            end += 1
            while chr(text[end]) in "0123456789abcdefABCDEF":
                code = code * 16 + int(chr(text[end]), 16)
                end += 1
        else:
            while chr(text[end]).isdigit() and text[end] < 128:
                code = code * 10 + text[end] - ord("0")
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos, b""
        name = b""
    else:
        while chr(text[end]).isalpha() and text[end] < 128:
            end += 1
        name = text[pos + 1 : end]
        if name not in _NAMED_ENTITIES:
            return 0, pos, name
        code = ord(_NAMED_ENTITIES[name])
    if text[end] == ord(";"):
        end += 1
    return code, end, name


class _HtmlParser:
    """One run of TDLib's ``parse_html`` over a UTF-8 buffer.

    The buffer gets a trailing NUL because the C++ code reads its C-string terminator as a
    sentinel (``is_space`` is true for it), and error offsets depend on that.
    """

    def __init__(self, html: str) -> None:
        raw = html.encode("utf-8", "surrogatepass")
        self.size = len(raw)
        self.text = raw + b"\0"
        self.out = bytearray()
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[Entity] = []
        self.warnings: list[str] = []
        self.has_surrogates = False

    def run(self) -> FormattedText:
        i = 0
        while i < self.size:
            byte = self.text[i]
            if byte == ord("&"):
                code, end, name = _decode_entity(self.text, i)
                if code:
                    self._append_code_point(code)
                    i = end
                    continue
                if name:
                    self.warnings.append(
                        f'Unsupported HTML entity "&{name.decode()};" at byte offset {i} '
                        "is shown literally"
                    )
            if byte != ord("<"):
                if byte & 0xC0 != 0x80:  # first byte of a UTF-8 sequence
                    self.utf16 += 2 if byte >= 0xF0 else 1
                self.out.append(byte)
                i += 1
                continue
            i = self._tag(i) + 1
        if self.stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        if self.has_surrogates:
            raise HtmlParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        text = self.out.decode("utf-8", "surrogatepass")
        entities = [replace(e, language=None) if e.type == "code" else e for e in self.entities]
        entities.sort(key=Entity.sort_key)
        return FormattedText(text, tuple(entities), tuple(self.warnings))

    def _append_code_point(self, code: int) -> None:
        self.utf16 += 2 if code > 0xFFFF else 1
        self.has_surrogates |= 0xD800 <= code <= 0xDFFF
        self.out += chr(code).encode("utf-8", "surrogatepass")

    def _tag(self, begin: int) -> int:
        """Parses the tag starting at ``begin``; returns the position of its ``>``."""
        if self.text[begin + 1] == ord("/"):
            return self._end_tag(begin)
        return self._start_tag(begin)

    def _start_tag(self, begin: int) -> int:
        text = self.text
        i = begin + 1
        while text[i] not in _SPACE and text[i] != ord(">"):
            i += 1
        if text[i] == 0:
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
        name = text[begin + 1 : i].lower().decode("utf-8", "replace")
        if name not in _SUPPORTED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {begin}')
        argument = ""
        while text[i] != ord(">"):
            while text[i] != 0 and text[i] in _SPACE:
                i += 1
            if text[i] == ord(">"):
                break
            attribute_begin = i
            while text[i] not in _ATTRIBUTE_NAME_END:
                i += 1
            attribute = text[attribute_begin:i].decode("utf-8", "replace")
            if not attribute:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {begin}'
                )
            while text[i] != 0 and text[i] in _SPACE:
                i += 1
            if text[i] != ord("="):
                if text[i] == 0:
                    raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {begin}')
                if name == "blockquote" and attribute == "expandable":
                    argument = "1"
                continue
            i += 1
            while text[i] != 0 and text[i] in _SPACE:
                i += 1
            if text[i] == 0:
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {begin}')
            value, i = self._attribute_value(i)
            if text[i] == 0:
                raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
            argument = _tag_argument(name, attribute, value, argument)
        if name == "span" and argument != "spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        self.stack.append(_OpenTag(name, argument, self.utf16, len(self.out)))
        return i

    def _attribute_value(self, i: int) -> tuple[str, int]:
        text = self.text
        if text[i] not in _QUOTES:
            # A name token: letters, digits, periods or hyphens, not case sensitive.
            token_begin = i
            while (chr(text[i]).isalnum() and text[i] < 128) or text[i] in b".-":
                i += 1
            if text[i] not in _SPACE and text[i] != ord(">"):
                raise HtmlParseError(f"Unexpected end of name token at byte offset {token_begin}")
            return text[token_begin:i].lower().decode(), i
        quote = text[i]
        i += 1
        value = bytearray()
        while text[i] != quote and text[i] != 0:
            if text[i] == ord("&"):
                code, end, _ = _decode_entity(text, i)
                if code:
                    value += chr(code).encode("utf-8", "surrogatepass")
                    i = end
                    continue
            value.append(text[i])
            i += 1
        if text[i] == quote:
            i += 1
        return value.decode("utf-8", "replace"), i

    def _end_tag(self, begin: int) -> int:
        text = self.text
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
        i = begin + 1
        while text[i] not in _SPACE and text[i] != ord(">"):
            i += 1
        end_name = text[begin + 2 : i].lower().decode("utf-8", "replace")
        while text[i] != 0 and text[i] in _SPACE:
            i += 1
        if text[i] != ord(">"):
            raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
        open_tag = self.stack[-1]
        if end_name and end_name != open_tag.name:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{open_tag.name}>", '
                f'found "</{end_name}>"'
            )
        if self.utf16 > open_tag.utf16_offset:
            self._close(open_tag)
        self.stack.pop()
        return i

    def _close(self, tag: _OpenTag) -> None:
        offset, length = tag.utf16_offset, self.utf16 - tag.utf16_offset
        if tag.name in _SIMPLE_TAGS:
            self.entities.append(Entity(_SIMPLE_TAGS[tag.name], offset, length))
        elif tag.name == "tg-emoji":
            if not tag.argument.isdigit() or int(tag.argument) == 0:
                raise HtmlParseError("Invalid custom emoji identifier specified")
            self.entities.append(
                Entity("custom_emoji", offset, length, custom_emoji_id=tag.argument)
            )
        elif tag.name == "a":
            self._close_link(tag, offset, length)
        elif tag.name in PRE_TYPES:
            self._close_code(tag, offset, length)
        else:  # blockquote
            kind = "expandable_blockquote" if tag.argument else "blockquote"
            self.entities.append(Entity(kind, offset, length))

    def _close_code(self, tag: _OpenTag, offset: int, length: int) -> None:
        """``<pre><code class="language-x">`` (either nesting order) makes one ``pre``
        entity with a language; a lone ``<code>`` ignores its class."""
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and (last.offset, last.length) == (offset, length)
        if tag.name == "pre" and same_span and last.type == "code" and last.language:
            self.entities[-1] = replace(last, type="pre")
        elif tag.name == "code" and same_span and last.type == "pre" and tag.argument:
            self.entities[-1] = replace(last, language=tag.argument)
        else:
            language = tag.argument or None if tag.name == "code" else None
            self.entities.append(Entity(tag.name, offset, length, language=language))

    def _close_link(self, tag: _OpenTag, offset: int, length: int) -> None:
        url = tag.argument or self.out[tag.out_offset :].decode("utf-8", "surrogatepass")
        user_id = _user_id_of_link(url)
        if user_id is not None:
            self.entities.append(Entity("text_mention", offset, length, user_id=user_id))
            return
        checked = check_link(url)
        if checked.url is None:
            self.warnings.append(
                f"<a> at UTF-16 offset {offset} has no valid href ({url!r}: {checked.error}); "
                "Telegram drops the link"
            )
            return
        self.entities.append(Entity("text_link", offset, length, url=checked.url))


def _tag_argument(tag: str, attribute: str, value: str, current: str) -> str:
    """Which attribute values TDLib keeps for which tag; every other attribute is ignored."""
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value[len("tg-") :]
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    if tag == "blockquote" and attribute == "expandable":
        return "1"
    return current


def parse_html(html: str) -> FormattedText:
    """Parses Telegram HTML into plain text and entities, exactly as TDLib does.

    This is the raw parse (no trimming, no automatic entities); use :func:`format_text` for
    what Telegram finally stores.  Raises :class:`HtmlParseError` with Telegram's message.
    """
    return _HtmlParser(html).run()


# --------------------------------------------------------------------------------------------
# fix_formatted_text: what Telegram does to every text before storing it
# --------------------------------------------------------------------------------------------


def format_text(
    text: str,
    parse_mode: str | None = None,
    entities: Iterable[Entity] = (),
    *,
    detect_entities: bool = True,
) -> FormattedText:
    """The text and entities Telegram stores for a ``sendMessage``-style text.

    ``parse_mode`` is ``"HTML"`` (any case) or ``None``; with ``None`` the given ``entities``
    are used.  Raises :class:`HtmlParseError` or :class:`EmptyTextError`.
    """
    warnings: list[str] = []
    if parse_mode is not None and parse_mode.lower() == "html":
        parsed = parse_html(text)
        text, given, warnings = parsed.text, list(parsed.entities), list(parsed.warnings)
    else:
        given = [e for e in entities if e.type not in AUTO_TYPES]
    return fix_formatted_text(text, given, warnings, detect_entities=detect_entities)


def fix_formatted_text(
    text: str,
    entities: Sequence[Entity],
    warnings: Sequence[str] = (),
    *,
    detect_entities: bool = True,
) -> FormattedText:
    """Port of the parts of TDLib's ``fix_formatted_text`` that change what users see."""
    notes = list(warnings)
    fixed = _fix_entities([e for e in entities if e.length > 0], notes)
    text, fixed = _clean_characters(text, fixed)
    fixed = _fix_entities([e for e in fixed if e.length > 0], notes)
    if not text.strip(" \n"):
        raise EmptyTextError("Text must be non-empty")
    text, fixed = _trim(text, fixed)
    if detect_entities:
        fixed = _merge_detected(fixed, find_entities(text))
    fixed = _limit_entity_count(fixed, notes)
    return FormattedText(text, tuple(sorted(fixed, key=Entity.sort_key)), tuple(notes))


def _remove_intersecting(entities: list[Entity]) -> tuple[list[Entity], list[Entity]]:
    """Keeps entities that start after every kept one ends (so nested ones go too)."""
    kept: list[Entity] = []
    dropped: list[Entity] = []
    last_end = 0
    for entity in sorted(entities, key=Entity.sort_key):
        if entity.offset >= last_end:
            kept.append(entity)
            last_end = entity.end
        else:
            dropped.append(entity)
    return kept, dropped


def _fix_entities(entities: list[Entity], notes: list[str]) -> list[Entity]:
    """TDLib's ``fix_entities``: code, links and emoji can't overlap or nest (the later one
    goes), blockquotes can't nest or be crossed, and bold/italic/... are merged and split."""
    splittable = [e for e in entities if e.type in SPLITTABLE]
    quotes = [e for e in entities if e.type in BLOCKQUOTES]
    others = [e for e in entities if e.type not in SPLITTABLE and e.type not in BLOCKQUOTES]
    others, dropped = _remove_intersecting(others)
    if quotes:
        quotes, dropped_quotes = _remove_intersecting(quotes)
        dropped += dropped_quotes
        crossing = [e for e in others if _crosses_any(e, quotes)]
        others = [e for e in others if e not in crossing]
        dropped += crossing
    for entity in dropped:
        notes.append(
            f"{entity.type} entity at UTF-16 offset {entity.offset} overlaps another entity "
            "that cannot contain it; Telegram drops it"
        )
    return sorted(others + quotes + _split(splittable, others + quotes), key=Entity.sort_key)


def _crosses_any(entity: Entity, quotes: list[Entity]) -> bool:
    return any(q.offset < entity.end and entity.offset < q.end for q in quotes) and not any(
        q.offset <= entity.offset and entity.end <= q.end for q in quotes
    )


def _split(splittable: list[Entity], others: list[Entity]) -> list[Entity]:
    """Merges touching entities of one type and cuts them at other entities' edges.

    Parts inside ``code``/``pre`` disappear: nothing is formatted inside code.
    """
    cuts = sorted({e.offset for e in others} | {e.end for e in others})
    code_ranges = [(e.offset, e.end) for e in others if e.type in PRE_TYPES]
    result: list[Entity] = []
    for kind in SPLITTABLE:
        runs: list[list[int]] = []
        for entity in sorted((e for e in splittable if e.type == kind), key=Entity.sort_key):
            if runs and entity.offset <= runs[-1][1]:
                runs[-1][1] = max(runs[-1][1], entity.end)
            else:
                runs.append([entity.offset, entity.end])
        for start, end in runs:
            points = [start, *(c for c in cuts if start < c < end), end]
            for a, b in itertools.pairwise(points):
                if not any(lo <= a and b <= hi for lo, hi in code_ranges):
                    result.append(Entity(kind, a, b - a))
    return result


_REMOVED_CHARS = frozenset("\r\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u0333\u033f\u030a")


def _clean_characters(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Control characters become spaces; ``\\r`` and a few invisible marks disappear."""
    out: list[str] = []
    new_pos = [0]  # new_pos[old utf16 offset] -> new utf16 offset
    position = 0
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        if ch not in _REMOVED_CHARS:
            out.append(" " if ord(ch) < 32 and ch != "\n" else ch)
            position += width
        new_pos.extend([position] * width)
    if len(out) == len(text):
        return "".join(out), entities
    moved = [
        replace(e, offset=new_pos[e.offset], length=new_pos[e.end] - new_pos[e.offset])
        for e in entities
    ]
    return "".join(out), [e for e in moved if e.length > 0]


def _trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Right-trims spaces/newlines, and left-trims those before the first entity."""
    stripped = text.rstrip(" \n")
    limit = utf16_len(stripped)
    kept = [replace(e, length=min(e.end, limit) - e.offset) for e in entities if e.offset < limit]
    first_entity = min((e.offset for e in kept), default=limit)
    lead = len(stripped) - len(stripped.lstrip(" \n"))
    lead = min(lead, first_entity)
    shifted = [replace(e, offset=e.offset - lead) for e in kept]
    return stripped[lead:], shifted


def _merge_detected(entities: list[Entity], detected: list[Entity]) -> list[Entity]:
    """Adds automatic entities that don't collide with code, links or quote edges."""
    blocking = [e for e in entities if e.type not in SPLITTABLE and e.type not in BLOCKQUOTES]
    quotes = [e for e in entities if e.type in BLOCKQUOTES]
    merged = list(entities)
    for entity in detected:
        if any(b.offset < entity.end and entity.offset < b.end for b in blocking):
            continue
        if _crosses_any(entity, quotes):
            continue
        merged.append(entity)
    return merged


def _limit_entity_count(entities: list[Entity], notes: list[str]) -> list[Entity]:
    """Telegram keeps 100 formatting entities: non-splittable ones first, then the rest."""
    counted = [e for e in entities if e.type not in AUTO_TYPES and e.type != "custom_emoji"]
    if len(counted) <= MAX_ENTITIES:
        return entities
    ordered = sorted(counted, key=lambda e: (e.type in SPLITTABLE, e.sort_key()))
    dropped = set(ordered[MAX_ENTITIES:])
    notes.append(
        f"{len(counted)} formatting entities; Telegram keeps {MAX_ENTITIES} and silently "
        f"drops {len(dropped)}"
    )
    return [e for e in entities if e not in dropped]


# --------------------------------------------------------------------------------------------
# Automatic entities (simplified versions of TDLib's find_entities)
# --------------------------------------------------------------------------------------------


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _ascii_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _find_commands(text: str) -> Iterable[tuple[int, int]]:
    """TDLib's ``match_bot_commands``: ``/cmd`` or ``/cmd@bot_username``."""
    for match in re.finditer("/", text):
        start = match.start()
        if start and (_is_word(text[start - 1]) or text[start - 1] in "/<>"):
            continue
        end = start + 1
        while end < len(text) and _ascii_word(text[end]):
            end += 1
        if not 1 <= end - start - 1 <= 64:
            continue
        if end < len(text) and text[end] == "@":
            mention_end = end + 1
            while mention_end < len(text) and _ascii_word(text[mention_end]):
                mention_end += 1
            if not 3 <= mention_end - end - 1 <= 32:
                continue
            end = mention_end
        if end < len(text) and (_is_word(text[end]) or text[end] in "/<>"):
            continue
        yield start, end


_MENTION = re.compile(r"(?<!\w)@([A-Za-z0-9_]{5,32})(?!\w)")
_HASHTAG = re.compile(r"(?<![\w\u200c\u00b7])#([\w\u200c\u00b7]{1,256})(?![\w\u200c\u00b7]*#)")
_CASHTAG = re.compile(r"(?<![\w$])\$(1INCH|[A-Z]{1,8})(?![\w$])")
_URL = re.compile(r"(?i)\b(?:https?|tg|ftp)://[^\s<>\"']+|\bwww\.[^\s<>\"']+")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def _spans(text: str) -> Iterable[tuple[str, int, int]]:
    yield from (("mention", m.start(), m.end()) for m in _MENTION.finditer(text))
    yield from (("bot_command", start, end) for start, end in _find_commands(text))
    for m in _HASHTAG.finditer(text):
        if any(ch.isalpha() for ch in m.group(1)):
            yield "hashtag", m.start(), m.end()
    yield from (("cashtag", m.start(), m.end()) for m in _CASHTAG.finditer(text))
    for m in _URL.finditer(text):
        yield "url", m.start(), m.start() + len(m.group().rstrip(".,;:!?)]}'\""))
    yield from (("email", m.start(), m.end()) for m in _EMAIL.finditer(text))


def find_entities(text: str) -> list[Entity]:
    """Entities Telegram detects by itself: mentions, commands, hashtags, URLs, e-mails."""
    found = [
        Entity(kind, utf16_len(text[:start]), utf16_len(text[start:end]))
        for kind, start, end in _spans(text)
    ]
    kept, _ = _remove_intersecting(found)
    return kept
