"""The real bot (``build_application``, long polling) against the fake Bot API on 127.0.0.1.

``bot`` starts a fake Telegram and the bot as ``run_polling`` would (initialize,
post_init, polling), with one admin user, and stops both afterwards. ``start_bot``
does the same with options (privacy mode off, flood limits enforced, other settings).
The answer service is the session's one (``tests/conftest.py``), built once from the
committed corpus.

The bot paces its messages into one private chat (``PRIVATE_CHAT_INTERVAL``, 1.2 s, in
``bot/chat/limits.py``): a test waited that long for each further message of a chat.
``start_bot`` paces them ``TEST_PRIVATE_INTERVAL`` apart instead (the limiter is the
bot's own otherwise: its 429 retries, its counting); with ``enforce_flood_limits=True``,
where the fake refuses what Telegram would, the bot's real pacing runs, and is checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from telegram import Update
from telegram.ext import TypeHandler

from bot import AnswerService, Library, Settings
from bot.chat import app as chat_app
from bot.chat import build_application
from bot.chat.app import ALLOWED_UPDATES
from bot.chat.context import ChatApplication
from bot.chat.limits import ChatRateLimiter
from tests.botapi import Chat, FakeBotAPI, SentMessage, User


@dataclass
class RunningBot:
    """A fake Telegram with the bot polling it."""

    fake: FakeBotAPI
    app: ChatApplication
    settings: Settings
    admin: User
    processed: Processed

    @property
    def username(self) -> str:
        return self.fake.bot_user.username or ""

    async def ask(self, chat: Chat, user: User, text: str, **options: Any) -> SentMessage:
        """Sends ``text`` as ``user`` and returns the bot's next message in ``chat``."""
        before = len(self.fake.sent_to(chat))
        self.fake.send_text(chat, user, text, **options)
        return (await self.fake.wait_for_messages(chat, before + 1))[before]

    async def next_message(self, chat: Chat | int, before: int) -> SentMessage:
        return (await self.fake.wait_for_messages(chat, before + 1))[before]

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Waits until the bot has fetched every update and finished handling each one."""
        await self.fake.wait_until_fetched(timeout)
        handed_out = {
            update["update_id"]
            for call in self.fake.calls_to("getUpdates")
            if call.ok
            for update in call.result
        }
        await self.processed.wait_for(handed_out, timeout)


class Processed:
    """Update ids the bot has finished with: a handler in the last group records them.

    Handlers of one update run group after group, so when the recorder sees an update,
    every handler of the bot (and the error handler) is done with it.
    """

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self._changed = asyncio.Condition()

    async def record(self, update: Update, _: object) -> None:
        async with self._changed:
            self.ids.add(update.update_id)
            self._changed.notify_all()

    async def wait_for(self, ids: set[int], timeout: float) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: ids <= self.ids)


@contextlib.contextmanager
def fake_in_a_thread(**options: Any) -> Iterator[tuple[FakeBotAPI, asyncio.AbstractEventLoop]]:
    """A fake Bot API on its own event loop in a thread, for a bot that runs its own loop
    (``run_bot``) or another process; calls into it go through ``loop``."""
    ready = threading.Event()
    running: list[tuple[FakeBotAPI, asyncio.AbstractEventLoop, asyncio.Event]] = []

    async def serve() -> None:
        done = asyncio.Event()
        async with FakeBotAPI(**options) as fake:
            running.append((fake, asyncio.get_running_loop(), done))
            ready.set()
            await done.wait()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    fake, loop, done = running[0]
    try:
        yield fake, loop
    finally:
        loop.call_soon_threadsafe(done.set)
        thread.join(10)


@contextlib.asynccontextmanager
async def polling(app: ChatApplication) -> AsyncIterator[ChatApplication]:
    """What ``run_polling`` does, without its signal handling and event-loop ownership."""
    async with app:
        if app.post_init:
            await app.post_init(app)
        await app.updater.start_polling(poll_interval=0.0, allowed_updates=ALLOWED_UPDATES)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
    if app.post_shutdown:
        await app.post_shutdown(app)


LAST_GROUP = 1_000
StartBot = Callable[..., contextlib.AbstractAsyncContextManager[RunningBot]]
TEST_PRIVATE_INTERVAL = 0.01  # seconds between two messages into one private chat


def quick_private_chats(**options: Any) -> ChatRateLimiter:
    """The bot's rate limiter, pacing private chats ``TEST_PRIVATE_INTERVAL`` apart."""
    return ChatRateLimiter(private_interval=TEST_PRIVATE_INTERVAL, **options)


@pytest.fixture
def start_bot(service: AnswerService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StartBot:
    """``async with start_bot(privacy_mode=False, settings={...}) as running: ...``

    With ``library=`` the bot answers from that library's corpus and can refresh it.
    """

    @contextlib.asynccontextmanager
    async def start(
        *,
        settings: dict[str, Any] | None = None,
        library: Library | None = None,
        **fake_options: Any,
    ) -> AsyncIterator[RunningBot]:
        async with FakeBotAPI(**fake_options) as fake:
            admin = fake.user("관리자", language_code="ko")
            fake.private_chat(admin)  # the admin has opened the bot (their command menu)
            configured = Settings(
                telegram_bot_token=fake.token,
                telegram_api_base_url=fake.base_url,
                telegram_api_base_file_url=fake.base_file_url,
                data_dir=tmp_path,
                admin_user_ids=frozenset({admin.id}),
            )
            configured = dataclasses.replace(configured, **(settings or {}))
            with monkeypatch.context() as patch:
                if not fake_options.get("enforce_flood_limits"):
                    patch.setattr(chat_app, "ChatRateLimiter", quick_private_chats)
                if library is None:
                    app = build_application(configured, service)
                else:  # its own corpus, which /add and /refresh may change
                    app = build_application(configured, library.open_service(), library)
            processed = Processed()
            app.add_handler(TypeHandler(Update, processed.record), group=LAST_GROUP)
            async with polling(app):
                yield RunningBot(fake, app, configured, admin, processed)

    return start


@pytest_asyncio.fixture
async def bot(start_bot: StartBot) -> AsyncIterator[RunningBot]:
    async with start_bot() as running:
        yield running
