"""Analyzed passages, cached on disk by (analyzer version, title, text).

Tokenizing Korean is the slow part of indexing (tens of thousands of characters
a second per core); a passage whose text did not change is never analyzed twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from .derived import SQLITE_COMPANIONS, move_aside
from .engine import TermBag

__all__ = ["TokenCache", "cache_key"]


def cache_key(version: str, title: str, text: str) -> str:
    data = f"{version}\0{title}\0{text}".encode()
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class TokenCache:
    """A SQLite key → term-bag table; ``TokenCache(None)`` keeps it in memory.

    A cache file that can't be read (not a database, or damaged inside) is moved
    aside and started afresh: it only saves analysis, so losing it costs time only.
    """

    def __init__(self, path: Path | None) -> None:
        self._path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._db = _connect(path)
        except sqlite3.DatabaseError as error:
            self._db = self._start_afresh(error)

    def get_many(self, keys: Iterable[str]) -> dict[str, TermBag]:
        found: dict[str, TermBag] = {}
        keys = list(keys)
        with self._lock:
            try:
                for start in range(0, len(keys), 500):
                    chunk = keys[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    query = f"SELECT key, bag FROM bags WHERE key IN ({marks})"
                    for key, bag in self._db.execute(query, chunk):
                        with contextlib.suppress(ValueError):  # a bad row is a miss
                            found[key] = json.loads(bag)
            except sqlite3.DatabaseError as error:
                self._db = self._start_afresh(error)
                return {}
        return found

    def put_many(self, items: Mapping[str, TermBag]) -> None:
        rows = [(key, json.dumps(bag, ensure_ascii=False)) for key, bag in items.items()]
        with self._lock:
            try:
                with self._db:
                    self._db.executemany("INSERT OR REPLACE INTO bags VALUES (?, ?)", rows)
            except sqlite3.DatabaseError as error:
                self._db = self._start_afresh(error)

    def _start_afresh(self, error: sqlite3.DatabaseError) -> sqlite3.Connection:
        if self._path is None:
            raise error
        with contextlib.suppress(AttributeError, sqlite3.Error):
            self._db.close()
        move_aside(self._path, "the token cache", error, SQLITE_COMPANIONS)
        return _connect(self._path)

    def close(self) -> None:
        self._db.close()


def _connect(path: Path | None) -> sqlite3.Connection:
    """The cache's database, checked by one read (a damaged file fails here, not later)."""
    db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS bags (key TEXT PRIMARY KEY, bag TEXT NOT NULL)")
        db.execute("SELECT key, bag FROM bags LIMIT 1").fetchall()
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db
