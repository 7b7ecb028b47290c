"""Asking: private chats, groups, follow-ups, forum topics, inline mode, deep links."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import pytest

from bot.chat.refs import ChatRef
from tests.e2e.conftest import RunningBot, StartBot

QUESTION = "DeepSeek v3 훈련 비용은 얼마였나요?"
UNANSWERABLE = "오늘 서울 날씨 어때?"


async def test_a_private_question_gets_quoted_passages_with_links_and_buttons(
    bot: RunningBot,
) -> None:
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)

    reply = await bot.ask(chat, user, QUESTION)

    assert reply.text.startswith("🔎 관련 구절")
    quotes = reply.spans("blockquote")
    assert quotes and "558만 달러에 불과한" in quotes[0]
    assert {"DeepSeek", "v3", "훈련", "비용"} <= set(reply.bold)
    assert "닫는 미국과 여는 중국 · 디시인사이드 갤러리 · 2025-01-31" in reply.text
    links = [e["url"] for e in reply.entities if e["type"] == "text_link"]
    assert links and all(u.startswith("https://t.me/article_qa_bot?start=") for u in links)
    up, down = reply.callback_data[-2:]
    assert up.startswith("f:1.") and up.endswith(":+") and down == f"{up[:-1]}-"
    assert reply.reply_to_message_id is None  # no quoting in a private chat
    assert not bot.fake.warnings and not bot.fake.errors


async def test_english_users_get_english_texts(bot: RunningBot) -> None:
    user = bot.fake.user("Ann", language_code="en")
    chat = bot.fake.private_chat(user)

    reply = await bot.ask(chat, user, QUESTION)

    assert reply.text.startswith("🔎 ") and " relevant passages · " in reply.text
    assert "Read in full" in reply.spans("text_link")


async def test_nothing_relevant_is_answered_plainly_with_suggestions(bot: RunningBot) -> None:
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)

    reply = await bot.ask(chat, user, UNANSWERABLE)

    lines = reply.text.split("\n")
    assert lines[0] == "이 질문에 답할 만한 내용을 기사에서 찾지 못했어요."
    assert "닫는 미국과 여는 중국" in lines[1]
    assert lines[2].startswith("이런 낱말로 물어보세요")
    assert len(reply.text) < 400 and reply.buttons == []


async def test_group_ask_is_answered_as_a_reply_to_the_asker(bot: RunningBot) -> None:
    user = bot.fake.user()
    group = bot.fake.group(members=[user])

    for command in ("/ask", f"/ask@{bot.username}"):
        asked = len(bot.fake.sent_to(group))
        bot.fake.send_text(group, user, f"{command} {QUESTION}")
        reply = await bot.next_message(group, asked)
        question = bot.fake.chat_history(group)[-2]
        assert reply.reply_to_message_id == question["message_id"]
        assert "558만 달러" in reply.text


async def test_ask_without_a_question_explains_how(bot: RunningBot) -> None:
    user = bot.fake.user()
    group = bot.fake.group(members=[user])

    reply = await bot.ask(group, user, "/ask")

    assert "/ask DeepSeek v3 훈련 비용은?" in reply.text


async def test_ordinary_group_chatter_is_ignored_even_when_delivered(start_bot: StartBot) -> None:
    async with start_bot(privacy_mode=False) as bot:
        user = bot.fake.user()
        group = bot.fake.group(members=[user])
        bot.fake.send_text(group, user, "DeepSeek 훈련 비용이 궁금하네")
        bot.fake.send_text(group, user, "/ask@some_other_bot DeepSeek 훈련 비용")

        await bot.settle()

        assert len(bot.fake.updates) == 2  # both reached the bot…
        assert bot.fake.sent_to(group) == []  # …and it said nothing


async def test_a_reply_to_the_bot_is_a_follow_up_question(bot: RunningBot) -> None:
    user = bot.fake.user()
    group = bot.fake.group(members=[user])
    first = await bot.ask(group, user, f"/ask {UNANSWERABLE}")

    follow_up = await bot.ask(group, user, "그럼 GPT-4 훈련 비용은?", reply_to=first)

    assert "1억 달러" in follow_up.text


async def test_a_mention_is_answered_when_telegram_delivers_it(start_bot: StartBot) -> None:
    async with start_bot(privacy_mode=False) as bot:
        user = bot.fake.user()
        group = bot.fake.group(members=[user])

        reply = await bot.ask(group, user, f"@{bot.username} {QUESTION}")

        assert "558만 달러" in reply.text


async def test_forum_questions_are_answered_in_their_topic(bot: RunningBot) -> None:
    user = bot.fake.user()
    forum = bot.fake.group("AI 포럼", kind="forum", members=[user])
    topic = bot.fake.create_topic(forum, "딥시크")

    reply = await bot.ask(forum, user, f"/ask {QUESTION}", thread_id=topic)

    assert reply.message_thread_id == topic
    assert reply.message["is_topic_message"] is True


async def test_the_bot_introduces_itself_once_when_added_to_a_group(bot: RunningBot) -> None:
    user = bot.fake.user()
    group = bot.fake.group(members=[user], bot_member=False)

    bot.fake.add_bot_to_group(group, user)
    intro = await bot.next_message(group, 0)
    bot.fake.make_admin(group, bot.fake.bot_user)  # a promotion is not a new arrival
    await bot.settle()

    assert "/ask" in intro.text and len(intro.text) < 300
    assert len(bot.fake.sent_to(group)) == 1


async def test_a_group_that_became_a_supergroup_keeps_working(bot: RunningBot) -> None:
    user = bot.fake.user()
    group = bot.fake.group(members=[user])
    before = await bot.ask(group, user, f"/ask {QUESTION}")

    supergroup = bot.fake.migrate_group_to_supergroup(group)
    await bot.settle()
    reply = await bot.ask(supergroup, user, f"/ask {QUESTION}")

    assert "558만 달러" in reply.text
    history = bot.app.bot_data["services"].history
    refs = [ChatRef.parse(m.callback_data[-1].split(":")[1]) for m in (before, reply)]
    found = [history.find_question(ref, chat_id=supergroup.id) for ref in refs if ref]
    assert len([q for q in found if q]) == 2  # the old answer's buttons work there too


async def test_an_answer_on_its_way_when_the_group_migrates_goes_to_the_supergroup(
    bot: RunningBot,
) -> None:
    user = bot.fake.user()
    group = bot.fake.group(members=[user])
    bot.fake.send_text(group, user, f"/ask {QUESTION}")
    supergroup = bot.fake.migrate_group_to_supergroup(group)  # before the bot can reply

    (reply,) = await bot.fake.wait_for_messages(supergroup)

    assert "558만 달러" in reply.text
    refused = [e for e in bot.fake.errors if e.method == "sendMessage"]
    assert [e.description for e in refused] == [
        "Bad Request: group chat was upgraded to a supergroup chat"
    ]


async def test_the_deep_link_opens_the_passage_with_previous_and_next_buttons(
    bot: RunningBot,
) -> None:
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)
    answer = await bot.ask(chat, user, QUESTION)
    link = next(e["url"] for e in answer.entities if e["type"] == "text_link")
    payload = link.split("?start=")[1]

    passage = await bot.ask(chat, user, f"/start {payload}")

    assert "558만 달러에 불과한" in passage.spans("blockquote")[0]
    assert "번째 구절" in passage.text
    previous, following = passage.callback_data
    assert previous.startswith("p:") and following.startswith("p:")

    bot.fake.press_button(passage, following)
    await bot.fake.wait_for(lambda: passage.edits)
    assert "558만 달러에 불과한" not in passage.text
    assert bot.fake.callback_answers


async def test_an_unknown_deep_link_says_so(bot: RunningBot) -> None:
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)

    reply = await bot.ask(chat, user, "/start nosuchpassage-00000000")

    assert "찾지 못했어요" in reply.text


async def test_start_and_help_explain_how_to_ask(bot: RunningBot) -> None:
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)

    start = await bot.ask(chat, user, "/start")
    help_ = await bot.ask(chat, user, "/help")

    assert "/sources" in start.text
    assert f"/ask@{bot.username}" in help_.text and "개인정보 보호 모드" in help_.text


async def test_sources_lists_the_articles_with_reading_links(bot: RunningBot) -> None:
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)

    reply = await bot.ask(chat, user, "/sources")

    assert "딥시크와 스타게이트" in reply.text and "닫는 미국과 여는 중국" in reply.text
    assert reply.spans("text_link").count("읽기") == 2


@pytest.mark.parametrize("language", ["ko", "en"])
async def test_inline_mode_offers_passages_that_post_the_excerpt_and_source(
    bot: RunningBot, language: str
) -> None:
    user = bot.fake.user(language_code=language)

    bot.fake.inline_query(user, "딥시크 v3 훈련 비용")
    answer = await bot.fake.wait_for(lambda: bot.fake.inline_answers)

    results = answer[0].results
    assert results and results[0]["title"] == "닫는 미국과 여는 중국"
    content = results[0]["input_message_content"]
    assert "<blockquote>" in content["message_text"] and content["parse_mode"] == "HTML"
    assert "?start=" in content["message_text"]
    assert not bot.fake.errors


async def test_an_empty_inline_query_gets_no_results(bot: RunningBot) -> None:
    bot.fake.inline_query(bot.fake.user(), "")

    answer = await bot.fake.wait_for(lambda: bot.fake.inline_answers)

    assert answer[0].results == []


async def test_only_the_allowed_chats_and_the_admins_are_served(start_bot: StartBot) -> None:
    async with start_bot() as bot:
        user = bot.fake.user()
        group = bot.fake.group(members=[user])
        bot.app.bot_data["services"].settings = dataclasses.replace(
            bot.settings, allowed_chat_ids=frozenset({group.id})
        )

        with _LogWaiter("bot.chat.handlers", "not in ALLOWED_CHAT_IDS") as ignored:
            bot.fake.send_text(bot.fake.private_chat(user), user, QUESTION)
            await asyncio.wait_for(ignored.wait(), 10)
        in_group = await bot.ask(group, user, f"/ask {QUESTION}")
        admin = await bot.ask(bot.fake.private_chat(bot.admin), bot.admin, QUESTION)

        assert bot.fake.sent_to(user.id) == []
        assert "558만 달러" in in_group.text and "558만 달러" in admin.text


class _LogWaiter(logging.Handler):
    """An event set when ``logger`` logs a message containing ``text``."""

    def __init__(self, logger: str, text: str) -> None:
        super().__init__(logging.INFO)
        self.logger, self.text, self.seen = logging.getLogger(logger), text, asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.seen.set()

    async def wait(self) -> None:
        await self.seen.wait()

    def __enter__(self) -> _LogWaiter:
        self.logger.addHandler(self)
        self.level_before = self.logger.level
        self.logger.setLevel(logging.INFO)
        return self

    def __exit__(self, *_: object) -> None:
        self.logger.removeHandler(self)
        self.logger.setLevel(self.level_before)
