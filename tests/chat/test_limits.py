"""The per-user question throttle, the per-chat backlog and the private-chat pacing."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.chat.limits import ChatBacklog, ChatRateLimiter, Cooldown, QuestionThrottle, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_a_user_may_ask_per_minute_questions_then_is_told_once_how_long_to_wait() -> None:
    clock = Clock()
    throttle = QuestionThrottle(3, clock=clock)

    allowed = [throttle.check(1) for _ in range(3)]
    clock.now += 10
    refused, again = throttle.check(1), throttle.check(1)

    assert all(v.allowed for v in allowed)
    assert refused == Verdict(allowed=False, notify=True, retry_after=50.0)
    assert again.notify is False and again.retry_after == 50.0


def test_the_window_slides_and_the_notice_comes_again_after_a_pause() -> None:
    clock = Clock()
    throttle = QuestionThrottle(2, clock=clock)
    throttle.check(1)
    clock.now += 30
    throttle.check(1)
    assert throttle.check(1).notify

    clock.now += 30.5  # the first question left the window
    assert throttle.check(1).allowed
    assert throttle.check(1) == Verdict(allowed=False, notify=True, retry_after=29.5)


def test_users_are_counted_separately() -> None:
    throttle = QuestionThrottle(1, clock=Clock())

    assert throttle.check(1).allowed
    assert not throttle.check(1).allowed
    assert throttle.check(2).allowed


def test_quiet_users_are_forgotten() -> None:
    clock = Clock()
    throttle = QuestionThrottle(1, clock=clock)
    for user in range(2_000):
        throttle.check(user)
    clock.now += 61

    throttle.check(5_000)

    assert len(throttle._asked) == 1


def test_per_minute_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        QuestionThrottle(0)


def test_a_chat_may_have_a_few_answers_in_progress() -> None:
    backlog = ChatBacklog(2)

    with backlog.slot(1) as first, backlog.slot(1) as second, backlog.slot(1) as third:
        with backlog.slot(2) as other_chat:
            assert (first, second, third, other_chat) == (True, True, False, True)
        assert backlog.busy(1) == 2
    assert backlog.busy(1) == 0 and backlog._busy == {}


def test_a_slot_is_given_back_when_the_answer_fails() -> None:
    backlog = ChatBacklog(1)

    with pytest.raises(RuntimeError), backlog.slot(1):
        raise RuntimeError

    with backlog.slot(1) as admitted:
        assert admitted


async def test_private_chats_are_paced_and_other_chats_are_not_held_up() -> None:
    limiter = ChatRateLimiter(private_interval=0.2, max_retries=1)
    sent: list[tuple[int, float]] = []

    async def send(chat_id: int) -> bool:
        sent.append((chat_id, time.monotonic()))
        return True

    async def request(chat_id: int) -> None:
        await limiter.process_request(
            send, (chat_id,), {}, "sendMessage", {"chat_id": chat_id}, None
        )

    started = time.monotonic()
    await asyncio.gather(request(1), request(1), request(1), request(2), request(-100))

    times = {chat: [t - started for c, t in sent if c == chat] for chat in (1, 2, -100)}
    assert times[2][0] < 0.1 and times[-100][0] < 0.1
    first, second, third = times[1]
    assert second - first >= 0.19 and third - second >= 0.19


def test_a_chat_is_told_it_is_busy_at_most_once_a_minute() -> None:
    clock = Clock()
    notices = Cooldown(60, clock=clock)

    first, second, other_chat = notices.ready(1), notices.ready(1), notices.ready(2)
    clock.now += 59.9
    too_soon = notices.ready(1)
    clock.now += 0.1
    a_minute_later = notices.ready(1)

    assert (first, second, other_chat, too_soon, a_minute_later) == (
        True,
        False,
        True,
        False,
        True,
    )


def test_chats_whose_minute_is_over_are_forgotten() -> None:
    clock = Clock()
    notices = Cooldown(60, clock=clock)
    for chat in range(2_000):
        notices.ready(chat)
    clock.now += 60

    assert notices.ready(5_000)
    assert len(notices._last) == 1


def test_the_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Cooldown(0)
