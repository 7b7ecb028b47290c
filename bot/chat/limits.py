"""Slowing down one user, or one chat, without slowing down everyone else.

``QuestionThrottle`` allows each user ``per_minute`` questions in any 60 seconds
(USER_QUESTIONS_PER_MINUTE). Past that, the first refused question gets a polite
notice with the wait, and the rest are dropped quietly until the user may ask again
(answering every refused question would itself be a flood).

``ChatRateLimiter`` is PTB's ``AIORateLimiter`` (30 messages a second overall, 20 a
minute per group, retries after a 429) plus Telegram's other documented limit, about
one message a second into one private chat, so that a fast asker is paced instead of
tripping a 429, which would pause every chat.

``ChatBacklog`` caps the answers one chat may have in progress. Sends wait in the rate
limiter, and each waiting answer holds one of the application's concurrent-update
slots: without a cap, one busy group could fill every slot and starve the other chats.
A question the backlog has no room for is never met with silence: the chat is told it
is busy, at most once a minute (``Cooldown``), so the notices can't become a flood.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

__all__ = ["ChatBacklog", "ChatRateLimiter", "Cooldown", "QuestionThrottle", "Verdict"]

WINDOW_SECONDS = 60.0
_Result = bool | dict[str, Any] | list[dict[str, Any]]  # what a Bot API call returns
_SWEEP_AT = 1024  # users (chats) remembered before the quiet ones are forgotten
PRIVATE_CHAT_INTERVAL = 1.2  # seconds between two messages into one private chat


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    notify: bool = False  # tell the user (once per pause)
    retry_after: float = 0.0  # seconds until the user may ask again


class QuestionThrottle:
    """A sliding window of questions per user."""

    def __init__(
        self,
        per_minute: int,
        *,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute < 1:
            raise ValueError(f"per_minute must be at least 1, got {per_minute}")
        self.per_minute = per_minute
        self.window = window
        self._clock = clock
        self._asked: dict[int, deque[float]] = {}
        self._notified: set[int] = set()

    def check(self, user_id: int) -> Verdict:
        """Counts a question by ``user_id`` if it is allowed."""
        now = self._clock()
        cutoff = now - self.window
        if len(self._asked) > _SWEEP_AT:
            self._forget_all_before(cutoff)
        asked = self._asked.setdefault(user_id, deque())
        while asked and asked[0] <= cutoff:
            asked.popleft()
        if len(asked) < self.per_minute:
            asked.append(now)
            self._notified.discard(user_id)
            return Verdict(allowed=True)
        retry_after = max(0.0, asked[0] + self.window - now)
        notify = user_id not in self._notified
        self._notified.add(user_id)
        return Verdict(allowed=False, notify=notify, retry_after=retry_after)

    def _forget_all_before(self, cutoff: float) -> None:
        for user_id in list(self._asked):
            asked = self._asked[user_id]
            while asked and asked[0] <= cutoff:
                asked.popleft()
            if not asked:
                del self._asked[user_id]
                self._notified.discard(user_id)


class ChatBacklog:
    """At most ``per_chat`` answers in progress per chat."""

    def __init__(self, per_chat: int = 3) -> None:
        if per_chat < 1:
            raise ValueError(f"per_chat must be at least 1, got {per_chat}")
        self.per_chat = per_chat
        self._busy: dict[int, int] = {}

    @contextmanager
    def slot(self, chat_id: int) -> Iterator[bool]:
        """``with backlog.slot(chat_id) as admitted:`` (False: the chat is already busy)."""
        busy = self._busy.get(chat_id, 0)
        if busy >= self.per_chat:
            yield False
            return
        self._busy[chat_id] = busy + 1
        try:
            yield True
        finally:
            remaining = self._busy[chat_id] - 1
            if remaining:
                self._busy[chat_id] = remaining
            else:
                del self._busy[chat_id]

    def busy(self, chat_id: int) -> int:
        return self._busy.get(chat_id, 0)


class Cooldown:
    """At most one event per key (a chat) in any ``interval`` seconds."""

    def __init__(
        self, interval: float = WINDOW_SECONDS, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive, got {interval}")
        self.interval = interval
        self._clock = clock
        self._last: dict[int, float] = {}

    def ready(self, key: int) -> bool:
        """Whether ``key`` may have its event now; if so, the interval starts again."""
        now = self._clock()
        if len(self._last) > _SWEEP_AT:  # forget keys whose interval is over
            self._last = {k: t for k, t in self._last.items() if now - t < self.interval}
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            return False
        self._last[key] = now
        return True


class ChatRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` plus one request per ``private_interval`` seconds per private chat.

    The interval is a little over Telegram's one second: the limiter lets a request go
    when it starts, Telegram counts it when it arrives, and two requests can take
    different times on the way.
    """

    __slots__ = ("_on_retry", "_private_interval", "_private_limiters")

    def __init__(
        self,
        *,
        private_interval: float = PRIVATE_CHAT_INTERVAL,
        on_retry: Callable[[], None] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self._private_interval = private_interval
        self._private_limiters: dict[int, AsyncLimiter] = {}
        self._on_retry = on_retry  # told each time a call is sent again after a 429

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        callback = self._counting_retries(callback)
        chat_id = data.get("chat_id")
        if not isinstance(chat_id, int) or chat_id <= 0:  # not a private chat
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        async with self._private_limiter(chat_id):
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )

    def _counting_retries(
        self, callback: Callable[..., Coroutine[Any, Any, _Result]]
    ) -> Callable[..., Coroutine[Any, Any, _Result]]:
        """``callback``, reporting every call after the first (AIORateLimiter's retries)."""
        on_retry = self._on_retry
        if on_retry is None:
            return callback
        calls = 0

        async def counted(*args: Any, **kwargs: Any) -> _Result:
            nonlocal calls
            calls += 1
            if calls > 1:
                on_retry()
            return await callback(*args, **kwargs)

        return counted

    def _private_limiter(self, chat_id: int) -> AsyncLimiter:
        if len(self._private_limiters) > _SWEEP_AT:  # forget chats with nothing pending
            for key, idle in list(self._private_limiters.items()):
                if idle.has_capacity(idle.max_rate):
                    del self._private_limiters[key]
        limiter = self._private_limiters.get(chat_id)
        if limiter is None:
            limiter = AsyncLimiter(1, self._private_interval)
            self._private_limiters[chat_id] = limiter
        return limiter
