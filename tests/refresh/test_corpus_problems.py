"""A refresh reports each corpus file it skipped or cut, and cuts pages too long."""

from __future__ import annotations

import dataclasses
import os

import pytest

from bot import Settings
from bot.chat.render import render_add_result, render_refresh_report
from bot.chat.texts import ENGLISH_CHAT, KOREAN_CHAT
from bot.cli import describe_report
from bot.refresh import ChangeKind
from tests.corpus.test_bad_files import write
from tests.sources.local_web import LocalWeb

MAX_CHARS = 5_000  # the bundled f145… article is longer, c75d… shorter


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, article_max_chars=MAX_CHARS)


def long_page(web: LocalWeb) -> str:
    paragraphs = "".join(
        f"<p>{n}번째 문단: 누리시 해상 풍력 발전소는 바다 위에서 전기를 만든다. "
        "시민들은 새 발전소를 반겼고 전기 요금도 내려갔다.</p>"
        for n in range(400)
    )
    html = (
        "<html><head><title>아주 긴 기사</title></head><body><article>"
        f"<h1>아주 긴 기사</h1>{paragraphs}</article></body></html>"
    )
    return web.page("/long.html", html)


async def test_skipped_files_are_in_the_report_with_their_reasons(refresher, library, service):
    articles = library.store.articles_dir
    os.mkfifo(articles / "x.txt")
    write(os.fsencode(articles) + b"/bad\xff.txt", b"---\nid: zz\ntitle: t\n---\ntext\n")
    report = await refresher.refresh()
    failed = {c.title: c.reason for c in report.of(ChangeKind.FAILED)}
    assert "FIFO" in failed["x.txt"]
    assert "not UTF-8" in failed["bad\\xff.txt"]
    assert report.articles == 2 and service.ask("DeepSeek v3 훈련 비용").answered
    cli = "\n".join(describe_report(report))
    assert "failed: x.txt: a FIFO" in cli and "bad\\xff.txt" in cli
    chat = "\n".join(render_refresh_report(report, KOREAN_CHAT))
    assert "실패: x.txt — a FIFO" in chat


async def test_a_corpus_file_too_long_is_cut_and_reported(refresher, library, service):
    (path,) = [p for p in library.store.articles_dir.glob("*.txt") if "f145" in p.name]
    report = await refresher.refresh()
    (cut,) = report.of(ChangeKind.TRUNCATED)
    assert cut.source == path.name and "cut to" in cut.reason
    assert "truncated 1" in report.summary()
    assert "cut: " in "\n".join(render_refresh_report(report, ENGLISH_CHAT))
    again = await refresher.refresh()  # the file is not read again: its cut is remembered
    assert again.of(ChangeKind.TRUNCATED) == [cut]


async def test_a_page_too_long_is_cut_at_a_paragraph_and_reported(web, refresher, library):
    result = await refresher.add(long_page(web))
    assert result.change.kind is ChangeKind.ADDED, result.change
    body = result.article.body
    assert len(body) <= MAX_CHARS and body.endswith("내려갔다.")
    assert result.report is not None
    cuts = [c for c in result.report.of(ChangeKind.TRUNCATED) if c.title == "아주 긴 기사"]
    assert len(cuts) == 1 and f"cut to {len(body):,} of" in cuts[0].reason
    assert "✂️ 잘림: 아주 긴 기사 — cut to" in render_add_result(result, "u", KOREAN_CHAT)
    saved = library.store.load()
    assert next(a for a in saved.articles if a.id == result.article.id).body == body
