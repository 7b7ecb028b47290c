"""What was asked and what people thought of the answers, in SQLite under DATA_DIR.

A question gets a short numeric id when it is answered; the answer's buttons carry
that id (``m:<id>:<offset>``, ``f:<id>:+``), and /stats counts the rows.

    questions(id, chat_id, user_id, text, status, asked_at)
    feedback(question_id, user_id, up, at)      one vote per person and answer

The methods are synchronous and thread-safe (one connection behind a lock); the
handlers call them with ``asyncio.to_thread`` so the event loop never waits on disk.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FrequentQuestion", "History", "Question", "Stats"]

HISTORY_FILE = "chat_history.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    user_id INTEGER,
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    asked_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_status ON questions(status);
CREATE TABLE IF NOT EXISTS feedback (
    question_id INTEGER NOT NULL REFERENCES questions(id),
    user_id INTEGER NOT NULL,
    up INTEGER NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (question_id, user_id)
);
"""
_ANSWERED = "answered"


@dataclass(frozen=True, slots=True)
class Question:
    id: int
    chat_id: int
    user_id: int | None
    text: str
    status: str
    asked_at: float


@dataclass(frozen=True, slots=True)
class FrequentQuestion:
    text: str
    count: int


@dataclass(frozen=True, slots=True)
class Stats:
    asked: int
    answered: int
    not_found: int  # every status but "answered": not found, no words, too long…
    feedback_up: int
    feedback_down: int
    unanswered: tuple[FrequentQuestion, ...]  # the most frequent first


class History:
    """The questions and feedback of every chat; ``History.open(data_dir)`` or ``History(path)``."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    @classmethod
    def open(cls, data_dir: Path) -> History:
        return cls(Path(data_dir) / HISTORY_FILE)

    def record_question(self, *, chat_id: int, user_id: int | None, text: str, status: str) -> int:
        """Stores a question and how it was answered; returns its id for the buttons."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO questions (chat_id, user_id, text, status, asked_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (chat_id, user_id, text, status, time.time()),
            )
        return int(cursor.lastrowid or 0)

    def question(self, question_id: int) -> Question | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, chat_id, user_id, text, status, asked_at FROM questions WHERE id = ?",
                (question_id,),
            ).fetchone()
        return Question(*row) if row else None

    def record_feedback(self, question_id: int, user_id: int, *, up: bool) -> bool:
        """Stores (or changes) one person's vote; False when the question is unknown."""
        with self._lock:
            if not self._db.execute(
                "SELECT 1 FROM questions WHERE id = ?", (question_id,)
            ).fetchone():
                return False
            self._db.execute(
                "INSERT INTO feedback (question_id, user_id, up, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (question_id, user_id)"
                " DO UPDATE SET up = excluded.up, at = excluded.at",
                (question_id, user_id, int(up), time.time()),
            )
        return True

    def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its questions now belong to the new chat id."""
        with self._lock:
            self._db.execute(
                "UPDATE questions SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
            )

    def stats(self, *, top: int = 5) -> Stats:
        with self._lock:
            asked, answered = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(status = ?), 0) FROM questions", (_ANSWERED,)
            ).fetchone()
            up, down = self._db.execute(
                "SELECT COALESCE(SUM(up = 1), 0), COALESCE(SUM(up = 0), 0) FROM feedback"
            ).fetchone()
            rows = self._db.execute(
                "SELECT MIN(text), COUNT(*) AS n FROM questions WHERE status != ?"
                " GROUP BY lower(trim(text)) ORDER BY n DESC, MAX(asked_at) DESC LIMIT ?",
                (_ANSWERED, top),
            ).fetchall()
        return Stats(
            asked=asked,
            answered=answered,
            not_found=asked - answered,
            feedback_up=up,
            feedback_down=down,
            unanswered=tuple(FrequentQuestion(text, count) for text, count in rows),
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()
