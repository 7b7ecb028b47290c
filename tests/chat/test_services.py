"""Who the bot serves (ALLOWED_CHAT_IDS) and who is an admin (ADMIN_USER_IDS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import AnswerService, Settings
from bot.chat.context import Services
from bot.chat.history import History
from bot.chat.limits import QuestionThrottle

ADMIN, USER, GROUP = 1, 2, -100


def services(service: AnswerService, tmp_path: Path, allowed: frozenset[int]) -> Services:
    settings = Settings(admin_user_ids=frozenset({ADMIN}), allowed_chat_ids=allowed)
    return Services(settings, service, History(tmp_path / "h.sqlite"), QuestionThrottle(5))


@pytest.mark.parametrize(
    ("chat_id", "user_id", "served"),
    [
        (GROUP, USER, True),  # an allowed group
        (-200, USER, False),  # another group
        (-200, ADMIN, False),  # …even when an admin asks there
        (USER, USER, False),  # a private chat not listed
        (ADMIN, ADMIN, True),  # an admin's private chat
        (None, ADMIN, True),  # an admin's inline query
        (None, USER, False),  # someone else's inline query
    ],
)
def test_only_allowed_chats_and_admins_private_chats_are_served(
    service: AnswerService, tmp_path: Path, chat_id: int | None, user_id: int, served: bool
) -> None:
    assert services(service, tmp_path, frozenset({GROUP})).serves_chat(chat_id, user_id) is served


def test_without_allowed_chats_everyone_is_served(service: AnswerService, tmp_path: Path) -> None:
    everyone = services(service, tmp_path, frozenset())

    assert everyone.serves_chat(-200, USER) and everyone.serves_chat(None, USER)
    assert everyone.is_admin(ADMIN) and not everyone.is_admin(USER) and not everyone.is_admin(None)
