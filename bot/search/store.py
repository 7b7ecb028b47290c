"""Passages and article metadata in SQLite, so memory does not grow with the corpus.

    meta(key, value)                       analyzer version, engine, fingerprints, state
    articles(id, position, digest, meta, file_name, file_identity, cut_kept, cut_total)
                                           one row per article: its metadata, no body, and
                                           the corpus file it was read from (its name, its
                                           identity, how it was cut to ARTICLE_MAX_CHARS)
    passages(id, article_id, ordinal, text, cache_key, terms)

``terms`` holds a passage's word terms and their spans (what excerpts and the
relevance check need), so looking a passage up never needs Kiwi. Readers use their
own connection (WAL): a write transaction is invisible to them until it commits,
all at once.

``state`` is ``dirty`` from just before the search engine is changed until the
store's own transaction commits: a store found dirty at start-up may disagree with
the engine (the process died in between), and is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, TypeVar

from ..corpus import Article, KnownFile, Passage
from ..corpus.limits import Truncation
from .analyzer import SPANS
from .engine import TermBag

__all__ = ["PassageStore", "article_digest"]

_SCHEMA_VERSION = "1"
_CHUNK = 500
_T = TypeVar("_T")


def article_digest(article: Article) -> str:
    """Changes whenever anything indexed or shown of the article changes."""
    data = json.dumps([getattr(article, f.name) for f in fields(Article)], ensure_ascii=False)
    return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


def _metadata(article: Article) -> str:
    values = asdict(article)
    values.pop("body")
    return json.dumps(values, ensure_ascii=False)


# Where an article was read from, as plain columns: a refresh with nothing changed reads
# them back for every article, on top of its metadata (one JSON parse each).
_FILE_COLUMNS = {
    "file_name": "TEXT NOT NULL DEFAULT ''",
    "file_identity": "TEXT NOT NULL DEFAULT ''",
    "cut_kept": "INTEGER NOT NULL DEFAULT 0",
    "cut_total": "INTEGER NOT NULL DEFAULT 0",
}


def _file(known: KnownFile | None) -> tuple[str, str, int, int]:
    if known is None:
        return ("", "", 0, 0)
    cut = known.cut
    return (known.name, known.identity, cut.kept if cut else 0, cut.total if cut else 0)


class PassageStore:
    """The passages of the indexed corpus, on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write = self._connect()
        self._read = self._connect()
        self._read_lock = threading.Lock()
        if self.meta("schema") not in (None, _SCHEMA_VERSION):
            self.clear()
        with self._write:
            self._write.executescript(
                """
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS articles (
                    id TEXT PRIMARY KEY, position INTEGER NOT NULL,
                    digest TEXT NOT NULL, meta TEXT NOT NULL,
                    file_name TEXT NOT NULL DEFAULT '', file_identity TEXT NOT NULL DEFAULT '',
                    cut_kept INTEGER NOT NULL DEFAULT 0, cut_total INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE IF NOT EXISTS passages (
                    id TEXT PRIMARY KEY, article_id TEXT NOT NULL, ordinal INTEGER NOT NULL,
                    text TEXT NOT NULL, cache_key TEXT NOT NULL, terms TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS passages_by_article ON passages (article_id, ordinal);
                CREATE INDEX IF NOT EXISTS articles_in_order ON articles (position);
                """
            )
            columns = {row[1] for row in self._write.execute("PRAGMA table_info(articles)")}
            for column, kind in _FILE_COLUMNS.items():  # made before files were recorded
                if column not in columns:
                    self._write.execute(f"ALTER TABLE articles ADD COLUMN {column} {kind}")
            self._write.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (_SCHEMA_VERSION,)
            )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    # -- reading (any thread) -------------------------------------------------------

    def _query(self, sql: str, args: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._read_lock:
            return self._read.execute(sql, args).fetchall()

    def meta(self, key: str) -> str | None:
        try:
            rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        except sqlite3.OperationalError:  # no table yet
            return None
        return rows[0][0] if rows else None

    @property
    def size(self) -> int:
        """Passages stored (as counted at the last commit: no scan of the table)."""
        count = self.meta("count")
        return int(count) if count is not None else self.count()

    def count(self) -> int:
        count: int = self._query("SELECT COUNT(*) FROM passages")[0][0]
        return count

    def articles(self, limit: int = -1) -> list[Article]:
        rows = self._query("SELECT meta FROM articles ORDER BY position LIMIT ?", (limit,))
        return [Article(body="", **json.loads(meta)) for (meta,) in rows]

    def article(self, article_id: str) -> Article | None:
        rows = self._query("SELECT meta FROM articles WHERE id = ?", (article_id,))
        return Article(body="", **json.loads(rows[0][0])) if rows else None

    def digests(self) -> dict[str, str]:
        return dict(self._query("SELECT id, digest FROM articles"))

    def positions(self) -> dict[str, int]:
        """Each article's place in the corpus order, as stored."""
        return dict(self._query("SELECT id, position FROM articles"))

    def known_files(self) -> dict[str, KnownFile]:
        """The corpus files the articles were read from, by file name."""
        known: dict[str, KnownFile] = {}
        rows = self._query(
            "SELECT meta, file_name, file_identity, cut_kept, cut_total FROM articles"
            " WHERE file_name != ''"
        )
        for meta, name, identity, kept, total in rows:
            article = Article(body="", **json.loads(meta))
            cut = Truncation(article.title, name, kept, total) if total else None
            known[name] = KnownFile(name, identity, article, cut)
        return known

    def passage(self, passage_id: str) -> Passage | None:
        rows = self._query(
            "SELECT id, article_id, ordinal, text FROM passages WHERE id = ?", (passage_id,)
        )
        return Passage(*rows[0]) if rows else None

    def at(self, article_id: str, ordinal: int) -> Passage | None:
        rows = self._query(
            "SELECT id, article_id, ordinal, text FROM passages"
            " WHERE article_id = ? AND ordinal = ?",
            (article_id, ordinal),
        )
        return Passage(*rows[0]) if rows else None

    def article_passages(self, article_id: str, limit: int = -1) -> list[Passage]:
        rows = self._query(
            "SELECT id, article_id, ordinal, text FROM passages"
            " WHERE article_id = ? ORDER BY ordinal LIMIT ?",
            (article_id, limit),
        )
        return [Passage(*row) for row in rows]

    def passages_with_terms(self, ids: Sequence[str]) -> dict[str, tuple[Passage, TermBag]]:
        """Several passages and their analyzed terms in one query (a page of search hits)."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._query(
            f"SELECT id, article_id, ordinal, text, terms FROM passages WHERE id IN ({marks})",
            list(ids),
        )
        return {row[0]: (Passage(*row[:4]), json.loads(row[4])) for row in rows}

    def texts(self, batch: int = 1000) -> Iterator[list[tuple[str, str, str]]]:
        """Every passage's (id, its article's title, text), in batches of ``batch``, by id."""
        after = ""
        while rows := self._query(
            "SELECT p.id, coalesce(json_extract(a.meta, '$.title'), ''), p.text"
            " FROM passages p LEFT JOIN articles a ON a.id = p.article_id"
            " WHERE p.id > ? ORDER BY p.id LIMIT ?",
            (after, batch),
        ):
            yield [(pid, title, text) for pid, title, text in rows]
            after = rows[-1][0]

    def cache_keys(self, batch: int = 5000) -> Iterator[list[tuple[str, str]]]:
        """Every passage's (id, token cache key), in batches, by id."""
        after = ""
        while rows := self._query(
            "SELECT id, cache_key FROM passages WHERE id > ? ORDER BY id LIMIT ?", (after, batch)
        ):
            yield [(pid, key) for pid, key in rows]
            after = rows[-1][0]

    def terms(self, passage_id: str) -> TermBag | None:
        rows = self._query("SELECT terms FROM passages WHERE id = ?", (passage_id,))
        return json.loads(rows[0][0]) if rows else None

    def passage_ids(self, article_id: str) -> list[str]:
        rows = self._query("SELECT id FROM passages WHERE article_id = ?", (article_id,))
        return [row[0] for row in rows]

    # -- writing (one writer at a time) -----------------------------------------------

    def set_meta(self, values: Mapping[str, str]) -> None:
        with self._write:
            self._write.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", values.items())

    def set_meta_in_transaction(self, values: Mapping[str, str]) -> None:
        """``values``, and the passage count as of this transaction."""
        (count,) = self._write.execute("SELECT COUNT(*) FROM passages").fetchone()
        rows = [*values.items(), ("count", str(count))]
        self._write.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", rows)

    def begin(self) -> None:
        self._write.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self._write.execute("COMMIT")

    def rollback(self) -> None:
        if self._write.in_transaction:
            self._write.execute("ROLLBACK")

    def remove_articles(self, article_ids: Iterable[str]) -> None:
        ids = [(i,) for i in article_ids]
        self._write.executemany("DELETE FROM passages WHERE article_id = ?", ids)
        self._write.executemany("DELETE FROM articles WHERE id = ?", ids)

    def put_articles(
        self, articles: Iterable[tuple[Article, str]], files: Mapping[str, KnownFile]
    ) -> None:
        """Every article of the corpus in order, with its digest and its file, if known."""
        self._write.executemany(
            "INSERT OR REPLACE INTO articles (id, position, digest, meta, file_name,"
            " file_identity, cut_kept, cut_total) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (a.id, n, digest, _metadata(a), *_file(files.get(a.id)))
                for n, (a, digest) in enumerate(articles)
            ),
        )

    def put_passages(self, rows: Iterable[tuple[Passage, str, TermBag]]) -> None:
        self._write.executemany(
            "INSERT OR REPLACE INTO passages VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    p.id,
                    p.article_id,
                    p.ordinal,
                    p.text,
                    key,
                    json.dumps({"word": bag.get("word", []), SPANS: bag.get(SPANS, [])}),
                )
                for p, key, bag in rows
            ),
        )

    def clear(self) -> None:
        with self._write:
            for table in ("meta", "articles", "passages"):
                self._write.execute(f"DROP TABLE IF EXISTS {table}")

    def close(self) -> None:
        self._write.close()
        self._read.close()


def chunks(items: Sequence[_T], size: int = _CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
