"""References that buttons carry to stored things belonging to one chat.

Telegram clients can send any callback data they like, so a button that refers to
something stored (the answer to a question today; a document waiting for Add/Cancel,
later) must not trust a bare row id. It carries a ``ChatRef`` instead: the row's id and
a random token made when the row was stored and kept with it.

    ChatRef(12, "Sx0tWk3nQ2A")    "12.Sx0tWk3nQ2A"    inside "m:12.Sx0tWk3nQ2A:3"

The id finds the row; the token, which only that row's buttons ever carried, shows the
button is one we made for it; and the button must be pressed in the row's chat. A
changed id, a guessed token, a button replayed in another chat and a row stored before
tokens existed (no token) all fail the same check, ``ref.is_valid_for(row, chat_id=…)``.

The token is random, not derived from a secret (an HMAC), so replicas that share the
stored rows need no shared key, and a row's buttons can be revoked by changing its token.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Protocol

__all__ = ["PATTERN", "ChatOwned", "ChatRef", "new_token"]

TOKEN_BYTES = 8  # 64 random bits: 11 characters of URL-safe base64
MAX_ID = 10**15 - 1
# Also the shape accepted from callback data; "." and ":" are not in the token alphabet.
PATTERN = r"([0-9]{1,15})\.([A-Za-z0-9_-]{8,32})"  # ASCII digits only
_REF = re.compile(PATTERN)


def new_token() -> str:
    """A fresh unguessable token for a row that buttons will refer to."""
    return secrets.token_urlsafe(TOKEN_BYTES)


class ChatOwned(Protocol):
    """A stored row a ``ChatRef`` may name: its id, the chat it belongs to, its token."""

    @property
    def id(self) -> int: ...

    @property
    def chat_id(self) -> int: ...

    @property
    def token(self) -> str | None: ...  # None: stored before tokens existed


@dataclass(frozen=True, slots=True)
class ChatRef:
    """The id of a stored row and its token, as a button carries them."""

    id: int
    token: str

    def encode(self) -> str:
        text = f"{self.id}.{self.token}"
        if not 0 <= self.id <= MAX_ID or not _REF.fullmatch(text):
            raise ValueError(f"{self!r} does not fit in a button")
        return text

    @classmethod
    def parse(cls, text: str) -> ChatRef | None:
        """The reference ``text`` stands for, or None; never raises."""
        match = _REF.fullmatch(text)
        return cls(int(match.group(1)), match.group(2)) if match else None

    def is_valid_for(self, row: ChatOwned | None, *, chat_id: int | None) -> bool:
        """Whether this reference may act on ``row`` from a button pressed in ``chat_id``."""
        if row is None or row.id != self.id or row.token is None:
            return False
        if chat_id is None or row.chat_id != chat_id:
            return False
        # compare_digest: how long the comparison takes says nothing about the token
        return hmac.compare_digest(row.token.encode(), self.token.encode())
