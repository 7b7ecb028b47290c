"""Helpers for the Telegram front end's unit tests.

``open_history`` opens the chat history in SQLite and in an osmem cluster (the tests
using it run against both: the same behaviour is expected of each).

``telegram_accepts(html)`` checks a message the way Telegram would (the fake Bot API's
port of TDLib's HTML parser) and returns what users would see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import InlineKeyboardMarkup

from bot.answers import Answer, AnswerStatus, Excerpt, Hit
from bot.chat.callbacks import MAX_CALLBACK_BYTES
from bot.chat.cluster_history import ClusterHistory
from bot.chat.history import HISTORY_FILE, ChatHistory, History
from bot.corpus import Article, Passage
from bot.search.opensearch_engine import OpenSearchConfig
from tests.botapi import FormattedText, format_text

MAX_TEXT = 4096


def telegram_accepts(html: str) -> FormattedText:
    """The message as Telegram stores it; fails on anything Telegram refuses or degrades."""
    formatted = format_text(html, "HTML")  # raises HtmlParseError / EmptyTextError
    assert formatted.utf16_length <= MAX_TEXT, formatted.utf16_length
    assert not formatted.warnings, formatted.warnings
    return formatted


def callback_data(keyboard: InlineKeyboardMarkup | None) -> list[str]:
    """Every button's data, each checked against Telegram's 64-byte limit."""
    if keyboard is None:
        return []
    data = [str(b.callback_data) for row in keyboard.inline_keyboard for b in row]
    assert all(1 <= len(d.encode("utf-8")) <= MAX_CALLBACK_BYTES for d in data), data
    return data


def make_hit(
    excerpt: str = "DeepSeek v3의 훈련 비용은 558만 달러였다.",
    highlights: tuple[tuple[int, int], ...] = ((0, 8),),
    *,
    title: str = "닫는 미국과 여는 중국",
    url: str = "",
    publisher: str = "디시인사이드 갤러리",
    translator: str = "",
    published: str = "2025-01-31",
    passage_id: str = "f145e3cc02f9-03621c64",
    cut_before: bool = False,
    cut_after: bool = False,
) -> Hit:
    article = Article(
        id=passage_id.split("-")[0] or "a",
        title=title,
        body=excerpt,
        publisher=publisher,
        translator=translator,
        published=published,
        url=url,
    )
    passage = Passage(id=passage_id, article_id=article.id, ordinal=0, text=excerpt)
    return Hit(article, passage, Excerpt(excerpt, highlights, cut_before, cut_after), 10.0, 1.0)


def make_answer(*hits: Hit, offset: int = 0, has_more: bool = False) -> Answer:
    return Answer(
        "DeepSeek 훈련 비용", AnswerStatus.ANSWERED, hits=hits, offset=offset, has_more=has_more
    )


# -- the chat history, in SQLite and in an OpenSearch cluster -----------------------------


@pytest.fixture
def chat_cluster(osmem: Any) -> Iterator[OpenSearchConfig]:
    """A fresh osmem cluster (a clone of the session's server) for one test."""
    with osmem.clone() as clone:
        yield OpenSearchConfig(url=clone.url, index="passages", wait_seconds=0)


@pytest.fixture(params=["sqlite", "cluster"])
def open_history(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., ChatHistory]:
    """Opens the chat history of one kind, each call on the same storage (a reopened
    history, or another replica's); keyword arguments: ``retention_days``, ``clock``."""
    if request.param == "sqlite":
        path = tmp_path / HISTORY_FILE
        return lambda **options: History(path, **options)
    config = request.getfixturevalue("chat_cluster")
    return lambda **options: ClusterHistory(config, **options)
