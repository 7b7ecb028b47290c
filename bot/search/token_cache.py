"""Analyzed passages, cached on disk by (analyzer version, title, text).

Tokenizing Korean is the slow part of indexing (tens of thousands of characters
a second per core); a passage whose text did not change is never analyzed twice.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from .engine import TermBag

__all__ = ["TokenCache", "cache_key"]


def cache_key(version: str, title: str, text: str) -> str:
    data = f"{version}\0{title}\0{text}".encode()
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class TokenCache:
    """A SQLite key → term-bag table; ``TokenCache(None)`` keeps it in memory."""

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS bags (key TEXT PRIMARY KEY, bag TEXT NOT NULL)"
        )
        self._lock = threading.Lock()

    def get_many(self, keys: Iterable[str]) -> dict[str, TermBag]:
        found: dict[str, TermBag] = {}
        keys = list(keys)
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(f"SELECT key, bag FROM bags WHERE key IN ({marks})", chunk)
                found.update((key, json.loads(bag)) for key, bag in rows)
        return found

    def put_many(self, items: Mapping[str, TermBag]) -> None:
        rows = [(key, json.dumps(bag, ensure_ascii=False)) for key, bag in items.items()]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO bags VALUES (?, ?)", rows)

    def close(self) -> None:
        self._db.close()
