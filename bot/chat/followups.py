"""Which earlier answer a message may follow up (README, "Follow-up questions").

A reply to one of the bot's answers may follow that answer up, for
FOLLOWUP_REPLY_HOURS after it; in a private chat, a plain message may follow up the
bot's last answer when it comes within FOLLOWUP_MINUTES of it. Whether it really is a
follow-up (it has no topic of its own) is the answer service's call
(``bot/answers/followup.py``); the context comes from the chat history (``history.py``),
which keeps each question's reply message and quoted passages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram import Message
from telegram.constants import ChatType

from ..answers import Answer, Turn
from ..errors import SearchUnavailable
from ..settings import Settings
from .history import ChatHistory, Question

__all__ = ["Earlier", "earlier_question", "page_context", "record_fields"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Earlier:
    """The stored question a message may follow up, and how: a reply to its answer
    (``explicit``) or just the next message of a private chat."""

    question: Question
    explicit: bool

    @property
    def turn(self) -> Turn | None:
        return self.question.turn


def earlier_question(history: ChatHistory, settings: Settings, message: Message) -> Earlier | None:
    """The answer ``message`` may follow up; None: it is a new question (also when the
    chat history can't be reached: the question is then answered on its own)."""
    try:
        return _earlier_question(history, settings, message)
    except SearchUnavailable as error:
        log.warning("message %s is answered as a new question: %s", message.message_id, error)
        return None


def _earlier_question(history: ChatHistory, settings: Settings, message: Message) -> Earlier | None:
    replied = message.reply_to_message
    if replied is not None:
        author = replied.from_user
        if author is None or author.id != message.get_bot().id or not settings.followup_reply_hours:
            return None
        asked = history.replied_question(
            message.chat_id, replied.message_id, max_age=settings.followup_reply_hours * 3600
        )
        return Earlier(asked, explicit=True) if asked else None
    if message.chat.type != ChatType.PRIVATE or not settings.followup_minutes:
        return None
    asked = history.last_question(message.chat_id, max_age=settings.followup_minutes * 60)
    return Earlier(asked, explicit=False) if asked else None


def record_fields(answer: Answer, earlier: Earlier | None) -> dict[str, Any]:
    """What ``History.record_question`` keeps for follow-ups of this answer."""
    followed = earlier is not None and answer.followup_of is not None
    return {
        "passages": [hit.passage.id for hit in answer.hits],
        "followup_of": answer.followup_of,
        "parent_id": earlier.question.id if earlier is not None and followed else None,
    }


def page_context(history: ChatHistory, asked: Question) -> Turn | None:
    """The context a stored follow-up was answered with, for its further pages."""
    parent = history.question(asked.parent_id) if asked.parent_id is not None else None
    return parent.turn if parent else None
