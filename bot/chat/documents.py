"""Articles sent as files: an admin sends a document, sees a preview, presses Add or Cancel.

In a private chat any document from an admin counts; in a group, one whose caption
starts with ``/add`` (or ``/add@<this bot>``): ``CommandHandler`` ignores captions, so
``CAPTION_ADD`` is a filter of its own. The work is elsewhere: ``draft_document`` reads
and checks the file (in a worker thread), ``PendingDocuments`` keeps the draft for its
buttons, ``Refresher.add_document`` stores and indexes it.

    file → (admin? ≤ 20 MB?) → getFile + download → draft → preview [Add] [Cancel]
    Add    → Refresher.add_document → the change report, in the same message
    Cancel → nothing stored

Forged or stale button data, and a button pressed in another chat, get "this button
has expired" and nothing else (``handlers.on_button`` answers that when
``on_document_button`` returns a reason).
"""

from __future__ import annotations

import asyncio
import logging

from telegram import CallbackQuery, Message, Update
from telegram.constants import FileSizeLimit
from telegram.error import BadRequest
from telegram.ext import filters

from ..refresh import RefreshInProgress, draft_document
from ..search.home import ReadOnlyIndex
from ..sources import DocumentProblem, DocumentRefused
from .callbacks import DocumentButton
from .context import ChatContext
from .render import plain, render_document_preview, render_document_result
from .texts import ChatTexts, texts_for_update

__all__ = ["CAPTION_ADD", "DOWNLOAD_LIMIT", "on_document", "on_document_button"]

log = logging.getLogger(__name__)

# The Bot API lets bots download files of up to 20 MB (a local Bot API server: any size).
DOWNLOAD_LIMIT: int = FileSizeLimit.FILESIZE_DOWNLOAD


class _CaptionAdd(filters.MessageFilter):
    """A caption that starts with /add or /add@<this bot> (not /add@another_bot)."""

    def filter(self, message: Message) -> bool:
        caption = message.caption or ""
        entities = message.caption_entities or ()
        first = next((e for e in entities if e.offset == 0 and e.type == "bot_command"), None)
        if first is None:
            return False
        command, _, addressee = caption[: first.length].partition("@")
        username = (message.get_bot().username or "").lower()
        return command.lower() == "/add" and addressee.lower() in ("", username)


CAPTION_ADD = _CaptionAdd(name="CAPTION_ADD")


async def on_document(update: Update, context: ChatContext) -> None:
    """A file from an admin: downloaded, read, previewed with Add / Cancel."""
    message, user = update.effective_message, update.effective_user
    document = message.document if message else None
    if message is None or document is None:  # the handler's filter lets only documents in
        return
    texts = texts_for_update(update)
    services = context.services
    if user is None or not services.is_admin(user.id):
        log.info("refused a document from non-admin %s", user and user.id)
        await message.reply_text(plain(texts.document_admin_only))
        return
    name = document.file_name or "document"
    if document.file_size is not None and document.file_size > DOWNLOAD_LIMIT:
        await _refuse(message, texts, DocumentProblem.TOO_LARGE, name)
        return
    if services.refresher is None:
        await message.reply_text(plain(texts.refresh_running))
        return
    try:
        telegram_file = await document.get_file()
        data = bytes(await telegram_file.download_as_bytearray())
    except BadRequest as error:  # "file is too big": the size was not given, or lied
        log.info("could not download %r: %s", name, error.message)
        await _refuse(message, texts, DocumentProblem.TOO_LARGE, name)
        return
    max_chars = services.settings.article_max_chars
    try:
        draft = await asyncio.to_thread(draft_document, data, name, max_chars=max_chars)
    except DocumentRefused as refused:
        log.info("refused the document %r: %s", name, refused.reason)
        await _refuse(message, texts, refused.problem, name)
        return
    ref = services.pending_documents.add(draft, chat_id=message.chat_id, user_id=user.id)
    rendered = render_document_preview(draft, texts, ref)
    await message.reply_text(rendered.text, reply_markup=rendered.keyboard)


async def _refuse(message: Message, texts: ChatTexts, problem: DocumentProblem, name: str) -> None:
    why = texts.document_refused[problem.value].format(limit=f"{DOWNLOAD_LIMIT // 1_000_000} MB")
    await message.reply_text(plain(f"{why}\n({name[:200]})"))


async def on_document_button(
    update: Update,
    query: CallbackQuery,
    context: ChatContext,
    texts: ChatTexts,
    button: DocumentButton,
) -> str | None:
    """Add or Cancel; returns why the button has expired, or None when it was handled."""
    services = context.services
    chat_id = update.effective_chat.id if update.effective_chat else None
    if services.pending_documents.find(button.ref, chat_id=chat_id) is None:
        return "no such document waiting in this chat"
    if not services.is_admin(query.from_user.id):
        await query.answer(texts.admin_only)
        return None
    refresher = services.refresher
    if button.add and (refresher is None or refresher.running):
        await query.answer(texts.refresh_running)  # the draft waits for another press
        return None
    pending = services.pending_documents.take(button.ref, chat_id=chat_id)
    if pending is None:  # the other admin's press came first
        return "taken by another press"
    await query.answer()
    title = pending.draft.article.title[:200]
    if not button.add or refresher is None:
        await query.edit_message_text(plain(texts.document_cancelled.format(title=title)))
        return None
    # The buttons go at once, so nobody presses them while the article is indexed.
    await query.edit_message_text(plain(texts.document_adding.format(title=title)))
    try:
        result = await refresher.add_document(pending.draft)
    except RefreshInProgress:  # one started between the check and now: ask again
        services.pending_documents.put_back(pending)
        rendered = render_document_preview(pending.draft, texts, button.ref)
        await query.edit_message_text(rendered.text, reply_markup=rendered.keyboard)
        return None
    except ReadOnlyIndex:
        await query.edit_message_text(plain(texts.refresh_replica))
        return None
    await query.edit_message_text(render_document_result(result, pending.draft, texts))
    return None
