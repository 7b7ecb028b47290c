"""The SQLite history: questions by id for buttons, one vote per person, /stats counts."""

from __future__ import annotations

import threading
from pathlib import Path

from bot.chat.history import FrequentQuestion, History, Stats


def test_questions_get_short_ids_and_can_be_read_back(tmp_path: Path) -> None:
    history = History.open(tmp_path)

    first = history.record_question(chat_id=-5, user_id=7, text="딥시크?", status="answered")
    second = history.record_question(chat_id=-5, user_id=None, text="날씨?", status="not_found")

    assert (first, second) == (1, 2)
    stored = history.question(first)
    assert stored is not None and (stored.chat_id, stored.user_id, stored.text) == (
        -5,
        7,
        "딥시크?",
    )
    assert history.question(99) is None


def test_the_history_survives_a_restart(tmp_path: Path) -> None:
    History.open(tmp_path).record_question(chat_id=1, user_id=1, text="q", status="answered")

    reopened = History.open(tmp_path)

    assert reopened.question(1) is not None
    assert reopened.record_question(chat_id=1, user_id=1, text="q2", status="answered") == 2


def test_feedback_is_one_vote_per_person_and_answer(tmp_path: Path) -> None:
    history = History(tmp_path / "h.sqlite")
    qid = history.record_question(chat_id=1, user_id=1, text="q", status="answered")

    assert history.record_feedback(qid, 10, up=True)
    assert history.record_feedback(qid, 10, up=False)  # changed their mind
    assert history.record_feedback(qid, 11, up=True)
    assert not history.record_feedback(999, 10, up=True)

    stats = history.stats()
    assert (stats.feedback_up, stats.feedback_down) == (1, 1)


def test_stats_count_and_rank_the_unanswered_questions(tmp_path: Path) -> None:
    history = History(":memory:")
    for text, status in [
        ("딥시크 비용", "answered"),
        ("날씨 어때", "not_found"),
        ("날씨 어때 ", "not_found"),
        ("날씨 어때", "not_found"),
        ("!!!", "no_words"),
    ]:
        history.record_question(chat_id=1, user_id=1, text=text, status=status)

    stats = history.stats(top=2)

    assert stats == Stats(
        asked=5,
        answered=1,
        not_found=4,
        feedback_up=0,
        feedback_down=0,
        unanswered=(FrequentQuestion("날씨 어때", 3), FrequentQuestion("!!!", 1)),
    )


def test_an_empty_history_has_zero_everything() -> None:
    assert History(":memory:").stats() == Stats(0, 0, 0, 0, 0, ())


def test_a_migrated_group_keeps_its_questions(tmp_path: Path) -> None:
    history = History(tmp_path / "h.sqlite")
    qid = history.record_question(chat_id=-4001, user_id=1, text="q", status="answered")

    history.migrate_chat(-4001, -1002001)

    stored = history.question(qid)
    assert stored is not None and stored.chat_id == -1002001


def test_many_threads_can_record_at_once(tmp_path: Path) -> None:
    history = History(tmp_path / "h.sqlite")

    def ask() -> None:
        for _ in range(50):
            history.record_question(chat_id=1, user_id=1, text="q", status="answered")

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert history.stats().asked == 400
