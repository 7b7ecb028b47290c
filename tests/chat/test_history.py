"""What only the SQLite history does: short ids, a versioned file migrated in place, a
damaged file moved aside, deleted rows zeroed in the file. The behaviour it shares with
the cluster's history is tested against both in ``test_chat_state.py``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.chat.history import HISTORY_FILE, SCHEMA_VERSION, FrequentQuestion, History, Stats
from bot.chat.refs import ChatRef
from bot.errors import HistoryTooNew


def test_questions_get_short_ids_and_can_be_read_back(tmp_path: Path) -> None:
    history = History.open(tmp_path)

    first = history.record_question(chat_id=-5, user_id=7, text="딥시크?", status="answered")
    second = history.record_question(chat_id=-5, user_id=None, text="날씨?", status="not_found")

    assert (first.id, second.id) == (1, 2)
    assert first.token != second.token
    stored = history.find_question(first, chat_id=-5)
    assert stored is not None and (stored.chat_id, stored.user_id, stored.text) == (
        -5,
        7,
        "딥시크?",
    )
    assert history.find_question(ChatRef(99, first.token), chat_id=-5) is None


def test_the_history_survives_a_restart(tmp_path: Path) -> None:
    ref = History.open(tmp_path).record_question(chat_id=1, user_id=1, text="q", status="answered")

    reopened = History.open(tmp_path)

    assert reopened.find_question(ref, chat_id=1) is not None  # its buttons still work
    assert reopened.record_question(chat_id=1, user_id=1, text="q2", status="answered").id == 2


# A history file as the bot wrote it before buttons carried tokens (schema version 0).
_VERSION_0 = """
CREATE TABLE questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL, user_id INTEGER,
    text TEXT NOT NULL, status TEXT NOT NULL, asked_at REAL NOT NULL
);
CREATE INDEX questions_status ON questions(status);
CREATE TABLE feedback (
    question_id INTEGER NOT NULL REFERENCES questions(id), user_id INTEGER NOT NULL,
    up INTEGER NOT NULL, at REAL NOT NULL, PRIMARY KEY (question_id, user_id)
);
INSERT INTO questions VALUES (1, 5, 5, '딥시크 비용', 'answered', 1.0);
INSERT INTO questions VALUES (2, 5, 5, '날씨 어때', 'not_found', 2.0);
INSERT INTO feedback VALUES (1, 5, 1, 3.0);
"""


def _write_version_0(path: Path) -> None:
    db = sqlite3.connect(path)
    db.executescript(_VERSION_0)
    db.close()


def test_a_history_from_before_tokens_is_migrated_without_losing_anything(
    tmp_path: Path,
) -> None:
    path = tmp_path / "chat_history.sqlite"
    _write_version_0(path)

    history = History(path)

    rows = history._db.execute("SELECT id, chat_id, text, token FROM questions").fetchall()
    assert rows == [(1, 5, "딥시크 비용", None), (2, 5, "날씨 어때", None)]
    assert history.stats() == Stats(2, 1, 1, 1, 0, (FrequentQuestion("날씨 어때", 1),))
    new = history.record_question(chat_id=5, user_id=5, text="새 질문", status="answered")
    assert new.id == 3 and history.find_question(new, chat_id=5) is not None
    history.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    db.close()


@pytest.mark.parametrize("token", ["", "AAAAAAAAAAA", "None"])
def test_old_questions_buttons_have_expired(tmp_path: Path, token: str) -> None:
    path = tmp_path / "h.sqlite"
    _write_version_0(path)
    history = History(path)

    guessed = ChatRef(1, token)

    assert history.find_question(guessed, chat_id=5) is None
    assert not history.record_feedback(guessed, chat_id=5, user_id=6, up=False)
    assert history.stats().feedback_down == 0


def test_opening_a_migrated_history_again_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    _write_version_0(path)
    History(path).close()

    reopened = History(path)

    assert reopened.stats().asked == 2
    assert reopened.record_question(chat_id=1, user_id=1, text="q", status="answered").id == 3


def test_a_history_from_a_newer_bot_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    _write_version_0(path)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    before = path.read_bytes()

    with pytest.raises(HistoryTooNew, match="newer version of the bot"):
        History(path)

    assert path.read_bytes() == before


def test_a_damaged_history_is_moved_aside_and_a_new_one_started(tmp_path, caplog):
    damaged = b"this is not an SQLite database" * 100
    (tmp_path / HISTORY_FILE).write_bytes(damaged)
    with caplog.at_level("ERROR"):
        history = History.open(tmp_path)
    assert history.stats().asked == 0
    history.record_question(chat_id=1, user_id=1, text="q", status="answered")
    assert History.open(tmp_path).stats().asked == 1
    kept = list(tmp_path.glob(f"{HISTORY_FILE}.broken-*"))
    assert [p.read_bytes() for p in kept] == [damaged]
    assert "COULD NOT BE OPENED" in caplog.text


class Clock:
    """A settable time source (seconds since the epoch)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


DAY = 86_400.0


def test_questions_older_than_the_retention_are_deleted_with_their_votes_at_start(
    tmp_path: Path,
) -> None:
    path = tmp_path / HISTORY_FILE
    clock = Clock()
    kept_forever = History(path, clock=clock)
    old = kept_forever.record_question(chat_id=1, user_id=2, text="옛 질문", status="not_found")
    assert kept_forever.record_feedback(old, chat_id=1, user_id=3, up=False)
    clock.now += 29 * DAY
    recent = kept_forever.record_question(chat_id=1, user_id=2, text="새 질문", status="answered")
    assert kept_forever.record_feedback(recent, chat_id=1, user_id=3, up=True)
    kept_forever.close()
    clock.now += 2 * DAY  # the old one is 31 days old, the recent one 2

    history = History(path, retention_days=30, clock=clock)

    assert history.find_question(old, chat_id=1) is None  # its buttons have expired
    assert history.find_question(recent, chat_id=1) is not None
    assert history.stats() == Stats(1, 1, 0, 1, 0, ())
    assert history._db.execute("SELECT COUNT(*) FROM feedback").fetchone() == (1,)
    # Some SQLite builds zero freed pages by default, others don't: the bot asks for it.
    assert history._db.execute("PRAGMA secure_delete").fetchone() == (1,)
    history.close()
    assert "옛 질문".encode() not in path.read_bytes()  # zeroed, not just unlinked


def test_the_bot_opens_its_history_with_the_retention_setting(tmp_path: Path, service) -> None:
    from bot.chat.app import SERVICES_KEY, build_application
    from bot.settings import Settings

    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0",
            "HISTORY_RETENTION_DAYS": "90",
            "DATA_DIR": str(tmp_path),
        }
    )
    application = build_application(settings, service)
    history = application.bot_data[SERVICES_KEY].history
    assert history.path == tmp_path / HISTORY_FILE
    assert history._retention_seconds == 90 * DAY
    history.close()


def test_a_history_locked_by_another_process_is_an_error_never_moved_aside(tmp_path):
    path = tmp_path / HISTORY_FILE
    History(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process is migrating or writing it
    original = sqlite3.connect

    def impatient(*args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["timeout"] = 0  # fail at once instead of waiting five seconds
        return original(*args, **kwargs)

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sqlite3, "connect", impatient)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                History.open(tmp_path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [p.name for p in tmp_path.iterdir() if ".broken-" in p.name] == []
    assert History.open(tmp_path).stats().asked == 0  # the same file, still usable
