"""Starting the bot: webhook mode, and clear errors for tokens that can't work."""

from __future__ import annotations

import dataclasses
import functools
import socket
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot import AnswerService, KoreanAnalyzer, Library, Settings, SettingsError
from bot import library as library_module
from bot.chat import build_application, run_bot
from bot.chat.app import webhook_options
from tests.botapi import FakeBotAPI
from tests.cli_runner import InProcessCli
from tests.e2e.conftest import fake_in_a_thread


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode_registers_the_url_and_answers_updates_posted_to_it(
    service: AnswerService, tmp_path: Path
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    async with FakeBotAPI() as fake:
        settings = Settings(
            telegram_bot_token=fake.token,
            telegram_api_base_url=fake.base_url,
            data_dir=tmp_path,
            webhook_url=url,
            webhook_listen=f"127.0.0.1:{port}",
        )
        options = webhook_options(settings)
        app = build_application(settings, service)
        user = fake.user()
        chat = fake.private_chat(user)
        async with app:
            await app.updater.start_webhook(**options)
            await app.start()
            try:
                assert fake.webhook_url == url
                message = fake.send_text(chat, user, "DeepSeek v3 훈련 비용은?")
                async with aiohttp.ClientSession() as http:
                    secret = {"X-Telegram-Bot-Api-Secret-Token": options["secret_token"]}
                    update = {"update_id": 1, "message": message}
                    async with http.post(url, json=update, headers=secret) as accepted:
                        assert accepted.status == 200
                    async with http.post(url, json=update) as forged:
                        assert forged.status == 403
                (reply,) = await fake.wait_for_messages(chat)
                assert "558만 달러" in reply.text
            finally:
                await app.updater.stop()
                await app.stop()


@pytest.fixture(name="fake_in_a_thread")
def fake_in_a_thread_fixture() -> Iterator[FakeBotAPI]:
    """A fake Bot API on its own event loop, for ``run_bot`` (which runs its own loop)."""
    with fake_in_a_thread() as (fake, _):
        yield fake


def test_a_token_telegram_refuses_is_a_clear_error_at_start(
    fake_in_a_thread: FakeBotAPI,
    project_settings: Settings,
    analyzer: KoreanAnalyzer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The session's loaded analyzer, not another Kiwi (seconds) for a bot that never asks.
    monkeypatch.setattr(library_module, "Library", functools.partial(Library, analyzer=analyzer))
    settings = dataclasses.replace(
        project_settings,
        telegram_bot_token="123456:" + "x" * 35,
        telegram_api_base_url=fake_in_a_thread.base_url,
    )

    with pytest.raises(SettingsError, match="Telegram refused TELEGRAM_BOT_TOKEN"):
        run_bot(settings)


def test_no_token_is_a_clear_error() -> None:
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN is not set"):
        run_bot(Settings())


def test_a_malformed_token_stops_the_command_line_with_one_line(bot_cli: InProcessCli) -> None:
    result = bot_cli("run", env={"TELEGRAM_BOT_TOKEN": "not-a-token"})

    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: TELEGRAM_BOT_TOKEN is malformed")
    assert "Traceback" not in result.stderr and "not-a-token" not in result.stderr
