"""The per-user question throttle, the per-chat backlog and the private-chat pacing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

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


def _recording_limiter(
    private_interval: float,
) -> tuple[Callable[..., Awaitable[None]], list[tuple[int, str]]]:
    """``request(chat_id, text)`` through a ``ChatRateLimiter``, and what it has sent."""
    limiter = ChatRateLimiter(private_interval=private_interval, max_retries=1)
    sent: list[tuple[int, str]] = []

    async def send(chat_id: int, text: str) -> bool:
        sent.append((chat_id, text))
        return True

    async def request(chat_id: int, text: str = "") -> None:
        await limiter.process_request(
            send, (chat_id, text), {}, "sendMessage", {"chat_id": chat_id}, None
        )

    return request, sent


async def test_private_chats_are_paced_and_other_chats_are_not_held_up() -> None:
    request, sent = _recording_limiter(private_interval=60)
    first, second = asyncio.create_task(request(1)), asyncio.create_task(request(1))

    await asyncio.gather(first, request(2), request(-100))  # the other chats go at once

    assert [chat for chat, _ in sent] == [1, 2, -100]
    assert not second.done()  # chat 1's next message waits out its interval (60 s here)
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second


async def test_a_paced_private_chat_gets_every_message_in_order() -> None:
    request, sent = _recording_limiter(private_interval=0.05)

    await asyncio.gather(request(1, "a"), request(1, "b"), request(1, "c"), request(2, "x"))

    assert sent == [(1, "a"), (2, "x"), (1, "b"), (1, "c")]


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
