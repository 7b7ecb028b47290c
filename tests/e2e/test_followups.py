"""Follow-ups through the fake Bot API: a reply to an answer, the next message of a private
chat within FOLLOWUP_MINUTES, and a context that expired or never was."""

from __future__ import annotations

from bot.chat.context import SERVICES_KEY
from bot.chat.history import History
from tests.e2e.conftest import RunningBot

US_LEAD = "2003년에서 2007년 사이 미국은 몇 개 기술에서 선두였어?"
CHINA_52 = "중국은 64개 기술 중 52개"
FOLLOWING = f"이어서: {US_LEAD} → 중국은?"


def history_of(bot: RunningBot) -> History:
    history: History = bot.app.bot_data[SERVICES_KEY].history
    return history


async def test_a_reply_to_an_answer_is_read_with_its_question(bot: RunningBot) -> None:
    user = bot.fake.user()
    group = bot.fake.group(members=[user])
    first = await bot.ask(group, user, f"/ask {US_LEAD}")
    assert "64개 기술 중 60개" in first.spans("blockquote")[0]

    reply = await bot.ask(group, user, "중국은?", reply_to=first)

    assert reply.text.split("\n")[1] == FOLLOWING
    assert CHINA_52 in reply.spans("blockquote")[0]
    assert not bot.fake.warnings and not bot.fake.errors


async def test_ask_sent_as_a_reply_to_an_answer_follows_it_up(bot: RunningBot) -> None:
    user = bot.fake.user()
    group = bot.fake.group(members=[user])
    first = await bot.ask(group, user, f"/ask {US_LEAD}")

    reply = await bot.ask(group, user, "/ask 중국은?", reply_to=first)
    alone = await bot.ask(group, user, "/ask 중국은?")  # not a reply: a new question

    assert reply.text.split("\n")[1] == FOLLOWING
    assert CHINA_52 in reply.spans("blockquote")[0]
    assert "이어서" not in alone.text


async def test_a_plain_follow_up_in_a_private_chat_within_the_window(bot: RunningBot) -> None:
    user = bot.fake.user("Ann", language_code="en")
    chat = bot.fake.private_chat(user)
    await bot.ask(chat, user, US_LEAD)
    history = history_of(bot)
    asked_at = history.clock()
    history.clock = lambda: asked_at + 9 * 60  # nine minutes later

    reply = await bot.ask(chat, user, "중국은?")

    assert reply.text.split("\n")[1] == f"Following up: {US_LEAD} → 중국은?"
    assert CHINA_52 in reply.spans("blockquote")[0]


async def test_after_the_window_the_next_message_is_a_new_question(bot: RunningBot) -> None:
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)
    await bot.ask(chat, user, US_LEAD)
    history = history_of(bot)
    asked_at = history.clock()
    history.clock = lambda: asked_at + 11 * 60  # FOLLOWUP_MINUTES is 10

    reply = await bot.ask(chat, user, "중국은?")

    assert reply.text.startswith("🔎 관련 구절") and "이어서" not in reply.text
    assert "· 중국은?" in reply.text.split("\n")[0]
    assert CHINA_52 not in reply.spans("blockquote")[0]  # the question alone finds others


async def test_a_message_with_its_own_topic_is_a_new_question(bot: RunningBot) -> None:
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)
    await bot.ask(chat, user, US_LEAD)

    reply = await bot.ask(chat, user, "DeepSeek v3 훈련 비용은?")

    assert "이어서" not in reply.text and "558만 달러" in reply.spans("blockquote")[0]


async def test_without_an_earlier_answer_a_follow_up_is_answered_alone(bot: RunningBot) -> None:
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)
    help_message = await bot.ask(chat, user, "/help")

    alone = await bot.ask(chat, user, "언제?")  # nothing asked before
    reply = await bot.ask(chat, user, "중국은?", reply_to=help_message)  # not an answer

    assert alone.text.startswith("질문에서 검색할 낱말을 찾지 못했어요")
    assert "이어서" not in reply.text


async def test_more_results_of_a_follow_up_keep_its_context(bot: RunningBot) -> None:
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)
    await bot.ask(chat, user, "DeepSeek v3 훈련 비용은 얼마였어?")
    answer = await bot.ask(chat, user, "왜?")
    assert answer.text.split("\n")[1] == "이어서: DeepSeek v3 훈련 비용은 얼마였어? → 왜?"
    first_page = answer.spans("blockquote")

    bot.fake.press_button(answer, answer.callback_data[0])
    await bot.fake.wait_for(lambda: answer.edits)

    assert answer.text.split("\n")[1] == "이어서: DeepSeek v3 훈련 비용은 얼마였어? → 왜?"
    assert "(4–" in answer.text.split("\n")[0]
    assert set(answer.spans("blockquote")).isdisjoint(first_page)
