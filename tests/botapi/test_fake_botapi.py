"""How the fake Bot API behaves, checked through python-telegram-bot itself.

Each test drives the fake with PTB's ``telegram.Bot`` (or a whole ``Application``), so
these tests double as proof that PTB and the fake agree on shapes, errors and exceptions.
Read them as the fake's documentation.
"""

# The fixtures are imported from fixtures.py (tests/conftest.py is shared), and pytest
# injects them by parameter name, which pyflakes reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import datetime as dtm
import warnings

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, RetryAfter
from telegram.ext import ContextTypes, MessageHandler, filters

from .fixtures import application_builder, fake_botapi, fake_botapi_bot  # noqa: F401
from .html_check import HtmlParseError, format_text, parse_html, utf16_len
from .server import FakeBotAPI

HTML = ParseMode.HTML

# PTB itself reads RetryAfter.retry_after while building the exception.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*attribute `retry_after` will be of type:telegram.warnings.PTBDeprecationWarning"
)


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(buttons)])


def retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# ----------------------------------------------------------------------------- raw HTTP


async def test_speaks_the_bot_api_wire_format(fake_botapi: FakeBotAPI) -> None:
    """Form, JSON, query-string and empty bodies all work; wrong tokens and unknown
    methods get Telegram's 401 and 404 bodies."""
    url = f"{fake_botapi.base_url}{fake_botapi.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/getMe") as empty_body:
            assert (await empty_body.json())["result"]["username"] == "article_qa_bot"
        async with http.get(f"{url}/getUpdates?timeout=0") as query_string:
            assert await query_string.json() == {"ok": True, "result": []}
        async with http.post(f"{url}/deleteWebhook", json={"drop_pending_updates": True}) as js:
            assert (await js.json())["result"] is True
        async with http.post(f"{fake_botapi.base_url}1:wrong/getMe") as wrong_token:
            assert wrong_token.status == 401
            body = await wrong_token.json()
            assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        async with http.post(f"{url}/sendPigeon", data={"chat_id": "1"}) as unknown:
            assert unknown.status == 404
            body = await unknown.json()
            assert body == {"ok": False, "error_code": 404, "description": "Not Found"}


# ----------------------------------------------------------------------------- sending


async def test_send_message_returns_a_realistic_message(
    fake_botapi: FakeBotAPI, fake_botapi_bot: Bot
) -> None:
    reader = fake_botapi.user("민지")
    chat = fake_botapi.private_chat(reader)

    message = await fake_botapi_bot.send_message(
        chat.id, "<b>요약</b>: 기사 😀 <i>세 줄</i>", parse_mode=HTML
    )

    assert message.message_id == 1
    assert message.from_user.id == fake_botapi.bot_user.id and message.from_user.is_bot
    assert message.chat.id == chat.id and message.chat.type == "private"
    assert message.text == "요약: 기사 😀 세 줄"
    # Offsets are UTF-16 units: the emoji counts twice, so PTB's parse_entity agrees.
    assert [message.parse_entity(e) for e in message.entities] == ["요약", "세 줄"]
    record = fake_botapi.last_sent
    assert record.bold == ["요약"] and record.is_styled("세 줄", "italic")
    assert record.source_text.startswith("<b>")
    assert fake_botapi.chat_history(chat)[-1]["text"] == "요약: 기사 😀 세 줄"


async def test_replies_quote_existing_messages_only(
    fake_botapi: FakeBotAPI, fake_botapi_bot: Bot
) -> None:
    reader = fake_botapi.user()
    chat = fake_botapi.private_chat(reader)
    question = fake_botapi.send_text(chat, reader, "이 기사 요약해줘")

    answer = await fake_botapi_bot.send_message(
        chat.id, "요약입니다", reply_parameters=ReplyParameters(question["message_id"])
    )
    assert answer.reply_to_message.text == "이 기사 요약해줘"
    assert fake_botapi.last_sent.reply_to_message_id == question["message_id"]

    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await fake_botapi_bot.send_message(chat.id, "x", reply_to_message_id=999)
    assert fake_botapi.errors[-1].description == "Bad Request: message to be replied not found"

    lenient = await fake_botapi_bot.send_message(
        chat.id, "x", reply_parameters=ReplyParameters(999, allow_sending_without_reply=True)
    )
    assert lenient.reply_to_message is None


async def test_edits_apply_in_place_and_refuse_no_ops(
    fake_botapi: FakeBotAPI, fake_botapi_bot: Bot
) -> None:
    reader = fake_botapi.user()
    chat = fake_botapi.private_chat(reader)
    draft = await fake_botapi_bot.send_message(chat.id, "검색 중…")

    edited = await fake_botapi_bot.edit_message_text(
        "<b>답</b>", chat.id, draft.message_id, parse_mode=HTML
    )
    assert edited.text == "답" and edited.edit_date is not None
    assert fake_botapi.last_sent.edits == ["검색 중…"] and fake_botapi.last_sent.bold == ["답"]
    assert [m["text"] for m in fake_botapi.chat_history(chat)] == ["답"]

    with pytest.raises(BadRequest, match="Message is not modified"):
        await fake_botapi_bot.edit_message_text(
            "<b>답</b>", chat.id, draft.message_id, parse_mode=HTML
        )
    assert fake_botapi.errors[-1].description == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await fake_botapi_bot.edit_message_text("x", chat.id, 999)
    mine = fake_botapi.send_text(chat, reader, "내 메시지")
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await fake_botapi_bot.edit_message_text("x", chat.id, mine["message_id"])

    markup = keyboard(InlineKeyboardButton("더 보기", callback_data="more:1"))
    await fake_botapi_bot.edit_message_reply_markup(chat.id, draft.message_id, reply_markup=markup)
    assert fake_botapi.last_sent.callback_data == ["more:1"]
    assert await fake_botapi_bot.delete_message(chat.id, draft.message_id)
    assert fake_botapi.last_sent.deleted and fake_botapi.chat_history(chat) == [mine]


async def test_refusals_become_the_matching_ptb_exceptions(
    fake_botapi: FakeBotAPI, fake_botapi_bot: Bot
) -> None:
    reader = fake_botapi.user()
    chat = fake_botapi.private_chat(reader)

    with pytest.raises(BadRequest, match="Chat not found"):
        await fake_botapi_bot.send_message(424242, "안녕")
    stranger = fake_botapi.user("낯선 사람")  # known to Telegram, never pressed Start
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await fake_botapi_bot.send_message(stranger.id, "안녕")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await fake_botapi_bot.send_message(chat.id, "")
    with pytest.raises(BadRequest, match="Text must be non-empty"):
        await fake_botapi_bot.send_message(chat.id, "<b> </b>\n", parse_mode=HTML)

    fake_botapi.fail_next("sendMessage", times=1, retry_after=2)
    with pytest.raises(RetryAfter) as flood:
        await fake_botapi_bot.send_message(chat.id, "안녕")
    assert retry_seconds(flood.value) == 2
    assert fake_botapi.errors[-1].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 2",
        "parameters": {"retry_after": 2},
    }
    assert (await fake_botapi_bot.send_message(chat.id, "안녕")).text == "안녕"

    fake_botapi.block_bot(reader)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await fake_botapi_bot.send_message(chat.id, "안녕")
    assert fake_botapi.errors[-1].description == "Forbidden: bot was blocked by the user"
    assert [e.status for e in fake_botapi.errors] == [400, 403, 400, 400, 429, 403]


async def test_message_length_is_counted_after_parsing_in_utf16_units(
    fake_botapi: FakeBotAPI, fake_botapi_bot: Bot
) -> None:
    chat = fake_botapi.private_chat(fake_botapi.user())
    korean = "가" * 4096
    accepted = await fake_botapi_bot.send_message(chat.id, f"<b>{korean}</b>", parse_mode=HTML)
    assert len(accepted.text) == 4096  # the tags did not count

    with pytest.raises(BadRequest, match="Message is too long"):
        await fake_botapi_bot.send_message(chat.id, korean + "가")
    emoji = "😀" * 2049  # 2049 characters, but 4098 UTF-16 units
    with pytest.raises(BadRequest, match="Message is too long"):
        await fake_botapi_bot.send_message(chat.id, emoji)
    assert fake_botapi.errors[-1].description == "Bad Request: message is too long"
    await fake_botapi_bot.send_message(chat.id, "😀" * 2048)


# ----------------------------------------------------------------------------- HTML


def test_html_parser_returns_text_and_utf16_entities() -> None:
    parsed = parse_html(
        '<b>굵게 <i>겹침</i></b> <a href="https://example.com/x">링크</a> 😀<u>밑줄</u>'
    )
    assert parsed.text == "굵게 겹침 링크 😀밑줄"
    assert parsed.spans("bold") == ["굵게 겹침"]
    assert parsed.spans("italic") == ["겹침"]
    assert parsed.spans("text_link") == ["링크"]
    underline = next(e for e in parsed.entities if e.type == "underline")
    assert underline.offset == utf16_len("굵게 겹침 링크 😀")
    pre = parse_html('<pre><code class="language-python">x = 1</code></pre>').entities
    assert [e.to_dict() for e in pre] == [
        {"offset": 0, "length": 5, "type": "pre", "language": "python"}
    ]


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("줄<br>바꿈", 'Unsupported start tag "br" at byte offset 3'),
        ("<p>문단</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("<b>굵게", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="x"', "Unclosed start tag at byte offset 0"),
        ("<tg-emoji>👍</tg-emoji>", "Invalid custom emoji identifier specified"),
    ],
)
def test_html_parser_refuses_like_telegram(html: str, error: str) -> None:
    with pytest.raises(HtmlParseError) as refused:
        parse_html(html)
    assert str(refused.value) == error


def test_what_telegram_accepts_silently_is_reported_as_warnings() -> None:
    """Telegram does not refuse these; it degrades them.  The fake says so in warnings."""
    literal = format_text("A&nbsp;B &amp; &lt;C&gt;", "HTML")
    assert literal.text == "A&nbsp;B & <C>"
    assert "&nbsp;" in literal.warnings[0]

    no_href = format_text("<a>링크</a>", "HTML")
    assert no_href.entities == () and "no valid href" in no_href.warnings[0]

    nested = format_text("<blockquote>a<blockquote>b</blockquote></blockquote>", "HTML")
    assert nested.spans("blockquote") == ["ab"] and nested.warnings

    many = format_text("".join(f"<b>{i}</b> " for i in range(101)), "HTML")
    assert len(many.spans("bold")) == 100 and "drops 1" in many.warnings[-1]


async def test_strict_html_refuses_silent_degradations() -> None:
    async with FakeBotAPI(strict_html=True) as fake:
        chat = fake.private_chat(fake.user())
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            with pytest.raises(BadRequest, match="strict_html"):
                await bot.send_message(chat.id, "A&nbsp;B", parse_mode=HTML)


async def test_invalid_html_is_a_bad_request(fake_botapi: FakeBotAPI, fake_botapi_bot: Bot) -> None:
    chat = fake_botapi.private_chat(fake_botapi.user())
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await fake_botapi_bot.send_message(chat.id, "<b>굵게</i>", parse_mode=HTML)
    assert fake_botapi.errors[-1].description == (
        'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 9, expected "</b>", '
        'found "</i>"'
    )
    assert fake_botapi.sent == []


# ----------------------------------------------------------------------------- keyboards


async def test_button_data_is_validated(fake_botapi: FakeBotAPI, fake_botapi_bot: Bot) -> None:
    chat = fake_botapi.private_chat(fake_botapi.user())
    send = fake_botapi_bot.send_message

    await send(
        chat.id, "ok", reply_markup=keyboard(InlineKeyboardButton("가", callback_data="가" * 21))
    )
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await send(
            chat.id, "x", reply_markup=keyboard(InlineKeyboardButton("가", callback_data="가" * 22))
        )
    assert fake_botapi.errors[-1].description == "Bad Request: BUTTON_DATA_INVALID"
    with pytest.raises(BadRequest, match="text buttons are unallowed"):
        await send(
            chat.id, "x", reply_markup={"inline_keyboard": [[{"text": "a", "callback_data": ""}]]}
        )
    with pytest.raises(BadRequest, match="is invalid: wrong http url"):
        await send(
            chat.id,
            "x",
            reply_markup=keyboard(InlineKeyboardButton("a", url="http://localhost:8080")),
        )
    assert fake_botapi.errors[-1].description == (
        "Bad Request: inline keyboard button URL 'http://localhost:8080' is invalid: Wrong HTTP URL"
    )


async def test_pressing_a_button_sends_a_callback_query(
    fake_botapi: FakeBotAPI, fake_botapi_bot: Bot
) -> None:
    reader = fake_botapi.user()
    chat = fake_botapi.private_chat(reader)
    menu = await fake_botapi_bot.send_message(
        chat.id,
        "출처를 볼까요?",
        reply_markup=keyboard(InlineKeyboardButton("출처", callback_data="src:7")),
    )

    with pytest.raises(ValueError, match="no button"):
        fake_botapi.press_button(fake_botapi.last_sent, "src:8", reader)
    pressed = fake_botapi.press_button(fake_botapi.last_sent, "src:7", reader)

    (update,) = await fake_botapi_bot.get_updates(timeout=1)
    assert update.callback_query.data == "src:7"
    assert update.callback_query.message.message_id == menu.message_id
    assert await update.callback_query.answer("찾는 중")
    assert fake_botapi.callback_answers[-1].text == "찾는 중"
    with pytest.raises(BadRequest, match="Query is too old"):
        await fake_botapi_bot.answer_callback_query(pressed["id"])
    assert fake_botapi.errors[-1].description == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )


async def test_a_modified_client_can_send_any_callback_data_or_none(
    fake_botapi: FakeBotAPI, fake_botapi_bot: Bot
) -> None:
    reader = fake_botapi.user()
    chat = fake_botapi.private_chat(reader)
    await fake_botapi_bot.send_message(chat.id, "버튼 없는 메시지")

    fake_botapi.press_forged_button(fake_botapi.last_sent, "src:999")
    fake_botapi.press_forged_button(fake_botapi.last_sent, None)

    forged, missing = await fake_botapi_bot.get_updates(timeout=1)
    assert forged.callback_query.data == "src:999"
    assert missing.callback_query.data is None
    assert missing.callback_query.from_user.id == reader.id


async def test_inline_queries(fake_botapi: FakeBotAPI, fake_botapi_bot: Bot) -> None:
    reader = fake_botapi.user()

    def article(result_id: str, text: str) -> InlineQueryResultArticle:
        content = InputTextMessageContent(text, parse_mode=HTML)
        return InlineQueryResultArticle(result_id, "제목", content)

    query = fake_botapi.inline_query(reader, "경제")
    (update,) = await fake_botapi_bot.get_updates(timeout=1)
    assert update.inline_query.query == "경제"

    with pytest.raises(BadRequest, match="Too many inline query results"):
        await update.inline_query.answer([article(str(i), "x") for i in range(51)])
    with pytest.raises(BadRequest, match="Can't parse inline query result"):
        await update.inline_query.answer([article("1", "<b>x")])
    assert fake_botapi.errors[-1].description == (
        "Bad Request: can't parse inline query result: Can't parse entities: "
        'Can\'t find end tag corresponding to start tag "b"'
    )
    with pytest.raises(BadRequest, match="Result_id_invalid"):
        await update.inline_query.answer([article("x" * 65, "x")])

    assert await update.inline_query.answer([article("a1", "<b>요약</b>")], cache_time=0)
    assert fake_botapi.inline_answers[-1].results[0]["id"] == "a1"
    with pytest.raises(BadRequest, match="Query is too old"):
        await fake_botapi_bot.answer_inline_query(query["id"], [])


# ----------------------------------------------------------------------------- getUpdates


async def test_get_updates_long_polls_and_confirms_offsets_like_telegram(
    fake_botapi: FakeBotAPI, fake_botapi_bot: Bot
) -> None:
    reader = fake_botapi.user()
    chat = fake_botapi.private_chat(reader)

    poll = asyncio.ensure_future(fake_botapi_bot.get_updates(timeout=60))
    await fake_botapi.wait_for(lambda: fake_botapi.polling)
    assert not poll.done()  # nothing to hand out: the request waits
    fake_botapi.send_text(chat, reader, "첫 질문")
    # Answered as soon as the update exists: an answer at the poll's timeout never comes
    # in the 10 s given here.
    (first,) = await asyncio.wait_for(poll, timeout=10)
    assert first.message.text == "첫 질문"

    fake_botapi.send_text(chat, reader, "둘째")
    fake_botapi.send_text(chat, reader, "셋째")
    again = await fake_botapi_bot.get_updates(timeout=0)  # nothing confirmed yet
    assert [u.message.text for u in again] == ["첫 질문", "둘째", "셋째"]
    limited = await fake_botapi_bot.get_updates(offset=first.update_id + 1, limit=1)
    assert [u.message.text for u in limited] == ["둘째"]
    last_only = await fake_botapi_bot.get_updates(offset=-1)
    assert [u.message.text for u in last_only] == ["셋째"]
    assert await fake_botapi_bot.get_updates(offset=last_only[0].update_id + 1) == ()

    fake_botapi.inline_query(reader, "무시됨")
    fake_botapi.send_text(chat, reader, "메시지만")
    only_messages = await fake_botapi_bot.get_updates(allowed_updates=["message"])
    assert [u.message.text for u in only_messages] == ["메시지만"]
    assert fake_botapi.undelivered[-1].reason == "not in allowed_updates"


async def test_a_cancelled_long_poll_loses_nothing(
    fake_botapi: FakeBotAPI, fake_botapi_bot: Bot
) -> None:
    reader = fake_botapi.user()
    chat = fake_botapi.private_chat(reader)
    poll = asyncio.create_task(fake_botapi_bot.get_updates(timeout=30))
    await fake_botapi.wait_for(lambda: fake_botapi.polling)  # the request is in flight
    poll.cancel()
    with pytest.raises(asyncio.CancelledError):
        await poll

    fake_botapi.send_text(chat, reader, "취소 후")
    (update,) = await fake_botapi_bot.get_updates(timeout=1)
    assert update.message.text == "취소 후"
    assert fake_botapi.errors == []


async def test_two_pollers_conflict(fake_botapi: FakeBotAPI, fake_botapi_bot: Bot) -> None:
    async with Bot(fake_botapi.token, base_url=fake_botapi.base_url) as other:
        first = asyncio.create_task(fake_botapi_bot.get_updates(timeout=5))
        await fake_botapi.wait_for(lambda: fake_botapi.polling)
        assert await other.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
    assert fake_botapi.errors[-1].status == 409


# ----------------------------------------------------------------------------- commands


async def test_commands_are_recorded_per_scope_and_language(
    fake_botapi: FakeBotAPI, fake_botapi_bot: Bot
) -> None:
    group = fake_botapi.group()
    ask = BotCommand("ask", "기사에 대해 질문하기")
    assert await fake_botapi_bot.set_my_commands([ask], language_code="ko")
    assert await fake_botapi_bot.set_my_commands(
        [BotCommand("help", "도움말")], scope=BotCommandScopeChat(group.id)
    )

    assert fake_botapi.commands_for(language_code="ko") == [ask.to_dict()]
    assert fake_botapi.commands_for("chat", chat_id=group.id)[0]["command"] == "help"
    assert await fake_botapi_bot.get_my_commands(language_code="ko") == (ask,)
    assert await fake_botapi_bot.get_my_commands() == ()
    assert await fake_botapi_bot.delete_my_commands(language_code="ko")
    assert fake_botapi.commands_for(language_code="ko") == []

    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await fake_botapi_bot.set_my_commands([BotCommand("Ask-Me", "x")])
    with pytest.raises(BadRequest, match="Command length must not exceed 32"):
        await fake_botapi_bot.set_my_commands([BotCommand("a" * 33, "x")])
    with pytest.raises(BadRequest, match="Command description must be non-empty"):
        await fake_botapi_bot.set_my_commands([BotCommand("ask", " ")])


# ----------------------------------------------------------------------------- groups


async def test_group_privacy_mode_decides_what_the_bot_sees(
    fake_botapi: FakeBotAPI, fake_botapi_bot: Bot
) -> None:
    member = fake_botapi.user("지훈")
    group = fake_botapi.group("경제 기사방", members=[member])

    fake_botapi.send_text(group, member, "그냥 잡담")
    fake_botapi.send_text(group, member, "@article_qa_bot 요약해줘")
    fake_botapi.send_text(group, member, "/ask@other_bot 금리")
    fake_botapi.send_text(group, member, "/ask@article_qa_bot 금리 전망은?")
    received = await fake_botapi_bot.get_updates()
    assert [u.message.text for u in received] == ["/ask@article_qa_bot 금리 전망은?"]
    assert len(fake_botapi.undelivered) == 3

    answer = await received[0].message.reply_text("금리는…")  # quotes in groups by default
    assert answer.reply_to_message.message_id == received[0].message.message_id
    fake_botapi.send_text(group, member, "더 자세히", reply_to=fake_botapi.last_sent)
    (follow_up,) = await fake_botapi_bot.get_updates(offset=received[-1].update_id + 1)
    assert follow_up.message.reply_to_message.from_user.is_bot

    fake_botapi.make_admin(group, fake_botapi.bot_user)  # admins see everything
    fake_botapi.send_text(group, member, "그냥 잡담 2")
    latest = await fake_botapi_bot.get_updates(offset=follow_up.update_id + 1)
    assert [u.my_chat_member is not None for u in latest] == [True, False]
    assert latest[-1].message.text == "그냥 잡담 2"


async def test_admin_checks_with_get_chat_member(
    fake_botapi: FakeBotAPI, fake_botapi_bot: Bot
) -> None:
    admin, member = fake_botapi.user("관리자"), fake_botapi.user("회원")
    group = fake_botapi.group(kind="supergroup", admins=[admin], members=[member])

    assert (await fake_botapi_bot.get_chat_member(group.id, admin.id)).status == "administrator"
    assert (await fake_botapi_bot.get_chat_member(group.id, member.id)).status == "member"
    assert (
        await fake_botapi_bot.get_chat_member(group.id, fake_botapi.bot_user.id)
    ).status == "member"
    fake_botapi.make_admin(group, member)
    admins = await fake_botapi_bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} >= {admin.id, member.id}
    chat = await fake_botapi_bot.get_chat(group.id)
    assert chat.title == "기사 토론방" and chat.type == "supergroup"
    with pytest.raises(BadRequest, match="User not found"):
        await fake_botapi_bot.get_chat_member(group.id, 5)


async def test_forum_topics(fake_botapi: FakeBotAPI, fake_botapi_bot: Bot) -> None:
    member = fake_botapi.user()
    forum = fake_botapi.group("뉴스 포럼", kind="forum", members=[member])
    topic = fake_botapi.create_topic(forum, "부동산")

    fake_botapi.send_text(forum, member, "/ask 전세 사기", thread_id=topic)
    updates = await fake_botapi_bot.get_updates()
    question = updates[-1].message
    assert question.message_thread_id == topic and question.is_topic_message
    assert question.reply_to_message.forum_topic_created.name == "부동산"  # Telegram's quirk

    answer = await question.reply_text("답변")  # PTB keeps the topic
    assert answer.message_thread_id == topic and answer.is_topic_message
    await fake_botapi_bot.send_chat_action(forum.id, "typing", message_thread_id=topic)
    assert fake_botapi.chat_actions[-1].message_thread_id == topic
    with pytest.raises(BadRequest, match="Message thread not found"):
        await fake_botapi_bot.send_message(forum.id, "x", message_thread_id=topic + 100)


async def test_joining_leaving_and_migrating_groups(
    fake_botapi: FakeBotAPI, fake_botapi_bot: Bot
) -> None:
    owner = fake_botapi.user("방장")
    group = fake_botapi.group(creator=owner, bot_member=False)
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await fake_botapi_bot.send_message(group.id, "안녕")

    fake_botapi.add_bot_to_group(group, owner)
    joined, welcome = await fake_botapi_bot.get_updates()
    assert joined.my_chat_member.new_chat_member.status == "member"
    assert welcome.message.new_chat_members[0].id == fake_botapi.bot_user.id

    supergroup = fake_botapi.migrate_group_to_supergroup(group)
    updates = await fake_botapi_bot.get_updates(offset=welcome.update_id + 1)
    assert updates[0].message.migrate_to_chat_id == supergroup.id
    assert updates[1].message.migrate_from_chat_id == group.id
    with pytest.raises(ChatMigrated) as migrated:
        await fake_botapi_bot.send_message(group.id, "안녕")
    assert migrated.value.new_chat_id == supergroup.id
    assert fake_botapi.errors[-1].response["parameters"] == {"migrate_to_chat_id": supergroup.id}
    await fake_botapi_bot.send_message(supergroup.id, "새 방에서 안녕")

    fake_botapi.remove_bot_from_group(supergroup, owner)
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await fake_botapi_bot.send_message(supergroup.id, "안녕")


# ----------------------------------------------------------------------------- flood limits


async def test_automatic_flood_limits_are_opt_in() -> None:
    async with FakeBotAPI(enforce_flood_limits=True) as fake:
        chat = fake.private_chat(fake.user())
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            await bot.send_message(chat.id, "하나")
            with pytest.raises(RetryAfter) as flood:
                await bot.send_message(chat.id, "둘")
    assert retry_seconds(flood.value) == 1
    (event,) = fake.flood_events
    assert event.chat_id == chat.id and "per 1s" in event.reason


# ----------------------------------------------------------------------------- waiting


async def test_wait_for_fails_with_a_traffic_summary(fake_botapi: FakeBotAPI) -> None:
    with pytest.raises(TimeoutError, match="0 calls"):
        await fake_botapi.wait_for(lambda: fake_botapi.sent, timeout=0.05)


# ----------------------------------------------------------------------------- a whole bot


async def test_a_polling_application_answers_and_stops_quickly(fake_botapi: FakeBotAPI) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html(f"<b>메아리</b>: {update.effective_message.text}")

    app = application_builder(fake_botapi).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    reader = fake_botapi.user("서연")
    chat = fake_botapi.private_chat(reader)

    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=dtm.timedelta(seconds=60))
        fake_botapi.send_text(chat, reader, "안녕하세요")
        (reply,) = await fake_botapi.wait_for_messages(chat, 1, timeout=5)
        await fake_botapi.wait_for(lambda: fake_botapi.polling)  # the next long poll waits
        # Stopping ends that poll: waiting out its 60 s would overrun the 10 s given here.
        async with asyncio.timeout(10):
            await app.updater.stop()
            await app.stop()

    assert reply.text == "메아리: 안녕하세요" and reply.bold == ["메아리"]
    assert [c.method for c in fake_botapi.calls[:2]] == ["getMe", "deleteWebhook"]
    last_poll = fake_botapi.calls_to("getUpdates")[-1]
    assert last_poll.params["timeout"] == 0  # PTB's final poll confirms the offset
    assert fake_botapi.errors == []


async def test_documents_are_served_by_get_file_and_the_download_route(
    fake_botapi: FakeBotAPI, fake_botapi_bot: Bot
) -> None:
    user = fake_botapi.user()
    chat = fake_botapi.private_chat(user)
    sent = fake_botapi.send_document(chat, user, b"hello file", "a.txt", caption="/add")
    assert sent["caption_entities"][0]["type"] == "bot_command"
    document = sent["document"]
    assert document["file_size"] == 10 and document["file_name"] == "a.txt"

    telegram_file = await fake_botapi_bot.get_file(document["file_id"])
    assert await telegram_file.download_as_bytearray() == bytearray(b"hello file")
    assert fake_botapi.downloads == [
        telegram_file.file_path.split("/file/bot", 1)[1].split("/", 1)[1]
    ]

    with pytest.raises(BadRequest, match="Invalid file_id"):
        await fake_botapi_bot.get_file("nope")
    big = fake_botapi.send_document(chat, user, b"x", "big.pdf", file_size=25_000_000)
    with pytest.raises(BadRequest, match="File is too big"):
        await fake_botapi_bot.get_file(big["document"]["file_id"])
