"""A typed ``CallbackContext``: handlers read ``context.service`` instead of casting bot_data.

``build_application`` puts one ``Services`` in ``bot_data``; ``ChatContext`` exposes it
(PTB's ``examples/contexttypesbot.py`` pattern). Also here: the texts for the update's
user, and the admin check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from ..answers import AnswerService
from ..metrics import Metrics
from ..settings import Settings
from .history import ChatHistory
from .limits import ChatBacklog, Cooldown, QuestionThrottle
from .pending import PendingDocuments

if TYPE_CHECKING:
    from ..library import Library
    from ..refresh import Refresher

__all__ = ["SERVICES_KEY", "ChatApplication", "ChatContext", "Services"]

SERVICES_KEY = "services"


@dataclass(slots=True)
class Services:
    """What the handlers work with; created once per application."""

    settings: Settings
    service: AnswerService
    history: ChatHistory
    throttle: QuestionThrottle
    backlog: ChatBacklog = field(default_factory=ChatBacklog)
    busy_notices: Cooldown = field(default_factory=Cooldown)  # once per chat and minute
    library: Library | None = None  # to rebuild the index (/refresh, /add)
    refresher: Refresher | None = None  # one per application: refreshes never overlap
    # Files sent by admins, waiting for Add / Cancel (in memory: a restart expires them).
    pending_documents: PendingDocuments = field(default_factory=PendingDocuments)
    metrics: Metrics = field(default_factory=Metrics)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_user_ids

    def serves_chat(self, chat_id: int | None, user_id: int | None) -> bool:
        """ALLOWED_CHAT_IDS (empty: every chat), and the admins' private chats.

        Inline queries have no chat: they are served to the users whose private chat
        is allowed, and to the admins.
        """
        allowed = self.settings.allowed_chat_ids
        if not allowed:
            return True
        if chat_id is None:
            return user_id in allowed or self.is_admin(user_id)
        return chat_id in allowed or (chat_id == user_id and self.is_admin(user_id))


class ChatContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context every handler of this bot receives."""

    @property
    def services(self) -> Services:
        services: Services = self.bot_data[SERVICES_KEY]
        return services

    @property
    def service(self) -> AnswerService:
        return self.services.service

    @property
    def history(self) -> ChatHistory:
        return self.services.history

    @property
    def settings(self) -> Settings:
        return self.services.settings


ChatApplication = Application[
    ExtBot[None], ChatContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]
