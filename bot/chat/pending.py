"""Files waiting for an admin's Add or Cancel: in memory, bounded, expiring.

A file sent to the bot is read at once (``draft_document``) and its draft kept here
under a fresh id and random token, which its Add / Cancel buttons carry (``refs.py``).
A draft is taken out exactly once, by a press in its chat; after ``ttl`` seconds, when
``capacity`` newer ones push it out, or after a restart, its buttons have expired.
Nothing here is user data worth keeping: an admin just sends the file again.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from ..refresh import DocumentDraft
from .refs import ChatRef, new_token

__all__ = ["PendingDocument", "PendingDocuments"]

# A draft holds up to ARTICLE_MAX_CHARS of text: a few of them, for a few minutes.
DEFAULT_CAPACITY = 16
DEFAULT_TTL_SECONDS = 15 * 60


@dataclass(frozen=True, slots=True)
class PendingDocument:
    id: int
    chat_id: int
    user_id: int | None
    token: str
    draft: DocumentDraft
    stored_at: float


class PendingDocuments:
    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        ttl: float = DEFAULT_TTL_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.ttl = ttl
        self._clock = clock
        self._ids = itertools.count(1)
        self._rows: OrderedDict[int, PendingDocument] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._rows)

    def add(self, draft: DocumentDraft, *, chat_id: int, user_id: int | None) -> ChatRef:
        """Keeps ``draft`` for its buttons; the oldest goes when full."""
        row = PendingDocument(next(self._ids), chat_id, user_id, new_token(), draft, self._clock())
        with self._lock:
            self._expire()
            self._rows[row.id] = row
            while len(self._rows) > self.capacity:
                self._rows.popitem(last=False)
        return ChatRef(row.id, row.token)

    def find(self, ref: ChatRef, *, chat_id: int | None) -> PendingDocument | None:
        """The draft a button pressed in ``chat_id`` refers to; None when it may not."""
        with self._lock:
            self._expire()
            row = self._rows.get(ref.id)
        return row if ref.is_valid_for(row, chat_id=chat_id) else None

    def take(self, ref: ChatRef, *, chat_id: int | None) -> PendingDocument | None:
        """Like ``find``, and removes it: Add or Cancel acts once, however often pressed."""
        with self._lock:
            self._expire()
            row = self._rows.get(ref.id)
            if not ref.is_valid_for(row, chat_id=chat_id):
                return None
            del self._rows[ref.id]
        return row

    def put_back(self, row: PendingDocument) -> None:
        """Undoes ``take`` when the work could not start (a refresh was running)."""
        with self._lock:
            self._rows[row.id] = row
            self._rows = OrderedDict(sorted(self._rows.items()))  # ids follow stored_at

    def _expire(self) -> None:
        deadline = self._clock() - self.ttl
        while self._rows:
            oldest = next(iter(self._rows.values()))
            if oldest.stored_at > deadline:
                break
            self._rows.popitem(last=False)
