"""The running bot reports to its metrics: polling keeps /healthz at 200, questions are
counted by outcome, refreshes by result, retries after 429 are counted."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import pytest

from bot.chat.context import SERVICES_KEY
from bot.health_server import HealthServer
from bot.metrics import CONTACT_MAX_AGE, Metrics
from tests.e2e.conftest import RunningBot


def fetch(server: HealthServer, path: str) -> tuple[int, str]:
    host, port = server.address
    try:
        with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


async def test_a_polling_bot_is_healthy_and_counts_its_questions(bot: RunningBot) -> None:
    metrics = bot.app.bot_data[SERVICES_KEY].metrics
    server = HealthServer(metrics, "127.0.0.1", 0).start()
    try:
        user = bot.fake.user()
        chat = bot.fake.private_chat(user)
        await bot.ask(chat, user, "DeepSeek v3 훈련 비용은?")
        await bot.ask(chat, user, "오늘 서울 날씨 어때?")
        await bot.ask(chat, user, "😀")
        await bot.settle()

        status, body = await asyncio.to_thread(fetch, server, "/healthz")
        assert status == 200, body
        assert json.loads(body)["index_loaded"] is True
        status, text = await asyncio.to_thread(fetch, server, "/metrics")
        lines = set(text.splitlines())
        assert 'article_qa_questions_total{outcome="answered"} 1.0' in lines
        assert 'article_qa_questions_total{outcome="not_found"} 1.0' in lines
        assert 'article_qa_questions_total{outcome="refused"} 1.0' in lines
        assert "article_qa_answer_seconds_count 3.0" in lines
    finally:
        server.stop()


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_errors_and_the_retries_after_them_are_counted(bot: RunningBot) -> None:
    metrics = bot.app.bot_data[SERVICES_KEY].metrics
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)
    bot.fake.fail_next("sendMessage", 1, retry_after=1)  # 0 is no RetryAfter to PTB
    await bot.ask(chat, user, "DeepSeek v3 훈련 비용은?")
    text = metrics.exposition().decode()
    assert 'article_qa_telegram_api_errors_total{kind="flood"} 1.0' in text
    assert "article_qa_telegram_api_retries_total 1.0" in text


async def test_a_refresh_is_counted_by_result(start_bot, library) -> None:
    async with start_bot(library=library) as running:
        metrics = running.app.bot_data[SERVICES_KEY].metrics
        chat = running.fake.private_chat(running.admin)
        before = len(running.fake.sent_to(chat))
        running.fake.send_text(chat, running.admin, "/refresh")
        await running.fake.wait_for(
            lambda: (
                any("✅" in m.text for m in running.fake.sent_to(chat)[before:])
                or any(
                    "✅" in (e.get("text") or "")
                    for e in running.fake.chat_history(chat)
                    if e.get("from", {}).get("is_bot")
                )
            )
        )
        text = metrics.exposition().decode()
        assert 'article_qa_refreshes_total{result="ok"} 1.0' in text
        assert "article_qa_last_refresh_success_timestamp_seconds 0.0" not in text


async def test_in_webhook_mode_deliveries_and_the_webhook_check_count_as_contact(
    service, tmp_path
) -> None:
    import dataclasses
    import socket

    import aiohttp

    from bot import Settings
    from bot.chat import build_application
    from bot.chat.app import _check_webhook, webhook_options
    from tests.botapi import FakeBotAPI

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with FakeBotAPI() as fake:
        settings = Settings(
            telegram_bot_token=fake.token,
            telegram_api_base_url=fake.base_url,
            data_dir=tmp_path,
            webhook_url=f"http://127.0.0.1:{port}/hook",
            webhook_listen=f"127.0.0.1:{port}",
        )
        options = webhook_options(settings)
        clock = {"now": 0.0}
        metrics = Metrics(clock=lambda: clock["now"])
        app = build_application(settings, service, metrics=metrics)
        async with app:
            await app.updater.start_webhook(**options)
            await app.start()
            try:
                assert metrics.health()[1]["problems"] == ["no successful call for updates yet"]
                # A quiet chat: Telegram reports the webhook set and no delivery error.
                context = dataclasses.make_dataclass("Ctx", ["bot", "services"])(
                    app.bot, app.bot_data[SERVICES_KEY]
                )
                await _check_webhook(context)
                assert metrics.health()[0]
                clock["now"] += CONTACT_MAX_AGE + 1  # long ago: a delivery must count on its own
                assert not metrics.health()[0]
                user = fake.user()
                chat = fake.private_chat(user)
                update = {"update_id": 1, "message": fake.send_text(chat, user, "안녕")}
                secret = {"X-Telegram-Bot-Api-Secret-Token": options["secret_token"]}
                async with (
                    aiohttp.ClientSession() as http,
                    http.post(options["webhook_url"], json=update, headers=secret) as posted,
                ):
                    assert posted.status == 200
                await fake.wait_for_messages(chat)
                healthy, body = metrics.health()
                assert healthy, body
            finally:
                await app.updater.stop()
                await app.stop()
