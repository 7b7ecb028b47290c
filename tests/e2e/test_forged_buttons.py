"""Buttons can't be forged: a question's buttons work only in its chat, votes count once.

Telegram clients can send any callback data. User B replays user A's buttons, and
variants of them with every number and the token changed, other prefixes, the old
format, empty and missing data, from B's own chat; none may show B anything of A's
question or answer, edit or send anything, or change the votes /stats counts.
"""

from __future__ import annotations

import json
import logging
import re

import pytest

from tests.botapi import Chat
from tests.e2e.conftest import RunningBot

SECRET = "오픈 소스 모델의 장점은?"  # A's question: more than one page of results
OTHER = "메타의 라마"  # B's own question
EXPIRED = "이 버튼은 만료됐어요."
REF = re.compile(r"[mf]:(\d+)(?:\.([\w-]+))?:")  # (tolerates the old format, no token)


def _ref(data: str) -> tuple[str, str]:
    found = REF.match(data)
    assert found, data
    return found.group(1), found.group(2) or "Sx0tWk3nQ2A"


def forgeries(a_data: list[str], b_data: list[str]) -> list[str | None]:
    """A's buttons as they are, and every variant a modified client could try."""
    (a_id, a_token), (b_id, b_token) = _ref(a_data[0]), _ref(b_data[0])
    ids = sorted({int(a_id) - 1, int(a_id) + 1, int(b_id), int(b_id) + 1, 0, 10**15 - 1})
    tokens = [b_token, a_token[:-1] + ("A" if a_token[-1] != "A" else "B"), a_token[:8]]
    variants: list[str | None] = [*a_data, f"m:{a_id}.{a_token}:0", f"m:{a_id}.{a_token}:6"]
    variants += [f"m:{i}.{a_token}:3" for i in ids] + [f"f:{i}.{a_token}:-" for i in ids]
    variants += [f"m:{a_id}.{t}:3" for t in tokens] + [f"f:{a_id}.{t}:-" for t in tokens]
    variants += [f"m:{a_id}.{a_token}:9999", f"f:{b_id}.{a_token}:+", f"m:{b_id}.{a_token}:3"]
    variants += [f"{prefix}:{a_id}.{a_token}:3" for prefix in ("x", "M", "p", "f", "mm")]
    variants += [f"p:{a_id}.{a_token}", f"m:{a_id}.{a_token}", f"f:{a_id}.{a_token}"]
    variants += [f"m:{a_id}:3", f"m:{a_id}:0", f"f:{a_id}:+", f"f:{a_id}:-", "m:1:3", "f:1:-"]
    variants += ["", None, " ", "m:", "\x00", "💥"]
    return variants


def requests_about(bot: RunningBot, chat: Chat, query_ids: set[str], since: int = 0) -> list[str]:
    """Every request the bot made about ``chat`` (or its button presses), as JSON text."""
    return [
        json.dumps(call.params, ensure_ascii=False)
        for call in bot.fake.calls[since:]
        if str(call.params.get("chat_id")) == str(chat.id)
        or call.params.get("callback_query_id") in query_ids
    ]


async def votes_shown_by_stats(bot: RunningBot) -> str:
    stats = await bot.ask(bot.fake.private_chat(bot.admin), bot.admin, "/stats")
    found = re.search(r"피드백 👍 \d+ · 👎 \d+", stats.text)
    assert found, stats.text
    return found.group(0)


async def test_another_chats_buttons_and_forged_data_only_ever_expire(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.chat.handlers")
    alice, bob = bot.fake.user("서연"), bot.fake.user("민준")
    alice_chat, bob_chat = bot.fake.private_chat(alice), bot.fake.private_chat(bob)
    secret_answer = await bot.ask(alice_chat, alice, SECRET)
    a_data = secret_answer.callback_data
    assert [d[0] for d in a_data] == ["m", "f", "f"]
    secret_quotes = secret_answer.spans("blockquote")
    bot.fake.press_button(secret_answer, a_data[1])  # 👍
    bot.fake.press_button(secret_answer, a_data[1])  # 👍 again: still one vote
    own = await bot.ask(bob_chat, bob, OTHER)
    bot.fake.press_button(own, own.callback_data[0])  # B's vote on B's own answer counts
    await bot.settle()
    assert await votes_shown_by_stats(bot) == "피드백 👍 2 · 👎 0"
    before = len(bot.fake.calls)

    queries = [
        bot.fake.press_forged_button(own, data) for data in forgeries(a_data, own.callback_data)
    ]
    await bot.settle()

    query_ids = {q["id"] for q in queries}
    about_bob = requests_about(bot, bob_chat, query_ids, since=before)
    everything_bob_got = " ".join(requests_about(bot, bob_chat, query_ids))
    assert SECRET not in everything_bob_got
    assert not [quote for quote in secret_quotes if quote[:40] in " ".join(about_bob)]
    assert not own.edits and len(bot.fake.sent_to(bob_chat)) == 1
    answers = [a for a in bot.fake.callback_answers if a.query_id in query_ids]
    assert len(answers) == len(queries)
    assert {a.text for a in answers} == {EXPIRED}
    assert len(about_bob) == len(queries)  # answerCallbackQuery each, and nothing else
    assert await votes_shown_by_stats(bot) == "피드백 👍 2 · 👎 0"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    expired_logs = [r for r in caplog.records if "expired button" in r.getMessage()]
    assert len(expired_logs) == len(queries)
    assert {r.levelno for r in expired_logs} == {logging.INFO}


async def test_the_askers_own_buttons_still_work_and_a_group_shares_them(
    bot: RunningBot,
) -> None:
    alice, bob = bot.fake.user("서연"), bot.fake.user("민준")
    group = bot.fake.group(members=[alice, bob])
    answer = await bot.ask(group, alice, f"/ask {SECRET}")
    more, _, down = answer.callback_data

    bot.fake.press_button(answer, more, bob)  # anyone in the group may page
    await bot.fake.wait_for(lambda: answer.edits)
    bot.fake.press_button(answer, down, bob)
    bot.fake.press_button(answer, down, bob)
    await bot.settle()

    assert "(4–" in answer.text.split("\n")[0]
    assert await votes_shown_by_stats(bot) == "피드백 👍 0 · 👎 1"


@pytest.mark.parametrize(
    ("language", "expected"), [("ko", EXPIRED), ("en", "This button has expired.")]
)
async def test_an_expired_button_is_told_in_the_users_language(
    bot: RunningBot, language: str, expected: str
) -> None:
    user = bot.fake.user(language_code=language)
    chat = bot.fake.private_chat(user)
    helped = await bot.ask(chat, user, "/help")

    bot.fake.press_forged_button(helped, None)
    bot.fake.press_forged_button(helped, "m:1:3")
    await bot.settle()

    assert [a.text for a in bot.fake.callback_answers] == [expected, expected]
    assert not helped.edits and len(bot.fake.sent_to(chat)) == 1
