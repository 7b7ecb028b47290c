"""Button data: small dataclasses ↔ strings of at most 64 bytes.

Telegram gives a button 1-64 bytes of ``callback_data`` and sends them back when it is
pressed. Questions are stored in the history and referred to by their short numeric id,
never by their text (a Korean question would not fit, and it could contain the separator).

    PageButton(question_id=12, offset=3)    "m:12:3"   another page of results
    FeedbackButton(question_id=12, up=True) "f:12:+"   👍 / 👎
    PassageButton("f145e3cc02f9-03621c64")  "p:f145e3cc02f9-03621c64"   ◀ ▶ in a passage

Anything else (an old button from a previous version, a forged press) decodes to
``InvalidButton``, which the handlers answer with a polite "this button no longer works".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram.constants import InlineKeyboardButtonLimit

__all__ = [
    "MAX_CALLBACK_BYTES",
    "Button",
    "FeedbackButton",
    "InvalidButton",
    "PageButton",
    "PassageButton",
    "decode",
]

MAX_CALLBACK_BYTES: int = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA  # 64
_MAX_ID = 10**15
_PAGE = re.compile(r"m:(\d{1,15}):(\d{1,4})")
_FEEDBACK = re.compile(r"f:(\d{1,15}):([+-])")
_PASSAGE = re.compile(r"p:([A-Za-z0-9_-]{1,62})")


@dataclass(frozen=True, slots=True)
class PageButton:
    """Show the answer to a stored question from ``offset`` on, in the same message."""

    question_id: int
    offset: int

    def encode(self) -> str:
        return _checked(f"m:{_id(self.question_id)}:{_id(self.offset, 9999)}")

    @staticmethod
    def matches(data: object) -> bool:
        return isinstance(data, str) and isinstance(decode(data), PageButton)


@dataclass(frozen=True, slots=True)
class FeedbackButton:
    """👍 (``up``) or 👎 for the answer to a stored question."""

    question_id: int
    up: bool

    def encode(self) -> str:
        return _checked(f"f:{_id(self.question_id)}:{'+' if self.up else '-'}")

    @staticmethod
    def matches(data: object) -> bool:
        return isinstance(data, str) and isinstance(decode(data), FeedbackButton)


@dataclass(frozen=True, slots=True)
class PassageButton:
    """Show another passage (the previous or next one of an article) in the same message."""

    passage_id: str

    def encode(self) -> str:
        if not _PASSAGE.fullmatch(f"p:{self.passage_id}"):
            raise ValueError(f"passage id {self.passage_id!r} does not fit in a button")
        return _checked(f"p:{self.passage_id}")

    @staticmethod
    def matches(data: object) -> bool:
        return isinstance(data, str) and isinstance(decode(data), PassageButton)


@dataclass(frozen=True, slots=True)
class InvalidButton:
    """Data this version of the bot did not make."""

    data: str

    @staticmethod
    def matches(data: object) -> bool:
        return not isinstance(data, str) or isinstance(decode(data), InvalidButton)


Button = PageButton | FeedbackButton | PassageButton | InvalidButton


def decode(data: str) -> Button:
    """The button ``data`` stands for; never raises."""
    if len(data.encode("utf-8", "surrogatepass")) > MAX_CALLBACK_BYTES:
        return InvalidButton(data)
    if match := _PAGE.fullmatch(data):
        return PageButton(int(match.group(1)), int(match.group(2)))
    if match := _FEEDBACK.fullmatch(data):
        return FeedbackButton(int(match.group(1)), match.group(2) == "+")
    if match := _PASSAGE.fullmatch(data):
        return PassageButton(match.group(1))
    return InvalidButton(data)


def _id(number: int, limit: int = _MAX_ID - 1) -> str:
    if not 0 <= number <= limit:
        raise ValueError(f"{number} is out of range for a button (0-{limit})")
    return str(number)


def _checked(data: str) -> str:
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:  # pragma: no cover - ruled out above
        raise ValueError(f"callback data {data!r} is longer than {MAX_CALLBACK_BYTES} bytes")
    return data
