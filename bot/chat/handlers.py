"""The handlers: parse the update, ask the answer service, render, reply.

Each handler is thin: the answer engine (``AnswerService``) does the retrieval, in a
worker thread (``asyncio.to_thread``) so that searching never blocks the event loop;
``render.py`` makes the HTML; the texts come from ``texts.py``. ``app.py`` registers
these callbacks in order. Unexpected errors propagate to ``errors.on_error``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time

from telegram import CallbackQuery, ChatMember, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import ChatMigrated
from telegram.ext import ApplicationHandlerStop, filters

from ..answers import AnswerStatus
from ..errors import SearchUnavailable
from . import render
from .callbacks import (
    DocumentButton,
    FeedbackButton,
    InvalidButton,
    PageButton,
    PassageButton,
    decode,
)
from .context import ChatContext
from .documents import on_document_button
from .followups import Earlier, earlier_question, page_context, record_fields
from .refs import ChatRef
from .texts import ChatTexts, texts_for_update

__all__ = [
    "MENTIONS_BOT",
    "NEW_MESSAGE",
    "REPLIES_TO_BOT",
    "cmd_ask",
    "cmd_help",
    "cmd_sources",
    "cmd_start",
    "gate",
    "note_delivery",
    "on_button",
    "on_inline_query",
    "on_membership",
    "on_mention",
    "on_migration",
    "on_question_text",
]

log = logging.getLogger(__name__)

INLINE_CACHE_SECONDS = 300
# The metrics' outcome of a question the service answered (bot.metrics.QUESTION_OUTCOMES).
_OUTCOMES = {
    AnswerStatus.ANSWERED: "answered",
    AnswerStatus.NOT_FOUND: "not_found",
    AnswerStatus.EMPTY: "refused",
    AnswerStatus.NO_WORDS: "refused",
    AnswerStatus.TOO_LONG: "refused",
    AnswerStatus.UNAVAILABLE: "unavailable",
}


# -- filters -----------------------------------------------------------------------------


class _RepliesToBot(filters.MessageFilter):
    """A reply to one of this bot's messages: a follow-up question."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        author = replied.from_user if replied else None
        return author is not None and author.id == message.get_bot().id


class _MentionsBot(filters.MessageFilter):
    """A message that @mentions this bot (delivered in groups only without privacy mode)."""

    def filter(self, message: Message) -> bool:
        return _is_me(message, *message.parse_entities([MessageEntity.MENTION]).values())


def _is_me(message: Message, *mentions: str) -> bool:
    """Whether any of the ``@username`` mentions is this bot."""
    username = (message.get_bot().username or "").lower()
    return any(mention[1:].lower() == username for mention in mentions)


NEW_MESSAGE = filters.UpdateType.MESSAGE  # edits of questions are not asked again
REPLIES_TO_BOT = _RepliesToBot(name="REPLIES_TO_BOT")
MENTIONS_BOT = _MentionsBot(name="MENTIONS_BOT")


# -- gate --------------------------------------------------------------------------------


async def note_delivery(update: Update, context: ChatContext) -> None:
    """Runs before everything: an update arriving is contact with Telegram (for /healthz
    in webhook mode; polling notes each getUpdates that answers)."""
    if context.settings.webhook_url:
        context.services.metrics.telegram_contact("webhook delivery")


async def gate(update: Update, context: ChatContext) -> None:
    """Runs first: stops updates from chats the bot does not serve (ALLOWED_CHAT_IDS)."""
    chat, user = update.effective_chat, update.effective_user
    if not context.services.serves_chat(chat.id if chat else None, user.id if user else None):
        log.info("ignoring an update from chat %s (not in ALLOWED_CHAT_IDS)", chat and chat.id)
        raise ApplicationHandlerStop


# -- questions ---------------------------------------------------------------------------


async def on_question_text(update: Update, context: ChatContext) -> None:
    """Any text in a private chat; in a group, a reply to one of the bot's messages.
    Either may follow up an earlier answer (``followups.py``)."""
    message = update.effective_message
    if message is None:
        return
    earlier = await asyncio.to_thread(earlier_question, context.history, context.settings, message)
    await _answer_question(update, context, message.text or "", earlier)


async def cmd_ask(update: Update, context: ChatContext) -> None:
    """``/ask <question>`` and ``/ask@<bot> <question>``, in any chat; sent as a reply to
    one of the bot's answers, it may follow that answer up."""
    message = update.effective_message
    if message is None:
        return
    words = (message.text or "").split(maxsplit=1)
    earlier = await _replied_earlier(context, message)
    await _answer_question(update, context, words[1] if len(words) > 1 else "", earlier)


async def on_mention(update: Update, context: ChatContext) -> None:
    """``@<bot> question`` in a group, when Telegram delivers it (privacy mode off or admin)."""
    message = update.effective_message
    if message is None:
        return
    text = message.text or ""
    for mention in set(message.parse_entities([MessageEntity.MENTION]).values()):
        if _is_me(message, mention):
            text = text.replace(mention, " ")
    await _answer_question(update, context, text, await _replied_earlier(context, message))


async def _replied_earlier(context: ChatContext, message: Message) -> Earlier | None:
    """The answer a command or mention replies to (only a reply: asking the bot by
    name or command is otherwise a new question)."""
    if message.reply_to_message is None:
        return None
    return await asyncio.to_thread(earlier_question, context.history, context.settings, message)


async def _answer_question(
    update: Update, context: ChatContext, question: str, earlier: Earlier | None = None
) -> None:
    """Throttle, search in a worker thread, record, reply with the rendered answer."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None:  # every message has a chat; keeps mypy informed
        return
    services = context.services
    texts = texts_for_update(update)
    if not question.strip():  # "/ask" or "@bot" alone
        usage = render.render_template(texts.ask_usage, bot_username=context.bot.username)
        await _reply(message, usage)
        return
    verdict = services.throttle.check(user.id if user else chat.id)
    if not verdict.allowed:
        services.metrics.question("throttled")
        if verdict.notify:
            seconds = max(1, math.ceil(verdict.retry_after))
            await _reply(message, render.plain(texts.flood.format(seconds=seconds)))
        return
    with services.backlog.slot(chat.id) as admitted:
        if not admitted:
            services.metrics.question("dropped")
            # Never silence: the chat hears it is busy (once a minute, not once a question).
            notify = services.busy_notices.ready(chat.id)
            log.info(
                "chat %s has %d answers pending; not answering a question%s",
                chat.id,
                services.backlog.per_chat,
                " (told the chat it is busy)" if notify else "",
            )
            if notify:
                await _reply(message, render.plain(texts.busy))
            return
        started = time.perf_counter()
        answer = await asyncio.to_thread(
            context.service.ask,
            question,
            context=earlier.turn if earlier else None,
            explicit=earlier.explicit if earlier else True,
        )
        services.metrics.question(_OUTCOMES[answer.status], seconds=time.perf_counter() - started)
        try:
            ref: ChatRef | None = await asyncio.to_thread(
                context.history.record_question,
                chat_id=chat.id,
                user_id=user.id if user else None,
                text=answer.question,
                status=answer.status.value,
                **record_fields(answer, earlier),
            )
        except SearchUnavailable as error:  # the answer still goes out, without buttons
            log.warning("the answer in chat %s goes out without buttons: %s", chat.id, error)
            ref = None
        rendered = render.render_answer(
            answer,
            texts,
            bot_username=context.bot.username,
            ref=ref,
            page_size=context.service.top,
        )
        sent = await _reply(message, rendered.text, rendered.keyboard)
        if ref is not None:
            try:
                await asyncio.to_thread(context.history.note_reply, ref, sent.message_id)
            except SearchUnavailable as error:
                log.warning("a reply to message %s won't follow it up: %s", sent.message_id, error)


# -- commands ----------------------------------------------------------------------------


async def cmd_start(update: Update, context: ChatContext) -> None:
    """``/start``, and ``/start <passage id>`` from a "read in full" deep link."""
    message = update.effective_message
    if message is None:
        return
    texts = texts_for_update(update)
    payload = context.args[0] if context.args else ""
    if payload and message.chat.type == ChatType.PRIVATE:
        view = await asyncio.to_thread(context.service.open_passage, payload)
        if view is not None:
            rendered = render.render_passage(view, texts, bot_username=context.bot.username)
            await _reply(message, rendered.text, rendered.keyboard)
            return
        await _reply(message, render.plain(texts.passage_not_found))
        return
    await _reply(message, render.render_template(texts.start, bot_username=context.bot.username))


async def cmd_help(update: Update, context: ChatContext) -> None:
    message = update.effective_message
    if message is None:
        return
    texts = texts_for_update(update)
    await _reply(message, render.render_template(texts.help, bot_username=context.bot.username))


async def cmd_sources(update: Update, context: ChatContext) -> None:
    """The articles, with their original links and a link to read each from the start."""
    message = update.effective_message
    if message is None:
        return
    texts = texts_for_update(update)
    articles = context.service.suggestions.articles
    index = context.service.index
    first_passages = {
        article.id: passages[0].id
        for article in articles
        if (passages := index.article_passages(article.id))
    }
    messages = render.render_sources(
        articles, texts, bot_username=context.bot.username, first_passages=first_passages
    )
    for text in messages:
        await _reply(message, text)


# -- buttons -----------------------------------------------------------------------------


async def on_button(update: Update, context: ChatContext) -> None:
    """Every button press: decoded once, then shown, counted or expired.

    One handler instead of one pattern per kind: PTB passes callback queries with empty
    or missing data to every pattern handler, so a pattern can't keep them out.
    """
    query = update.callback_query
    if query is None:
        return
    texts = texts_for_update(update)
    match decode(query.data):
        case PageButton() as page:
            await _show_page(update, query, context, texts, page)
        case FeedbackButton() as vote:
            await _record_vote(update, query, context, texts, vote)
        case PassageButton() as passage:
            await _show_passage(query, context, texts, passage)
        case DocumentButton() as document:
            expired = await on_document_button(update, query, context, texts, document)
            if expired:
                await _expire(update, query, texts, expired)
        case InvalidButton():
            await _expire(update, query, texts, "data this version did not make")


async def _show_page(
    update: Update,
    query: CallbackQuery,
    context: ChatContext,
    texts: ChatTexts,
    button: PageButton,
) -> None:
    """More (or previous) results: the same message, edited."""
    chat_id = update.effective_chat.id if update.effective_chat else None
    earlier = None
    try:
        asked = await asyncio.to_thread(context.history.find_question, button.ref, chat_id=chat_id)
        if asked is not None:
            earlier = await asyncio.to_thread(page_context, context.history, asked)
    except SearchUnavailable as error:
        await _unavailable(query, texts, error)
        return
    if asked is None:
        await _expire(update, query, texts, "no such question in this chat")
        return
    await query.answer()
    answer = await asyncio.to_thread(
        context.service.ask, asked.text, offset=button.offset, context=earlier
    )
    rendered = render.render_answer(
        answer,
        texts,
        bot_username=context.bot.username,
        ref=button.ref,
        page_size=context.service.top,
    )
    await query.edit_message_text(rendered.text, reply_markup=rendered.keyboard)


async def _record_vote(
    update: Update,
    query: CallbackQuery,
    context: ChatContext,
    texts: ChatTexts,
    button: FeedbackButton,
) -> None:
    """👍 / 👎: stored (one vote per person and answer) and acknowledged."""
    chat_id = update.effective_chat.id if update.effective_chat else None
    try:
        stored = await asyncio.to_thread(
            context.history.record_feedback,
            button.ref,
            chat_id=chat_id,
            user_id=query.from_user.id,
            up=button.up,
        )
    except SearchUnavailable as error:
        await _unavailable(query, texts, error)
        return
    if not stored:
        await _expire(update, query, texts, "no such question in this chat")
        return
    await query.answer(texts.feedback_thanks)


async def _show_passage(
    query: CallbackQuery, context: ChatContext, texts: ChatTexts, button: PassageButton
) -> None:
    """◀ ▶ in a passage opened from a deep link: the neighbouring passage, same message.

    Passages are public article text: these buttons work in any chat.
    """
    view = await asyncio.to_thread(context.service.open_passage, button.passage_id)
    if view is None:
        await query.answer(texts.passage_not_found, show_alert=True)
        return
    await query.answer()
    rendered = render.render_passage(view, texts, bot_username=context.bot.username)
    await query.edit_message_text(rendered.text, reply_markup=rendered.keyboard)


async def _expire(update: Update, query: CallbackQuery, texts: ChatTexts, reason: str) -> None:
    """A forged, stale or empty button: a short answer, and nothing sent or edited.

    Logged at INFO: it is what a modified client or an old message does, not a bug.
    """
    chat, user = update.effective_chat, update.effective_user
    log.info(
        "update %s: expired button %.70r in chat %s from user %s: %s",
        update.update_id,
        query.data,
        chat.id if chat else "-",
        user.id if user else "-",
        reason,
    )
    await query.answer(texts.button_expired)


async def _unavailable(query: CallbackQuery, texts: ChatTexts, error: SearchUnavailable) -> None:
    """A button the chat history can't check now (the cluster is unreachable): it may be
    valid, so not "expired"; it can be pressed again once the cluster is back."""
    log.warning("button %.70r can't be checked now: %s", query.data, error)
    await query.answer(texts.button_unavailable, show_alert=True)


# -- inline mode -------------------------------------------------------------------------


async def on_inline_query(update: Update, context: ChatContext) -> None:
    """``@<bot> question`` in any chat: the best passages, each posting its excerpt."""
    query = update.inline_query
    if query is None:
        return
    texts = texts_for_update(update)
    if not query.query.strip():
        await query.answer([], cache_time=INLINE_CACHE_SECONDS)
        return
    answer = await asyncio.to_thread(
        context.service.ask, query.query, top=render.MAX_INLINE_RESULTS
    )
    results = render.render_inline_results(answer, texts, bot_username=context.bot.username)
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS)


# -- chats -------------------------------------------------------------------------------


async def on_membership(update: Update, context: ChatContext) -> None:
    """The bot was added to a group: introduce itself, once, briefly."""
    change = update.my_chat_member
    if change is None:
        return
    if change.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return
    present = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)
    was_present = change.old_chat_member.status in present
    is_present = change.new_chat_member.status in present
    if was_present or not is_present:
        return  # a promotion, a removal, or nothing: no introduction
    texts = texts_for_update(update)
    intro = render.render_template(texts.group_intro, bot_username=context.bot.username)
    await context.bot.send_message(change.chat.id, intro)


async def on_migration(update: Update, context: ChatContext) -> None:
    """A group became a supergroup: move what we know about it to the new chat id."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return  # the same migration, as seen from the new supergroup
    old, new = message.chat.id, message.migrate_to_chat_id
    context.application.migrate_chat_data(old_chat_id=old, new_chat_id=new)
    try:
        await asyncio.to_thread(context.history.migrate_chat, old, new)
    except SearchUnavailable as error:
        log.error("chat %s's questions stay under its old id: %s", old, error)
        return
    log.info("chat %s migrated to %s", old, new)


# -- sending -----------------------------------------------------------------------------


async def _reply(
    message: Message, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> Message:
    """Replies in the message's chat and forum topic (quoting it in groups).

    A group that became a supergroup meanwhile gets the reply at its new id.
    """
    try:
        return await message.reply_text(text, reply_markup=keyboard)
    except ChatMigrated as migrated:
        log.info("chat %s moved to %s; replying there", message.chat_id, migrated.new_chat_id)
        return await message.get_bot().send_message(
            migrated.new_chat_id, text, reply_markup=keyboard
        )
