"""The bot under a supervisor: start-up survives a network that isn't up yet, /healthz
and /metrics answer on METRICS_LISTEN, logs are JSON lines, and a SIGTERM stops it
cleanly."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.botapi import FakeBotAPI
from tests.e2e.conftest import fake_in_a_thread

PROJECT = Path(__file__).resolve().parents[2]
TOKEN = "123456:" + "T" * 35  # well-formed, as settings demand of a real token


@pytest.fixture
def fake_elsewhere() -> Iterator[tuple[FakeBotAPI, asyncio.AbstractEventLoop]]:
    """A fake Bot API on its own event loop in a thread, for a bot in another process."""
    with fake_in_a_thread(token=TOKEN) as running:
        yield running


def test_start_up_retries_a_bot_api_that_is_not_reachable_yet(fake_elsewhere, tmp_path):
    fake, loop = fake_elsewhere
    loop.call_soon_threadsafe(fake.break_next, "getMe", 2)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        metrics_port = sock.getsockname()[1]
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=PROJECT,
        env={
            **os.environ,
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "DATA_DIR": str(tmp_path),
            "RETRIEVAL": "bm25",  # no embedding in the background: it isn't what is tested
            "METRICS_LISTEN": f"127.0.0.1:{metrics_port}",
            "LOG_FORMAT": "json",
        },
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # A long poll waiting, not one answered (that is 10 s later when nothing comes).
    polling = fake.wait_for(lambda: fake.polling, 90)
    polled = asyncio.run_coroutine_threadsafe(polling, loop)
    while bot.poll() is None:  # until it polls, or exits (which fails the test)
        try:
            polled.result(timeout=0.5)
            break
        except TimeoutError:
            continue
    if bot.poll() is not None or not polled.done():
        bot.kill()
        pytest.fail(f"the bot never polled:\n{bot.communicate()[1]}")
    try:
        # A question makes the long poll return: then getUpdates has answered.
        user = fake.user()
        chat = fake.private_chat(user)
        loop.call_soon_threadsafe(fake.send_text, chat, user, "DeepSeek v3 훈련 비용은?")
        asyncio.run_coroutine_threadsafe(fake.wait_for_messages(chat, 1, 60), loop).result(70)
        status, health = get(metrics_port, "/healthz")
        _, metrics = get(metrics_port, "/metrics")
    finally:
        bot.send_signal(signal.SIGTERM)  # what systemd and Docker send to stop it
        _, stderr = bot.communicate(timeout=60)
    get_me = fake.calls_to("getMe")
    assert [call.status for call in get_me[:3]] == [502, 502, 200], stderr
    assert bot.returncode == 0, stderr
    assert status == 200, health
    assert json.loads(health)["index_loaded"] is True
    assert 'article_qa_questions_total{outcome="answered"} 1.0' in metrics.splitlines()
    # LOG_FORMAT=json: every line on stderr is a JSON object, none holds the token.
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert any("polling Telegram" in line["message"] for line in lines)
    assert TOKEN.partition(":")[2] not in stderr


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
