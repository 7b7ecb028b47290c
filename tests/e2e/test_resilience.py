"""Flood control, hostile input, Telegram refusing things, bugs, and the token in logs."""

from __future__ import annotations

import contextlib
import logging

import pytest

from bot.chat.limits import Cooldown
from bot.chat.redaction import REDACTED, TokenFilter
from tests.e2e.conftest import RunningBot, StartBot

QUESTION = "DeepSeek v3 훈련 비용은 얼마였나요?"

# PTB reads RetryAfter.retry_after (whose type is about to change) when it builds a 429.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def test_a_429_with_retry_after_is_waited_out_and_the_answer_still_arrives(
    bot: RunningBot,
) -> None:
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)
    bot.fake.fail_next("sendMessage", retry_after=1)

    reply = await bot.ask(chat, user, QUESTION)

    assert "558만 달러" in reply.text
    assert [e.reason for e in bot.fake.flood_events] == ["fail_next"]


async def test_answers_to_a_fast_asker_are_paced_under_telegrams_limits(
    start_bot: StartBot,
) -> None:
    async with start_bot(enforce_flood_limits=True) as bot:
        user = bot.fake.user()
        chat = bot.fake.private_chat(user)
        for question in ("DeepSeek v3 훈련 비용", "GPT-4 훈련 비용", "메타의 라마"):
            bot.fake.send_text(chat, user, question)

        answers = await bot.fake.wait_for_messages(chat, 3)

        assert len(answers) == 3
        assert bot.fake.flood_events == []  # paced by the bot, not refused by Telegram


async def test_a_user_asking_too_fast_is_slowed_down_politely_once(start_bot: StartBot) -> None:
    async with start_bot(settings={"user_questions_per_minute": 2}) as bot:
        user, other = bot.fake.user(), bot.fake.user("준호")
        group = bot.fake.group(members=[user, other])
        for _ in range(4):
            bot.fake.send_text(group, user, f"/ask {QUESTION}")
        bot.fake.send_text(group, other, f"/ask {QUESTION}")

        await bot.settle()

        texts = [m.text for m in bot.fake.sent_to(group)]
        notices = [t for t in texts if "질문이 너무 빨라요" in t]
        assert len(notices) == 1 and "초 뒤에 다시 물어봐 주세요" in notices[0]
        assert len(texts) == 4  # two answers and a notice for the fast one, one for the other


class _Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("language", "busy"),
    [
        ("ko", "지금 질문이 많아 답하지 못했어요. 잠시 뒤에 다시 물어봐 주세요."),
        ("en", "I'm busy with too many questions here; please ask again in a moment."),
    ],
)
async def test_a_question_the_chats_backlog_has_no_room_for_is_told_busy_once_a_minute(
    bot: RunningBot, language: str, busy: str
) -> None:
    services = bot.app.bot_data["services"]
    clock = _Clock()
    services.busy_notices = Cooldown(60, clock=clock)
    user, other = bot.fake.user(language_code=language), bot.fake.user()
    group, other_group = bot.fake.group(members=[user]), bot.fake.group(members=[other])

    with contextlib.ExitStack() as in_progress:
        for _ in range(services.backlog.per_chat):  # the chat's answers, still being sent
            in_progress.enter_context(services.backlog.slot(group.id))
        bot.fake.send_text(group, user, f"/ask {QUESTION}")
        await bot.settle()
        told = [m.text for m in bot.fake.sent_to(group)]
        bot.fake.send_text(group, user, f"/ask {QUESTION}")  # within the minute: told already
        await bot.settle()
        told_once = [m.text for m in bot.fake.sent_to(group)]
        elsewhere = await bot.ask(other_group, other, f"/ask {QUESTION}")
        clock.now += 60
        bot.fake.send_text(group, user, f"/ask {QUESTION}")
        await bot.settle()
        told_again = [m.text for m in bot.fake.sent_to(group)]
    answered = await bot.ask(group, user, f"/ask {QUESTION}")

    assert told == [busy]
    assert told_once == [busy]
    assert "558만 달러" in elsewhere.text  # other chats are not held up
    assert told_again == [busy, busy]
    assert "558만 달러" in answered.text


@pytest.mark.parametrize(
    "question",
    [
        "<script>alert('x')</script> DeepSeek & <b>훈련</b> 비용 </blockquote>",
        "<a href='javascript:alert(1)'>날씨</a> &amp; &nbsp; &#0; <tg-spoiler>",
        "훈련 " * 1_000,  # 4,000 characters
        "\u202e\u0000 \U0001f600" * 800,
    ],
    ids=["html", "links-and-entities", "4000-characters", "control-and-emoji"],
)
async def test_hostile_questions_get_valid_messages(bot: RunningBot, question: str) -> None:
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)
    group = bot.fake.group(members=[user])

    private = await bot.ask(chat, user, question[:4096])
    in_group = await bot.ask(group, user, f"/ask {question}"[:4096])

    assert not bot.fake.errors, bot.fake.describe()
    assert not bot.fake.warnings
    for reply in (private, in_group):
        assert "<script>" not in reply.bold and "javascript" not in str(reply.entities)


async def test_a_long_question_is_told_the_limit(bot: RunningBot) -> None:
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)

    reply = await bot.ask(chat, user, "훈련 비용 " * 700)

    assert reply.text.startswith("질문이 너무 길어요. 500자 이내로 줄여 주세요.\n")


async def test_a_group_that_removed_the_bot_or_a_user_who_blocked_it_breaks_nothing(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    user = bot.fake.user()
    group = bot.fake.group(members=[user])
    chat = bot.fake.private_chat(user)
    in_group = await bot.ask(group, user, "/ask 오픈 소스")
    in_private = await bot.ask(chat, user, "오픈 소스")
    bot.fake.remove_bot_from_group(group, user)
    bot.fake.block_bot(user)

    # buttons pressed on old messages: editing them now fails with 403
    bot.fake.press_button(in_group, in_group.callback_data[0], user)
    bot.fake.press_button(in_private, in_private.callback_data[0], user)
    await bot.settle()
    other = bot.fake.user()
    still_answers = await bot.ask(bot.fake.private_chat(other), other, QUESTION)

    forbidden = [e.description for e in bot.fake.errors if e.method == "editMessageText"]
    assert sorted(forbidden) == [
        "Forbidden: bot was blocked by the user",
        "Forbidden: bot was kicked from the group chat",
    ]
    assert "558만 달러" in still_answers.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_bug_is_logged_with_an_incident_number_and_the_asker_gets_an_apology(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("the index is on fire")

    monkeypatch.setattr(bot.app.bot_data["services"], "service", _Broken(broken))
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)

    apology = await bot.ask(chat, user, QUESTION)

    incident = apology.text.rsplit(" ", 1)[-1].rstrip(")")
    assert apology.text.startswith("죄송해요")
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and incident in errors[0].getMessage()
    assert "the index is on fire" in caplog.text


class _Broken:
    def __init__(self, ask: object) -> None:
        self.ask = ask


async def test_the_token_never_appears_in_the_logs(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(TokenFilter(bot.settings.telegram_bot_token))
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # httpx logs every URL (with the token)
    user = bot.fake.user()
    chat = bot.fake.private_chat(user)

    await bot.ask(chat, user, QUESTION)
    await bot.settle()

    assert "/sendMessage" in caplog.text and REDACTED in caplog.text
    assert bot.settings.telegram_bot_token not in caplog.text
    assert "TEST-token" not in caplog.text
