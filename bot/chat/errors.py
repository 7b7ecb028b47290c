"""The one error handler: log, apologise when someone is waiting, never crash.

Failures that are part of life on Telegram are logged in one line, without a traceback:

    Forbidden          the user blocked the bot, or it was removed from the group
    BadRequest         a chat that no longer exists, a message too old (or gone) to edit,
                       a button pressed twice ("message is not modified"), a query too old
    ChatMigrated       a group became a supergroup (handlers re-send; this is the rest)
    RetryAfter         flood control outlasted the rate limiter's retries
    NetworkError       Telegram could not be reached (TimedOut is one)

Anything else is a bug: it is logged with its traceback and an incident number, and the
person who asked gets an apology with that number (if they can be answered at all).
"""

from __future__ import annotations

import logging
import secrets

from telegram import Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from .context import ChatContext
from .render import plain
from .texts import texts_for_update

__all__ = ["on_error"]

log = logging.getLogger(__name__)

_EXPECTED_BAD_REQUESTS = (
    "message is not modified",
    "message to edit not found",
    "message can't be edited",
    "message to be replied not found",
    "chat not found",
    "query is too old",
    "have no rights to send a message",
    "not enough rights to send",
    "topic_closed",
    "topic_deleted",
    "message thread not found",
)


async def on_error(update: object, context: ChatContext) -> None:
    """PTB's error handler: ``application.add_error_handler(on_error)``."""
    error = context.error
    where = _describe(update)
    if isinstance(error, Forbidden):
        log.info("%s: can't write there any more: %s", where, error.message)
        return
    if isinstance(error, ChatMigrated):
        log.info("%s: the group moved to %s", where, error.new_chat_id)
        return
    if isinstance(error, BadRequest) and _is_expected(error):
        log.info("%s: %s", where, error.message)
        return
    if isinstance(error, RetryAfter):
        log.warning("%s: flood control still active after retries: %s", where, error.message)
        return
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        log.warning("%s: network failure: %s", where, error.message)
        return
    incident = secrets.token_hex(3)
    log.error("incident %s while handling %s", incident, where, exc_info=error)
    await _apologise(update, incident)


def _is_expected(error: BadRequest) -> bool:
    message = error.message.lower()
    return any(known in message for known in _EXPECTED_BAD_REQUESTS)


def _describe(update: object) -> str:
    """Which chat, user and kind of update, without the text (logs are not for content)."""
    if not isinstance(update, Update):
        return f"{type(update).__name__}"
    chat = update.effective_chat
    user = update.effective_user
    kind = next(
        (
            name
            for name in ("message", "callback_query", "inline_query", "my_chat_member")
            if getattr(update, name, None) is not None
        ),
        "update",
    )
    chat_id = chat.id if chat else "-"
    user_id = user.id if user else "-"
    return f"update {update.update_id} ({kind}, chat {chat_id}, user {user_id})"


async def _apologise(update: object, incident: str) -> None:
    if not isinstance(update, Update):
        return
    texts = texts_for_update(update)
    apology = plain(texts.error.format(incident=incident))
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(
                texts.error.format(incident=incident), show_alert=True
            )
        elif update.effective_message is not None and update.effective_chat is not None:
            await update.effective_message.reply_text(apology)
    except TelegramError as error:  # the apology failing is not worth another one
        log.warning("could not send the apology for incident %s: %s", incident, error)
