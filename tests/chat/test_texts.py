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
    "document_preview",
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
    "kind": "PDF",
    "file": "보고서 최종.pdf",
    "lead": "첫 문장. 둘째 문장.",
    "kept": "1,000",
    "total": "2,000",
    "limit": "20 MB",
    # English plural endings ("1 article", "80 passages")
    "s": "s",
    "passages_s": "s",
    "articles_s": "s",
    "total_s": "s",
}


@pytest.mark.parametrize("texts", [KOREAN_CHAT, ENGLISH_CHAT], ids=["ko", "en"])
def test_every_text_fills_in_and_telegram_accepts_it(texts: ChatTexts) -> None:
    for field in dataclasses.fields(ChatTexts):
        value = getattr(texts, field.name)
        if isinstance(value, dict):  # labels and reasons by kind: plain text each
            for label in value.values():
                telegram_accepts(render.plain(label.format(**VALUES)))
            continue
        if not isinstance(value, str) or field.name == "language":
            continue
        if field.name in HTML_TEXTS:  # their placeholders take escaped values
            telegram_accepts(value.format(**{k: render.plain(str(v)) for k, v in VALUES.items()}))
        else:
            telegram_accepts(render.plain(value.format(**VALUES)))


def test_every_document_problem_and_kind_has_words_in_both_languages() -> None:
    from bot.sources import DocumentKind, DocumentProblem

    for texts in (KOREAN_CHAT, ENGLISH_CHAT):
        assert set(texts.document_refused) == {p.value for p in DocumentProblem}
        assert set(texts.document_kinds) == {k.value for k in DocumentKind}


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
