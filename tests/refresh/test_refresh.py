"""A refresh: what changed is reported, what failed is kept, answers never stop."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import threading

import pytest

from bot.refresh import ChangeKind, RefreshInProgress
from tests.conftest import PROJECT
from tests.refresh.conftest import feed, news_page
from tests.sources.conftest import read_page
from tests.sources.local_web import Request, Response

ARTICLE = read_page("news_article.html")


async def test_nothing_changed_is_reported_as_unchanged(refresher):
    report = await refresher.refresh()
    assert report.count(ChangeKind.UNCHANGED) == 2
    assert report.count(ChangeKind.FAILED) == 0
    assert report.articles == 2 and report.passages > 0


async def test_a_changed_page_is_updated_and_an_unchanged_one_costs_a_304(web, refresher, service):
    versions = itertools.chain(
        [ARTICLE], itertools.repeat(ARTICLE.replace("20만 원씩", "30만 원씩"))
    )
    current = {"body": next(versions)}

    def changing(request: Request) -> Response:
        if request.headers.get("if-none-match") == f'"{hash(current["body"])}"':
            return Response(304, b"", None)
        return Response(
            200, current["body"].encode(), headers={"ETag": f'"{hash(current["body"])}"'}
        )

    url = web.add("/changing.html", changing)
    await refresher.add(url)

    report = await refresher.refresh()  # same body: the server answers 304
    assert report.count(ChangeKind.UPDATED) == 0
    assert web.requests_for("/changing.html")[-1].headers.get("if-none-match")

    current["body"] = next(versions)
    report = await refresher.refresh()
    assert [c.title for c in report.of(ChangeKind.UPDATED)] == [
        a.title for a in service.index.corpus.articles if a.url == url
    ]
    assert "30만 원씩" in service.ask("청년 월세 지원 금액 30만 원").hits[0].passage.text


async def test_a_failing_source_keeps_its_previous_content(web, refresher, service):
    status = {"code": 200}
    web.add(
        "/flaky.html",
        lambda request: Response(
            status["code"], ARTICLE.encode() if status["code"] == 200 else b""
        ),
    )
    await refresher.add(web.url("/flaky.html"))
    for code in (404, 500):
        status["code"] = code
        report = await refresher.refresh()
        (failure,) = report.of(ChangeKind.FAILED)
        assert str(code) in failure.reason
        assert service.ask("청년 월세 특별지원 사업 연장").answered
        # Kept as it was, it counts as failed, not also as unchanged: the counts add up.
        assert report.count(ChangeKind.UNCHANGED) + 1 == report.articles == 3


async def test_feeds_in_sources_txt_bring_new_articles_once(web, refresher, library):
    news_page(web)
    web.page("/column/bangkok.html", read_page("blog_post.html"))
    rss = feed(web, "feed_rss.xml", "application/rss+xml")
    atom = feed(web, "feed_atom.xml", "application/atom+xml")
    library.store.sources_file.write_text(f"# feeds\n{rss}\n{atom}\n")

    first = await refresher.refresh()
    added = first.count(ChangeKind.ADDED)
    assert added >= 2
    fetched = len(web.requests)
    second = await refresher.refresh()
    assert second.count(ChangeKind.ADDED) == 0
    # Each known article is fetched once (its own re-fetch), never again as a feed entry;
    # entries that failed (the Atom feed's pages are not served) are tried again.
    paths = [r.path for r in web.requests[fetched:]]
    assert paths.count("/robots.txt") == 1  # read once per refresh, for the one site
    articles = [p for p in paths if not p.endswith(".xml") and p != "/robots.txt"]
    assert sorted(set(articles)) == sorted(articles), paths
    retried = {c.source.split(web.base_url)[-1] for c in first.of(ChangeKind.FAILED)}
    assert len(set(articles) - retried) == added


async def test_files_added_and_removed_by_hand_are_noticed(refresher, library):
    (path,) = [p for p in library.store.articles_dir.glob("*.txt") if "c75d" in p.name]
    path.unlink()
    report = await refresher.refresh()
    assert [c.title for c in report.of(ChangeKind.REMOVED)] == [
        "딥시크와 스타게이트: 미래를 위한 전투"
    ]


async def test_a_broken_file_is_reported_and_the_rest_still_served(refresher, library, service):
    (library.store.articles_dir / "broken.txt").write_text("no header here")
    report = await refresher.refresh()
    assert any("broken.txt" in c.title for c in report.of(ChangeKind.FAILED))
    assert service.ask("DeepSeek v3 훈련 비용").answered


async def test_two_refreshes_never_run_at_once(web, refresher):
    web.hang("/slow.html")
    refresher.library.store.sources_file.write_text(web.url("/slow.html") + "\n")
    first = asyncio.create_task(refresher.refresh())
    await asyncio.to_thread(web.wait_for_request, "/slow.html")  # the first one is running
    with pytest.raises(RefreshInProgress):
        await refresher.refresh()
    with pytest.raises(RefreshInProgress):
        await refresher.add(web.url("/anything"))
    report = await first
    assert report.count(ChangeKind.FAILED) == 1


async def test_questions_are_answered_throughout_a_refresh(web, refresher, service):
    news_page(web)
    refresher.library.store.sources_file.write_text(
        web.url("/opinion/editorial/20240315-youth-rent.html") + "\n"
    )
    stop = threading.Event()
    outcomes: list[bool] = []

    def ask_continuously() -> None:
        while not stop.is_set():
            outcomes.append(service.ask("DeepSeek v3 훈련 비용은?").answered)

    asker = threading.Thread(target=ask_continuously)
    asker.start()
    try:
        for _ in range(3):
            await refresher.refresh()
    finally:
        stop.set()
        asker.join()
    assert len(outcomes) > 5
    assert all(outcomes)
    assert service.ask("청년 월세 특별지원 사업 연장").answered


def test_killing_a_refresh_midway_loses_nothing(web, settings, library, bot_cli):
    """A refresh killed while it downloads leaves a corpus that answers as before (the
    refresh is a process of its own, killed; the questions are asked in this one)."""
    settings_env = {
        "CORPUS_DIR": str(settings.corpus_dir),
        "DATA_DIR": str(settings.data_dir),
        "FETCH_ALLOW_PRIVATE_ADDRESSES": "true",
        "FETCH_TIMEOUT_SECONDS": "60",
        "TELEGRAM_BOT_TOKEN": "",
    }
    env = {**os.environ, **settings_env}
    questions = "DeepSeek v3 훈련 비용은?\n스타게이트 프로젝트 규모\nWEF 일자리 보고서\n"

    def answers() -> list[tuple[str, str]]:
        """Each question's status and best passage, from a new library."""
        result = bot_cli("ask", "--json", stdin=questions, env=settings_env)
        assert result.returncode == 0, result.stderr
        found = [json.loads(line) for line in result.stdout.splitlines()]
        return [(a["status"], a["results"][0]["passage_id"] if a["results"] else "") for a in found]

    before = answers()
    assert [status for status, _ in before] == ["answered"] * 3
    news_page(web)
    hung = web.hang("/hangs.html")
    settings.corpus_dir.joinpath("sources.txt").write_text(
        web.url("/opinion/editorial/20240315-youth-rent.html") + "\n" + hung + "\n"
    )
    refresh = subprocess.Popen(
        [sys.executable, "-m", "bot", "refresh"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        web.wait_for_request("/hangs.html", timeout=60)  # the refresh is mid-download
    finally:
        refresh.send_signal(signal.SIGKILL)
        refresh.wait()

    # The same best passages (the page fetched before the hang may have been saved: it
    # shares no words with these questions), and every file there reads in full.
    assert answers() == before
    assert library.store.load().skipped == ()
    assert not list(settings.corpus_dir.rglob("*.tmp"))


async def test_garbage_in_sources_txt_is_reported_not_fatal(refresher, library, service):
    library.store.sources_file.write_text(
        "not a url\njavascript:alert(1)\nhttp://192.168.0.10/feed\n" + "x" * 5000 + "\n"
    )
    report = await refresher.refresh()
    failed = report.of(ChangeKind.FAILED)
    assert len(failed) == 4
    assert all(change.reason for change in failed)
    assert report.count(ChangeKind.UNCHANGED) == 2
    assert service.ask("DeepSeek v3 훈련 비용").answered


async def test_a_page_robots_txt_now_disallows_is_kept_and_reported(web, refresher, service):
    from bot.chat.render import render_refresh_report
    from bot.chat.texts import KOREAN_CHAT
    from bot.cli import describe_report

    url = news_page(web)
    assert (await refresher.add(url)).change.kind is ChangeKind.ADDED
    web.add("/robots.txt", Response(200, b"User-agent: *\nDisallow: /opinion/\n", "text/plain"))

    report = await refresher.refresh()
    (failure,) = report.of(ChangeKind.FAILED)
    assert (
        failure.source == url and "robots.txt" in failure.reason and "disallows" in failure.reason
    )
    assert service.ask("청년 월세 특별지원 사업 연장").answered  # its previous text stays
    cli = "\n".join(describe_report(report))
    assert f"failed: {failure.title} ({url}): not fetched: the robots.txt of" in cli
    assert "robots.txt" in "\n".join(render_refresh_report(report, KOREAN_CHAT))


async def test_adding_a_page_robots_txt_disallows_is_refused(web, refresher):
    web.add("/robots.txt", Response(200, b"User-agent: *\nDisallow: /\n", "text/plain"))
    result = await refresher.add(news_page(web))
    assert result.change.kind is ChangeKind.FAILED
    assert "robots.txt" in result.change.reason
    assert web.requests_for("/opinion/editorial/20240315-youth-rent.html") == []


async def test_an_edited_synonyms_list_is_served_after_a_refresh(refresher, library, service):
    assert "누리" not in service.index.query("DeepSeek 비용").all_words
    synonyms = library.store.synonyms_file
    synonyms.write_text(synonyms.read_text() + "DeepSeek, 누리호\n")
    report = await refresher.refresh()
    assert not report.of(ChangeKind.ADDED) and not report.of(ChangeKind.UPDATED)
    assert "누리" in service.index.query("DeepSeek 비용").all_words  # 누리호, analyzed
