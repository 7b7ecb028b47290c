"""The chat history's behaviour, the same in SQLite (one process) and in the OpenSearch
cluster (replicas sharing it): buttons valid only in their chat with their token, one
vote per person, /stats, follow-up context, retention, a migrated group.

Each test runs twice (``open_history``: sqlite, cluster); calling ``open_history`` again
opens the same storage, as a restarted bot or another replica would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from bot.answers import Answer, AnswerStatus, Turn
from bot.chat.followups import Earlier, page_context, record_fields
from bot.chat.history import ChatHistory, FrequentQuestion, Stats
from bot.chat.refs import MAX_ID, ChatRef

Opener = Callable[..., ChatHistory]
DAY = 86_400.0
US_LEAD = "2003년에서 2007년 사이 미국은 몇 개 기술에서 선두였어?"


class Clock:
    """A settable time source (seconds since the epoch)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_questions_can_be_read_back_with_their_buttons_reference(open_history: Opener) -> None:
    history = open_history()

    first = history.record_question(chat_id=-5, user_id=7, text="딥시크?", status="answered")
    second = history.record_question(chat_id=-5, user_id=None, text="날씨?", status="not_found")

    assert first.id != second.id and first.token != second.token
    assert all(0 < ref.id <= MAX_ID for ref in (first, second))  # fits in a button
    stored = history.find_question(first, chat_id=-5)
    assert stored is not None
    assert (stored.chat_id, stored.user_id, stored.text, stored.status) == (
        -5,
        7,
        "딥시크?",
        "answered",
    )
    anonymous = history.find_question(second, chat_id=-5)
    assert anonymous is not None and anonymous.user_id is None


def test_the_history_survives_a_restart(open_history: Opener) -> None:
    ref = open_history().record_question(chat_id=1, user_id=1, text="q", status="answered")

    reopened = open_history()

    assert reopened.find_question(ref, chat_id=1) is not None  # its buttons still work
    assert reopened.record_question(chat_id=1, user_id=1, text="q2", status="answered") != ref
    assert reopened.stats().asked == 2


def test_a_button_finds_its_question_only_in_its_chat_and_with_its_token(
    open_history: Opener,
) -> None:
    history = open_history()
    ref = history.record_question(chat_id=-5, user_id=7, text="비밀 질문", status="answered")
    other = history.record_question(chat_id=8, user_id=8, text="다른 질문", status="answered")
    missing = ChatRef(next(i for i in range(1, 100) if i not in (ref.id, other.id)), ref.token)

    found = history.find_question(ref, chat_id=-5)

    assert found is not None and found.text == "비밀 질문"
    assert history.find_question(ref, chat_id=8) is None  # replayed in another chat
    assert history.find_question(ref, chat_id=None) is None  # no chat (inline)
    assert history.find_question(ChatRef(ref.id, other.token), chat_id=-5) is None
    assert history.find_question(ChatRef(other.id, ref.token), chat_id=8) is None
    assert history.find_question(missing, chat_id=-5) is None


def test_feedback_is_one_vote_per_person_and_answer(open_history: Opener) -> None:
    history = open_history()
    ref = history.record_question(chat_id=1, user_id=1, text="q", status="answered")

    assert history.record_feedback(ref, chat_id=1, user_id=10, up=True)
    assert history.record_feedback(ref, chat_id=1, user_id=10, up=False)  # changed their mind
    assert history.record_feedback(ref, chat_id=1, user_id=11, up=True)
    assert history.record_feedback(ref, chat_id=1, user_id=11, up=True)  # pressed twice

    stats = history.stats()
    assert (stats.feedback_up, stats.feedback_down) == (1, 1)


def test_forged_votes_are_refused_and_not_counted(open_history: Opener) -> None:
    history = open_history()
    ref = history.record_question(chat_id=1, user_id=1, text="q", status="answered")
    missing = ChatRef(1 if ref.id != 1 else 2, ref.token)

    assert not history.record_feedback(ref, chat_id=2, user_id=20, up=True)  # other chat
    assert not history.record_feedback(ChatRef(ref.id, "A" * 11), chat_id=1, user_id=20, up=True)
    assert not history.record_feedback(missing, chat_id=1, user_id=20, up=True)
    assert not history.record_feedback(ref, chat_id=None, user_id=20, up=True)

    assert history.stats().feedback_up == 0


def test_stats_count_and_rank_the_unanswered_questions(open_history: Opener) -> None:
    clock = Clock()
    history = open_history(clock=clock)
    for text, status in [
        ("옛날 질문", "not_found"),
        ("딥시크 비용", "answered"),
        ("날씨 어때", "not_found"),
        ("날씨 어때 ", "not_found"),
        ("날씨 어때", "not_found"),
        ("!!!", "no_words"),
        ("Weather", "not_found"),
        ("weather", "not_found"),
        ("딥시크 비용", "unavailable"),
    ]:
        clock.now += 1
        history.record_question(chat_id=1, user_id=1, text=text, status=status)

    assert history.stats(top=2) == Stats(
        asked=9,
        answered=1,
        not_found=7,  # asked while search was down: neither answered nor not found
        feedback_up=0,
        feedback_down=0,
        # the same words count together; shown as the first of their spellings
        unanswered=(FrequentQuestion("날씨 어때", 3), FrequentQuestion("Weather", 2)),
    )
    # equally frequent: the most recently asked first
    assert [q.text for q in history.stats(top=4).unanswered][2:] == ["!!!", "옛날 질문"]


def test_an_empty_history_has_zero_everything(open_history: Opener) -> None:
    assert open_history().stats() == Stats(0, 0, 0, 0, 0, ())


def test_a_migrated_group_keeps_its_questions_and_their_follow_ups(open_history: Opener) -> None:
    history = open_history()
    ref = history.record_question(chat_id=-4001, user_id=1, text="q", status="answered")
    history.note_reply(ref, 77)
    others = history.record_question(chat_id=-9, user_id=1, text="r", status="answered")

    history.migrate_chat(-4001, -1002001)

    stored = history.find_question(ref, chat_id=-1002001)  # its buttons keep working
    assert stored is not None and stored.chat_id == -1002001
    assert history.find_question(ref, chat_id=-4001) is None
    replied = history.replied_question(-1002001, 77, max_age=60)
    assert replied is not None and replied.id == ref.id
    assert history.find_question(others, chat_id=-9) is not None  # other chats untouched


def test_many_threads_can_record_at_once(open_history: Opener) -> None:
    history = open_history()
    refs: list[ChatRef] = []

    def ask() -> None:
        for _ in range(25):
            refs.append(history.record_question(chat_id=1, user_id=1, text="q", status="answered"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert history.stats().asked == 200
    assert len({ref.id for ref in refs}) == 200


# -- follow-ups ----------------------------------------------------------------------------


def test_a_reply_finds_the_question_its_message_answered_until_it_expires(
    open_history: Opener,
) -> None:
    clock = Clock()
    history = open_history(clock=clock)
    ref = history.record_question(
        chat_id=-5, user_id=1, text=US_LEAD, status="answered", passages=["p1", "p2"]
    )
    history.note_reply(ref, 42)

    asked = history.replied_question(-5, 42, max_age=60)
    assert asked is not None and asked.id == ref.id and asked.message_id == 42
    assert asked.turn == Turn(US_LEAD, ("p1", "p2"))
    assert history.replied_question(-6, 42, max_age=60) is None  # another chat's message 42
    assert history.replied_question(-5, 41, max_age=60) is None
    clock.now += 61
    assert history.replied_question(-5, 42, max_age=60) is None


def test_the_last_question_of_a_chat_expires_and_unanswered_ones_give_no_context(
    open_history: Opener,
) -> None:
    clock = Clock()
    history = open_history(clock=clock)
    history.record_question(chat_id=7, user_id=7, text="먼저 물은 것", status="answered")
    clock.now += 1
    history.record_question(chat_id=7, user_id=7, text=US_LEAD, status="answered")
    history.record_question(chat_id=8, user_id=8, text="딴 채팅", status="answered")

    last = history.last_question(7, max_age=600)
    assert last is not None and last.text == US_LEAD
    clock.now += 601
    assert history.last_question(7, max_age=600) is None
    history.record_question(chat_id=7, user_id=7, text="날씨 어때", status="not_found")
    last = history.last_question(7, max_age=600)
    assert last is not None and last.turn is None


def test_a_page_of_a_follow_up_is_answered_with_the_same_context(open_history: Opener) -> None:
    history = open_history()
    first = history.record_question(
        chat_id=7, user_id=7, text=US_LEAD, status="answered", passages=["p1"]
    )
    earlier = history.question(first.id)
    assert earlier is not None
    answer = Answer("중국은?", AnswerStatus.ANSWERED, followup_of=US_LEAD)
    fields = record_fields(answer, Earlier(earlier, explicit=False))
    assert fields == {"passages": [], "followup_of": US_LEAD, "parent_id": first.id}
    second = history.record_question(
        chat_id=7, user_id=7, text="중국은?", status="answered", **fields
    )
    asked = history.question(second.id)
    assert asked is not None and asked.turn == Turn(US_LEAD, ())  # its follow-ups: same topic

    assert page_context(history, asked) == Turn(US_LEAD, ("p1",))
    assert page_context(history, earlier) is None


# -- retention -----------------------------------------------------------------------------


def test_questions_older_than_the_retention_are_deleted_with_their_votes_at_start(
    open_history: Opener,
) -> None:
    clock = Clock()
    kept_forever = open_history(clock=clock)
    old = kept_forever.record_question(chat_id=1, user_id=2, text="옛 질문", status="not_found")
    assert kept_forever.record_feedback(old, chat_id=1, user_id=3, up=False)
    clock.now += 29 * DAY
    recent = kept_forever.record_question(chat_id=1, user_id=2, text="새 질문", status="answered")
    assert kept_forever.record_feedback(recent, chat_id=1, user_id=3, up=True)
    kept_forever.close()
    clock.now += 2 * DAY  # the old one is 31 days old, the recent one 2

    history = open_history(retention_days=30, clock=clock)

    assert history.find_question(old, chat_id=1) is None  # its buttons have expired
    assert history.find_question(recent, chat_id=1) is not None
    assert history.stats() == Stats(1, 1, 0, 1, 0, ())  # the old vote went with its question


def test_a_running_bot_prunes_at_most_hourly_when_a_question_is_recorded(
    open_history: Opener,
) -> None:
    clock = Clock()
    history = open_history(retention_days=1, clock=clock)
    first = history.record_question(chat_id=1, user_id=1, text="a", status="answered")
    clock.now += DAY + 1
    # Less than an hour since the last pruning: nothing deleted yet.
    history._pruned_at = clock.now - 60  # type: ignore[attr-defined]
    history.record_question(chat_id=1, user_id=1, text="b", status="answered")
    assert history.find_question(first, chat_id=1) is not None
    clock.now += 3_600
    history.record_question(chat_id=1, user_id=1, text="c", status="answered")
    waiting = getattr(history, "wait_for_pruning", None)  # the cluster's prunes in a thread
    if waiting is not None:
        waiting()
    assert history.find_question(first, chat_id=1) is None
    assert history.stats().asked == 2


def test_without_a_retention_nothing_is_ever_deleted(open_history: Opener) -> None:
    clock = Clock()
    history = open_history(clock=clock)
    ref = history.record_question(chat_id=1, user_id=1, text="a", status="answered")
    clock.now += 10_000 * DAY
    history.record_question(chat_id=1, user_id=1, text="b", status="answered")
    assert history.prune() == 0
    assert history.find_question(ref, chat_id=1) is not None
