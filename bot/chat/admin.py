"""Commands for the bot's admins (ADMIN_USER_IDS): /stats, /refresh and /add.

To add an admin command:

1. write ``async def cmd_refresh(update: Update, context: ChatContext) -> None`` here and
   decorate it with ``@admin_only`` (others get a polite refusal);
2. show progress in one message: ``status = await StatusMessage.send(message, "…")``, hand
   ``status.progress`` to the worker thread (``Library.build_index(progress)`` takes it),
   then ``await status.finish("…")``;
3. swap the index in: ``context.service.swap(index)`` (``context.services.library`` builds it);
4. add ``CommandHandler("refresh", cmd_refresh, filters=NEW_MESSAGE)`` to
   ``admin_handlers()`` and a ``Command`` to ``texts.ADMIN_COMMANDS`` (the admins' command
   menu is set from it at start-up).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CommandHandler

from ..errors import SearchUnavailable
from ..refresh import RefreshInProgress
from ..search.home import ReadOnlyIndex
from .context import ChatContext
from .handlers import NEW_MESSAGE
from .render import plain, render_add_result, render_refresh_report, render_stats
from .texts import texts_for_update

__all__ = [
    "StatusMessage",
    "admin_handlers",
    "admin_only",
    "cmd_add",
    "cmd_refresh",
    "cmd_stats",
    "scheduled_refresh",
]

log = logging.getLogger(__name__)

Handler = Callable[[Update, ChatContext], Coroutine[Any, Any, None]]


def admin_only(callback: Handler) -> Handler:
    """Runs ``callback`` for the bot's admins; everyone else is told it is admin-only."""

    @functools.wraps(callback)
    async def guarded(update: Update, context: ChatContext) -> None:
        user = update.effective_user
        if context.services.is_admin(user.id if user else None):
            await callback(update, context)
            return
        log.info("refused %s to non-admin %s", callback.__name__, user and user.id)
        if update.effective_message is not None:
            texts = texts_for_update(update)
            await update.effective_message.reply_text(plain(texts.admin_only))

    return guarded


@admin_only
async def cmd_stats(update: Update, context: ChatContext) -> None:
    """Questions asked, answered and not found; feedback; the frequent unanswered questions."""
    message = update.effective_message
    if message is None:
        return
    texts = texts_for_update(update)
    try:
        stats = await asyncio.to_thread(context.history.stats)
    except SearchUnavailable as error:
        log.warning("/stats: %s", error)
        await message.reply_text(plain(texts.stats_unavailable))
        return
    for text in render_stats(stats, texts, retrieval=context.service.mode):
        await message.reply_text(text)


@admin_only
async def cmd_refresh(update: Update, context: ChatContext) -> None:
    """Re-read the corpus, re-fetch and poll sources, swap the index; progress in one message."""
    texts = texts_for_update(update)
    refresher = context.services.refresher
    message = update.effective_message
    if message is None:
        return
    if refresher is None or refresher.running:
        await message.reply_text(plain(texts.refresh_running))
        return
    status = await StatusMessage.send(message, plain(texts.refresh_started))
    try:
        report = await refresher.refresh(status.progress)
    except RefreshInProgress:
        await status.finish(plain(texts.refresh_running))
        return
    except ReadOnlyIndex:
        await status.finish(plain(texts.refresh_replica))
        return
    first, *rest = render_refresh_report(report, texts)
    await status.finish(first)
    for text in rest:
        await message.reply_text(text)


@admin_only
async def cmd_add(update: Update, context: ChatContext) -> None:
    """/add <url>: download an article (or subscribe to a feed) and index it."""
    texts = texts_for_update(update)
    message = update.effective_message
    if message is None:
        return
    refresher = context.services.refresher
    if not context.args:
        await message.reply_text(texts.add_usage)
        return
    if refresher is None or refresher.running:
        await message.reply_text(plain(texts.refresh_running))
        return
    url = context.args[0]
    status = await StatusMessage.send(message, plain(texts.add_started.format(url=url[:200])))
    try:
        result = await refresher.add(url, status.progress)
    except RefreshInProgress:
        await status.finish(plain(texts.refresh_running))
        return
    except ReadOnlyIndex:
        await status.finish(plain(texts.refresh_replica))
        return
    await status.finish(render_add_result(result, url, texts))


async def scheduled_refresh(context: ChatContext) -> None:
    """The REFRESH_INTERVAL_MINUTES job: a refresh nobody waits for, logged."""
    refresher = context.services.refresher
    if refresher is None:
        return
    try:
        report = await refresher.refresh()
    except RefreshInProgress:
        log.info("scheduled refresh skipped: one is already running")
        return
    except ReadOnlyIndex:  # settings refuse a schedule on a replica; never crash the job
        log.info("scheduled refresh skipped: this process only reads the cluster's index")
        return
    log.info("scheduled refresh: %s", report.summary())


def admin_handlers() -> list[BaseHandler[Update, ChatContext, None]]:
    """The admin commands, registered by ``build_application`` with the other commands."""
    return [
        CommandHandler("stats", cmd_stats, filters=NEW_MESSAGE),
        CommandHandler("refresh", cmd_refresh, filters=NEW_MESSAGE),
        CommandHandler("add", cmd_add, filters=NEW_MESSAGE),
    ]


class StatusMessage:
    """One message edited as long work goes on (e.g. the progress of /refresh).

    ``progress`` is a ``bot.progress.Progress``: call it from any thread; edits are made
    on the event loop, at most one every ``interval`` seconds, and failures to edit are
    logged, never raised (reporting must not fail the work).
    """

    def __init__(self, message: Message, *, interval: float = 2.0) -> None:
        self.message = message
        self.interval = interval
        self._loop = asyncio.get_running_loop()
        self._last_edit = 0.0
        self._text = message.text_html if message.text else ""

    @classmethod
    async def send(cls, reply_to: Message, text: str, *, interval: float = 2.0) -> StatusMessage:
        """Replies with ``text`` (HTML) and returns the message to edit."""
        return cls(await reply_to.reply_text(text), interval=interval)

    def progress(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last_edit < self.interval:
            return
        self._last_edit = now
        text = plain(f"⏳ {stage} {done}/{total}")
        asyncio.run_coroutine_threadsafe(self.update(text), self._loop)

    async def update(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        try:
            await self.message.edit_text(text)
        except BadRequest as error:
            log.info("could not update the status message: %s", error.message)

    async def finish(self, text: str) -> None:
        await self.update(text)
