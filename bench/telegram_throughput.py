"""Answers per second through the Bot API, with many chats asking at once.

The real bot (``build_application``, long polling) answers the committed corpus over
the loopback fake Bot API of the tests (``tests/botapi``): ``--chats`` users each send
``--questions`` questions (from ``tests/data/questions.json``) in one burst, and the
benchmark times each answer from the question being sent to the bot's sendMessage
reaching the fake.

By default the bot keeps Telegram's flood limits (30 messages a second overall, one
every 1.2 s per private chat), so the figure is capped near 30/s, as it would be on
Telegram. ``--unthrottled`` removes the limits to measure the bot's own capacity
(search in worker threads, rendering, PTB, HTTP).

    .venv/bin/python bench/telegram_throughput.py --chats 200
    .venv/bin/python bench/telegram_throughput.py --chats 300 --unthrottled

The last line is ``answers_per_s=… p50_ms=… p95_ms=… chats=… answers=…``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from telegram.ext import AIORateLimiter  # noqa: E402

from bot import Library, Settings  # noqa: E402
from bot.chat import build_application  # noqa: E402
from bot.chat.app import ALLOWED_UPDATES  # noqa: E402
from tests.botapi import FakeBotAPI  # noqa: E402

QUESTIONS = ROOT / "tests" / "data" / "questions.json"


def _questions() -> list[str]:
    data = json.loads(QUESTIONS.read_text("utf-8"))
    answerable = [item["q"] for item in data["answerable"]]
    unanswerable = [item["q"] if isinstance(item, dict) else item for item in data["unanswerable"]]
    return answerable + unanswerable


async def _run(chats: int, per_chat: int, unthrottled: bool, data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir)
    library = Library(settings)
    started = time.perf_counter()
    service = library.open_service()
    print(f"index ready in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    questions = _questions()

    async with FakeBotAPI() as fake:
        settings = Settings(
            telegram_bot_token=fake.token,
            telegram_api_base_url=fake.base_url,
            data_dir=data_dir,
            user_questions_per_minute=1000,
        )
        limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0) if unthrottled else None
        app = build_application(settings, service, library, rate_limiter=limiter)
        async with app:
            await app.updater.start_polling(poll_interval=0.0, allowed_updates=ALLOWED_UPDATES)
            await app.start()
            users = [fake.user(f"u{i}") for i in range(chats)]
            private = [fake.private_chat(user) for user in users]

            sent_at: dict[int, list[float]] = {chat.id: [] for chat in private}
            begin = time.monotonic()
            for round_ in range(per_chat):
                for number, (chat, user) in enumerate(zip(private, users, strict=True)):
                    question = questions[(number * per_chat + round_) % len(questions)]
                    sent_at[chat.id].append(time.monotonic())
                    fake.send_text(chat, user, question)
            total = chats * per_chat
            await fake.wait_for(lambda: len(fake.sent) >= total, timeout=600)
            end = time.monotonic()

            answered_at: dict[int, list[float]] = {chat.id: [] for chat in private}
            for call in fake.calls_to("sendMessage"):
                if call.ok:
                    answered_at[call.params["chat_id"]].append(call.at)
            latencies = [
                answered - asked
                for chat_id, asked_at in sent_at.items()
                for answered, asked in zip(sorted(answered_at[chat_id]), asked_at, strict=True)
            ]
            await app.updater.stop()
            await app.stop()
        library.close()

    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)] * 1000
    mode = "unthrottled" if unthrottled else "telegram-limits"
    print(
        f"answers_per_s={total / (end - begin):.1f} p50_ms={p50:.0f} p95_ms={p95:.0f} "
        f"chats={chats} answers={total} mode={mode} errors={len(fake.errors)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=200, help="private chats asking at once")
    parser.add_argument("--questions", type=int, default=1, help="questions per chat")
    parser.add_argument(
        "--unthrottled", action="store_true", help="no flood limits: the bot's own capacity"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as data_dir, contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(args.chats, args.questions, args.unthrottled, Path(data_dir)))


if __name__ == "__main__":
    main()
