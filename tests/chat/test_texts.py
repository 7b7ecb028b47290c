"""Every text exists in both languages, fits Telegram, and every command menu is valid."""

from __future__ import annotations

import dataclasses
import re

import pytest

from bot.chat import render
from bot.chat.texts import (
    ADMIN_COMMANDS,
    ENGLISH_CHAT,
    GROUP_COMMANDS,
    KOREAN_CHAT,
    PRIVATE_COMMANDS,
    ChatTexts,
    chat_texts_for,
)
from tests.chat.conftest import telegram_accepts

HTML_TEXTS = (
    "start",
    "help",
    "group_intro",
    "ask_usage",
    "stats",
    "stats_unanswered",
    "add_usage",
)
VALUES = {
    "bot": "article_qa_bot",
    "first": 1,
    "last": 3,
    "position": 2,
    "count": 9,
    "seconds": 30,
    "incident": "a1b2c3",
    "asked": 1,
    "answered": 1,
    "not_found": 0,
    "up": 0,
    "down": 0,
    "added": 1,
    "updated": 0,
    "removed": 0,
    "unchanged": 2,
    "failed": 1,
    "articles": 3,
    "passages": 80,
    "corpus": "기사 3편, 구절 80개",
    "duration": "3.2초",
    "url": "https://news.example/a?b=1&c=<2>",
    "title": "제목 <b>",
    "reason": "refused: 10.0.0.1 is a private address",
}


@pytest.mark.parametrize("texts", [KOREAN_CHAT, ENGLISH_CHAT], ids=["ko", "en"])
def test_every_text_fills_in_and_telegram_accepts_it(texts: ChatTexts) -> None:
    for field in dataclasses.fields(ChatTexts):
        value = getattr(texts, field.name)
        if not isinstance(value, str) or field.name == "language":
            continue
        filled = value.format(**VALUES)
        html = filled if field.name in HTML_TEXTS else render.plain(filled)
        telegram_accepts(html)


@pytest.mark.parametrize("commands", [PRIVATE_COMMANDS, GROUP_COMMANDS, ADMIN_COMMANDS])
def test_command_menus_are_valid_for_telegram(commands: tuple) -> None:
    for command in commands:
        assert re.fullmatch(r"[a-z0-9_]{1,32}", command.name)
        for language in ("ko", "en"):
            assert 1 <= len(command.description(language)) <= 256


def test_english_speakers_get_english_everyone_else_korean() -> None:
    assert chat_texts_for("en") is ENGLISH_CHAT
    assert chat_texts_for("en-GB") is ENGLISH_CHAT
    assert chat_texts_for("ko") is KOREAN_CHAT
    assert chat_texts_for("de") is KOREAN_CHAT
    assert chat_texts_for(None) is KOREAN_CHAT


def test_help_explains_privacy_mode_and_inline_mode_in_both_languages() -> None:
    assert "개인정보 보호 모드" in KOREAN_CHAT.help and "인라인 모드" in KOREAN_CHAT.help
    assert "privacy mode" in ENGLISH_CHAT.help and "inline mode" in ENGLISH_CHAT.help
