"""What was asked and what people thought of the answers, in SQLite under DATA_DIR.

A question gets a short numeric id and a random token when it is answered; the
answer's buttons carry both (a ``ChatRef``: ``m:<id>.<token>:<offset>``), and a button
counts only when pressed in the question's chat with the question's token (``refs.py``).
/stats counts the rows.

    questions(id, chat_id, user_id, text, status, asked_at, token,
              message_id, passages, followup_of, parent_id)
    feedback(question_id, user_id, up, at)      one vote per person and answer

A question also keeps what a follow-up needs (``replied_question``, ``last_question``):
the id of the bot's reply (``message_id``), the passages it quoted, and, for a
follow-up, the question it was taken as following (``followup_of``) and that
question's row (``parent_id``, so "more results" pages through the same answer).

This is user data, not derived state: the schema is versioned (``PRAGMA user_version``)
and an older file is migrated in place, in one transaction, never recreated. Questions
stored before tokens existed keep a NULL token: their old buttons have simply expired.
A file written by a newer version of the bot is refused, never downgraded.

Retention (HISTORY_RETENTION_DAYS): questions older than that are deleted, with their
votes, when the history is opened and then at most once an hour, by the next question
recorded (a DELETE over an index: no timer, no thread). With ``secure_delete`` the
freed pages are zeroed rather than left readable in the file.

The methods are synchronous and thread-safe (one connection behind a lock); the
handlers call them with ``asyncio.to_thread`` so the event loop never waits on disk.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..answers import Turn
from ..errors import HistoryTooNew

# Not derived state, but the same careful move: the damaged file is kept for inspection.
from ..search.derived import SQLITE_COMPANIONS, damaged, move_aside
from .refs import ChatRef, new_token

__all__ = ["ChatHistory", "FrequentQuestion", "History", "Question", "Stats"]

HISTORY_FILE = "chat_history.sqlite"

log = logging.getLogger(__name__)
# Version 0: the first schema (files from before versioning are version 0 too).
_SCHEMA_V0 = (
    """CREATE TABLE IF NOT EXISTS questions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        chat_id INTEGER NOT NULL,
        user_id INTEGER,
        text TEXT NOT NULL,
        status TEXT NOT NULL,
        asked_at REAL NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS questions_status ON questions(status)",
    """CREATE TABLE IF NOT EXISTS feedback (
        question_id INTEGER NOT NULL REFERENCES questions(id),
        user_id INTEGER NOT NULL,
        up INTEGER NOT NULL,
        at REAL NOT NULL,
        PRIMARY KEY (question_id, user_id)
    )""",
)
# _MIGRATIONS[n] takes a version-n file to version n + 1; append, never edit.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    ("ALTER TABLE questions ADD COLUMN token TEXT",),  # 0 → 1: buttons carry a token
    (  # 1 → 2: follow-ups keep the context
        "ALTER TABLE questions ADD COLUMN message_id INTEGER",
        "ALTER TABLE questions ADD COLUMN passages TEXT",
        "ALTER TABLE questions ADD COLUMN followup_of TEXT",
        "ALTER TABLE questions ADD COLUMN parent_id INTEGER",
        "CREATE INDEX IF NOT EXISTS questions_chat ON questions(chat_id, message_id)",
    ),
    # 2 → 3: retention deletes by age
    ("CREATE INDEX IF NOT EXISTS questions_asked_at ON questions(asked_at)",),
)
SCHEMA_VERSION = len(_MIGRATIONS)
_QUESTION_COLUMNS = (
    "id, chat_id, user_id, text, status, asked_at, token, message_id, passages, followup_of,"
    " parent_id"
)
_ANSWERED = "answered"
# Asked while the search service was down: neither answered nor a gap in the articles.
_UNAVAILABLE = "unavailable"
DAY_SECONDS = 86_400.0
# How often a running bot deletes what passed the retention period (at the next question).
PRUNE_EVERY_SECONDS = 3_600.0


@dataclass(frozen=True, slots=True)
class Question:
    id: int
    chat_id: int
    user_id: int | None
    text: str
    status: str
    asked_at: float
    token: str | None = None  # None: asked before buttons carried tokens
    message_id: int | None = None  # the bot's reply
    passages: str | None = None  # the ids of the passages it quoted, space-separated
    followup_of: str | None = None  # the earlier question it was taken as following
    parent_id: int | None = None  # that question's row

    @property
    def turn(self) -> Turn | None:
        """The context this question's answer gives a follow-up; None if it quoted nothing."""
        if self.status != _ANSWERED:
            return None
        return Turn(self.followup_of or self.text, tuple((self.passages or "").split()))


@dataclass(frozen=True, slots=True)
class FrequentQuestion:
    text: str
    count: int


@dataclass(frozen=True, slots=True)
class Stats:
    asked: int
    answered: int
    not_found: int  # every status but "answered" and "unavailable": not found, no words…
    feedback_up: int
    feedback_down: int
    unanswered: tuple[FrequentQuestion, ...]  # the most frequent first


class ChatHistory(Protocol):
    """The chat state the Telegram layer reads and writes: questions (what buttons refer
    to, with their owner's chat), 👍/👎 votes, follow-up context, and /stats.

    ``History`` keeps it in SQLite under DATA_DIR (one process); ``ClusterHistory``
    (``cluster_history.py``) in the OpenSearch cluster, shared by every replica using
    it. Synchronous: the handlers call it with ``asyncio.to_thread``. The cluster's
    methods raise ``SearchUnavailable`` when it can't be reached; the handlers then
    degrade (``handlers.py``).
    """

    def record_question(
        self,
        *,
        chat_id: int,
        user_id: int | None,
        text: str,
        status: str,
        passages: Sequence[str] = (),
        followup_of: str | None = None,
        parent_id: int | None = None,
    ) -> ChatRef: ...

    def note_reply(self, ref: ChatRef, message_id: int) -> None: ...

    def replied_question(
        self, chat_id: int, message_id: int, *, max_age: float
    ) -> Question | None: ...

    def last_question(self, chat_id: int, *, max_age: float) -> Question | None: ...

    def question(self, question_id: int) -> Question | None: ...

    def find_question(self, ref: ChatRef, *, chat_id: int | None) -> Question | None: ...

    def record_feedback(
        self, ref: ChatRef, *, chat_id: int | None, user_id: int, up: bool
    ) -> bool: ...

    def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None: ...

    def prune(self) -> int: ...

    def stats(self, *, top: int = 5) -> Stats: ...

    def close(self) -> None: ...


class History:
    """The questions and feedback of every chat; ``History.open(data_dir)`` or ``History(path)``.

    ``retention_days`` > 0 deletes questions (and their votes) older than that many days;
    ``clock`` is the time source (seconds since the epoch), for the tests.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        retention_days: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self._retention_seconds = retention_days * DAY_SECONDS
        self.clock = clock  # when questions are asked (tests move it)
        self._pruned_at = float("-inf")
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        try:
            self._refuse_newer()  # before WAL mode, which would rewrite the file's header
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA secure_delete=ON")  # retention means gone from the file
            self._migrate()
            self.prune()
        except BaseException:
            self._db.close()
            raise

    @classmethod
    def open(cls, data_dir: Path, *, retention_days: int = 0) -> History:
        """The history in ``data_dir``. A file that isn't a database any more (damaged)
        is moved aside, kept, and a new history is started; one written by a newer bot
        is never touched (``HistoryTooNew``)."""
        path = Path(data_dir) / HISTORY_FILE
        try:
            return cls(path, retention_days=retention_days)
        except sqlite3.DatabaseError as error:
            if not damaged(error):  # locked, read-only, I/O: say so, never start afresh
                raise
            aside = move_aside(
                path, "chat history", error, SQLITE_COMPANIONS, then="a new one is started"
            )
            log.error(
                "THE CHAT HISTORY %s COULD NOT BE OPENED (%s): it was moved to %s and a new, "
                "empty one started; /stats and votes start from zero",
                path,
                error,
                aside,
            )
            return cls(path, retention_days=retention_days)

    def _migrate(self) -> None:
        """Brings the file to SCHEMA_VERSION; BEGIN IMMEDIATE: one process migrates at a time."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                version = self._refuse_newer()  # again: another process may have upgraded it
                for statement in _SCHEMA_V0 if version == 0 else ():
                    self._db.execute(statement)
                for steps in _MIGRATIONS[version:]:
                    for statement in steps:
                        self._db.execute(statement)
                # a literal: PRAGMA takes no parameters (SCHEMA_VERSION is ours, an int)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _refuse_newer(self) -> int:
        """The file's schema version; raises HistoryTooNew when it is newer than ours."""
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise HistoryTooNew(
                f"{self.path} was written by a newer version of the bot (history schema "
                f"{version}, this version knows {SCHEMA_VERSION}): upgrade the bot, or set "
                "DATA_DIR to another folder; the file was left as it is"
            )
        return version

    def record_question(
        self,
        *,
        chat_id: int,
        user_id: int | None,
        text: str,
        status: str,
        passages: Sequence[str] = (),
        followup_of: str | None = None,
        parent_id: int | None = None,
    ) -> ChatRef:
        """Stores a question and how it was answered; returns the reference for its buttons."""
        token = new_token()
        now = self.clock()
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO questions (chat_id, user_id, text, status, asked_at, token,"
                " passages, followup_of, parent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    chat_id,
                    user_id,
                    text,
                    status,
                    now,
                    token,
                    " ".join(passages),
                    followup_of,
                    parent_id,
                ),
            )
        if now - self._pruned_at >= PRUNE_EVERY_SECONDS:
            self.prune()
        return ChatRef(int(cursor.lastrowid or 0), token)

    def note_reply(self, ref: ChatRef, message_id: int) -> None:
        """The bot's reply to a question was sent as ``message_id`` (replies to it follow up)."""
        with self._lock:
            self._db.execute(
                "UPDATE questions SET message_id = ? WHERE id = ?", (message_id, ref.id)
            )

    def replied_question(self, chat_id: int, message_id: int, *, max_age: float) -> Question | None:
        """The question the bot's message ``message_id`` in ``chat_id`` answered, if it was
        asked within ``max_age`` seconds."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {_QUESTION_COLUMNS} FROM questions"
                " WHERE chat_id = ? AND message_id = ? AND asked_at >= ?"
                " ORDER BY id DESC LIMIT 1",
                (chat_id, message_id, self.clock() - max_age),
            ).fetchone()
        return Question(*row) if row else None

    def last_question(self, chat_id: int, *, max_age: float) -> Question | None:
        """The chat's last question, if it was asked within ``max_age`` seconds."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {_QUESTION_COLUMNS} FROM questions"
                " WHERE chat_id = ? AND asked_at >= ? ORDER BY id DESC LIMIT 1",
                (chat_id, self.clock() - max_age),
            ).fetchone()
        return Question(*row) if row else None

    def question(self, question_id: int) -> Question | None:
        """A stored question by id (the earlier question of a follow-up being paged)."""
        with self._lock:
            return self._question(question_id)

    def prune(self) -> int:
        """Deletes the questions older than the retention period, and their votes;
        returns how many questions were deleted (always 0 when everything is kept)."""
        now = self.clock()
        self._pruned_at = now
        if self._retention_seconds <= 0:
            return 0
        cutoff = now - self._retention_seconds
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "DELETE FROM feedback WHERE question_id IN"
                    " (SELECT id FROM questions WHERE asked_at < ?)",
                    (cutoff,),
                )
                deleted = self._db.execute(
                    "DELETE FROM questions WHERE asked_at < ?", (cutoff,)
                ).rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        if deleted:
            log.info("chat history: deleted %d questions older than the retention", deleted)
        return int(deleted)

    def find_question(self, ref: ChatRef, *, chat_id: int | None) -> Question | None:
        """The question a button pressed in ``chat_id`` refers to; None when it may not."""
        with self._lock:
            question = self._question(ref.id)
        return question if ref.is_valid_for(question, chat_id=chat_id) else None

    def record_feedback(self, ref: ChatRef, *, chat_id: int | None, user_id: int, up: bool) -> bool:
        """Stores (or changes) one person's vote; False when the button may not vote.

        One vote per person and question: a second press replaces the first.
        """
        with self._lock:
            if not ref.is_valid_for(self._question(ref.id), chat_id=chat_id):
                return False
            self._db.execute(
                "INSERT INTO feedback (question_id, user_id, up, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (question_id, user_id)"
                " DO UPDATE SET up = excluded.up, at = excluded.at",
                (ref.id, user_id, int(up), self.clock()),
            )
        return True

    def _question(self, question_id: int) -> Question | None:
        row = self._db.execute(
            f"SELECT {_QUESTION_COLUMNS} FROM questions WHERE id = ?", (question_id,)
        ).fetchone()
        return Question(*row) if row else None

    def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its questions now belong to the new chat id."""
        with self._lock:
            self._db.execute(
                "UPDATE questions SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
            )

    def stats(self, *, top: int = 5) -> Stats:
        with self._lock:
            asked, answered, unavailable = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(status = ?), 0), COALESCE(SUM(status = ?), 0)"
                " FROM questions",
                (_ANSWERED, _UNAVAILABLE),
            ).fetchone()
            up, down = self._db.execute(
                "SELECT COALESCE(SUM(up = 1), 0), COALESCE(SUM(up = 0), 0) FROM feedback"
            ).fetchone()
            rows = self._db.execute(
                "SELECT MIN(text), COUNT(*) AS n FROM questions WHERE status NOT IN (?, ?)"
                " GROUP BY lower(trim(text)) ORDER BY n DESC, MAX(asked_at) DESC LIMIT ?",
                (_ANSWERED, _UNAVAILABLE, top),
            ).fetchall()
        return Stats(
            asked=asked,
            answered=answered,
            not_found=asked - answered - unavailable,
            feedback_up=up,
            feedback_down=down,
            unanswered=tuple(FrequentQuestion(text, count) for text, count in rows),
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()
