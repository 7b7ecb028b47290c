"""Button data: small dataclasses ↔ strings of at most 64 bytes.

Telegram gives a button 1-64 bytes of ``callback_data`` and sends them back when it is
pressed, but a modified client can send anything instead. A button that refers to a
stored question carries a ``ChatRef`` (``refs.py``): the question's id and its random
token, valid only in the chat where it was asked. The question's text is never in the
data (a Korean question would not fit, and it could contain the separator).

    PageButton(ChatRef(12, "Sx0tWk3nQ2A"), offset=3)    "m:12.Sx0tWk3nQ2A:3"   more results
    FeedbackButton(ChatRef(12, "Sx0tWk3nQ2A"), up=True) "f:12.Sx0tWk3nQ2A:+"   👍 / 👎
    PassageButton("f145e3cc02f9-03621c64")              "p:f145e3cc02f9-03621c64"
    DocumentButton(ChatRef(4, "Sx0tWk3nQ2A"), add=True) "d:4.Sx0tWk3nQ2A:+"    Add / Cancel

A document button refers to a file waiting for an admin's Add or Cancel (``pending.py``),
with the same kind of reference: valid only in its chat (and, there, only for admins).
Passages are public article text, so passage buttons need no token. Anything else (an
old button from a previous version, a forged press, empty or missing data) decodes to
``InvalidButton``, which the handlers answer with "this button has expired".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram.constants import InlineKeyboardButtonLimit

from .refs import PATTERN as _REF
from .refs import ChatRef

__all__ = [
    "MAX_CALLBACK_BYTES",
    "Button",
    "DocumentButton",
    "FeedbackButton",
    "InvalidButton",
    "PageButton",
    "PassageButton",
    "decode",
]

MAX_CALLBACK_BYTES: int = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA  # 64
MAX_OFFSET = 9999
_PAGE = re.compile(rf"m:{_REF}:([0-9]{{1,4}})")
_FEEDBACK = re.compile(rf"f:{_REF}:([+-])")
_PASSAGE = re.compile(r"p:([A-Za-z0-9_-]{1,62})")
_DOCUMENT = re.compile(rf"d:{_REF}:([+-])")


@dataclass(frozen=True, slots=True)
class PageButton:
    """Show the answer to a stored question from ``offset`` on, in the same message."""

    ref: ChatRef
    offset: int

    def encode(self) -> str:
        if not 0 <= self.offset <= MAX_OFFSET:
            raise ValueError(f"{self.offset} is out of range for a button (0-{MAX_OFFSET})")
        return _checked(f"m:{self.ref.encode()}:{self.offset}")


@dataclass(frozen=True, slots=True)
class FeedbackButton:
    """👍 (``up``) or 👎 for the answer to a stored question."""

    ref: ChatRef
    up: bool

    def encode(self) -> str:
        return _checked(f"f:{self.ref.encode()}:{'+' if self.up else '-'}")


@dataclass(frozen=True, slots=True)
class PassageButton:
    """Show another passage (the previous or next one of an article) in the same message."""

    passage_id: str

    def encode(self) -> str:
        if not _PASSAGE.fullmatch(f"p:{self.passage_id}"):
            raise ValueError(f"passage id {self.passage_id!r} does not fit in a button")
        return _checked(f"p:{self.passage_id}")


@dataclass(frozen=True, slots=True)
class DocumentButton:
    """Add (``add``) or Cancel for a file waiting for an admin's decision."""

    ref: ChatRef
    add: bool

    def encode(self) -> str:
        return _checked(f"d:{self.ref.encode()}:{'+' if self.add else '-'}")


@dataclass(frozen=True, slots=True)
class InvalidButton:
    """Data this version of the bot did not make ("" when there was none)."""

    data: str


Button = PageButton | FeedbackButton | PassageButton | DocumentButton | InvalidButton


def decode(data: object) -> Button:
    """The button ``data`` stands for; never raises (None, "" and non-strings are invalid)."""
    if not isinstance(data, str) or not data:
        return InvalidButton(data if isinstance(data, str) else "")
    if len(data.encode("utf-8", "surrogatepass")) > MAX_CALLBACK_BYTES:
        return InvalidButton(data)
    if match := _PAGE.fullmatch(data):
        return PageButton(ChatRef(int(match.group(1)), match.group(2)), int(match.group(3)))
    if match := _FEEDBACK.fullmatch(data):
        return FeedbackButton(ChatRef(int(match.group(1)), match.group(2)), match.group(3) == "+")
    if match := _PASSAGE.fullmatch(data):
        return PassageButton(match.group(1))
    if match := _DOCUMENT.fullmatch(data):
        return DocumentButton(ChatRef(int(match.group(1)), match.group(2)), match.group(3) == "+")
    return InvalidButton(data)


def _checked(data: str) -> str:
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:  # pragma: no cover - ruled out above
        raise ValueError(f"callback data {data!r} is longer than {MAX_CALLBACK_BYTES} bytes")
    return data
