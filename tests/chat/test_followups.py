"""What the Telegram front end keeps and shows for follow-ups: the history's turns (which
expire), the context of a page of a follow-up, and the "이어서" line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot import AnswerService
from bot.answers import Answer, AnswerStatus, Turn
from bot.chat import render
from bot.chat.followups import Earlier, record_fields
from bot.chat.history import SCHEMA_VERSION, History
from bot.chat.texts import ENGLISH_CHAT, KOREAN_CHAT
from tests.chat.conftest import make_answer, make_hit, telegram_accepts
from tests.chat.test_history import _write_version_0

BOT = "article_qa_bot"
US_LEAD = "2003년에서 2007년 사이 미국은 몇 개 기술에서 선두였어?"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_follow_up_answer_says_which_question_it_was_taken_as(service: AnswerService) -> None:
    turn = Turn.of(service.ask(US_LEAD))
    answer = service.ask("중국은?", context=turn)

    shown = telegram_accepts(render.render_answer(answer, KOREAN_CHAT, bot_username=BOT).text)

    lines = shown.text.split("\n")
    assert lines[0].startswith("🔎 관련 구절") and lines[0].endswith("· 중국은?")
    assert lines[1] == f"이어서: {US_LEAD} → 중국은?"
    english = render.render_answer(answer, ENGLISH_CHAT, bot_username=BOT).text
    assert f"\nFollowing up: {US_LEAD} → 중국은?\n" in english


def test_the_follow_up_line_is_escaped() -> None:
    answer = make_answer(make_hit())
    answer = Answer(
        "<b>중국</b>은?", AnswerStatus.ANSWERED, hits=answer.hits, followup_of="A & <i>B</i>"
    )
    shown = telegram_accepts(render.render_answer(answer, KOREAN_CHAT, bot_username=BOT).text)
    assert "이어서: A & <i>B</i> → <b>중국</b>은?" in shown.text
    assert (
        render.render_answer(make_answer(make_hit()), KOREAN_CHAT, bot_username=BOT).text.count(
            "이어서"
        )
        == 0
    )


def test_an_answer_not_taken_as_a_follow_up_records_no_parent(tmp_path: Path) -> None:
    history = History(tmp_path / "h.sqlite")
    ref = history.record_question(chat_id=7, user_id=7, text=US_LEAD, status="answered")
    earlier = history.question(ref.id)
    assert earlier is not None
    fields = record_fields(Answer("WEF 보고서", AnswerStatus.NOT_FOUND), Earlier(earlier, True))
    assert fields["parent_id"] is None and fields["followup_of"] is None


def test_an_old_history_gains_the_follow_up_columns_and_its_rows_no_context(
    tmp_path: Path,
) -> None:
    path = tmp_path / "h.sqlite"
    _write_version_0(path)

    history = History(path)

    columns = {row[1] for row in history._db.execute("PRAGMA table_info(questions)")}
    assert {"message_id", "passages", "followup_of", "parent_id"} <= columns
    old = history.question(1)
    assert old is not None and old.turn == Turn("딥시크 비용", ())
    assert history.replied_question(5, 1, max_age=1e12) is None
    history.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
