"""/add and /refresh through Telegram: admins grow the corpus, users get answers from it."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from bot import KoreanAnalyzer, Library, Settings
from tests.conftest import PROJECT
from tests.e2e.conftest import StartBot
from tests.sources.conftest import read_page
from tests.sources.local_web import LocalWeb


@pytest.fixture
def web():
    with LocalWeb() as server:
        yield server


@pytest.fixture
def own_library(tmp_path, analyzer: KoreanAnalyzer) -> Library:
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT / "corpus", corpus)
    # The test server is on 127.0.0.1: this deployment allows private addresses.
    settings = Settings(
        corpus_dir=corpus, data_dir=tmp_path / "state", fetch_allow_private_addresses=True
    )
    return Library(settings, analyzer=analyzer)


async def test_an_admin_adds_an_article_and_a_user_is_answered_from_it(
    start_bot: StartBot, own_library: Library, web: LocalWeb
) -> None:
    url = web.page("/opinion/youth-rent.html", read_page("news_article.html"))
    async with start_bot(library=own_library) as running:
        fake = running.fake
        admin_chat = fake.private_chat(running.admin)
        status = await running.ask(admin_chat, running.admin, f"/add {url}")
        await fake.wait_for(lambda: "청년 월세" in status.text and "✅" in status.text)
        assert status.edits, "progress is shown by editing one message"

        user = fake.user("지민")
        chat = fake.private_chat(user)
        answer = await running.ask(chat, user, "청년 월세 특별지원 사업 연장")
        assert "청년 월세" in answer.text
        links = [e["url"] for e in answer.entities if e["type"] == "text_link"]
        assert url in links
        assert not fake.errors


async def test_a_failed_add_is_explained(start_bot: StartBot, own_library: Library, web: LocalWeb):
    async with start_bot(library=own_library) as running:
        chat = running.fake.private_chat(running.admin)
        status = await running.ask(chat, running.admin, f"/add {web.url('/missing')}")
        await running.fake.wait_for(lambda: "❌" in status.text)
        assert "404" in status.text
        usage = await running.ask(chat, running.admin, "/add")
        assert "/add https://" in usage.text


async def test_an_admin_refreshes_and_sees_a_report(start_bot: StartBot, own_library: Library):
    async with start_bot(library=own_library) as running:
        chat = running.fake.private_chat(running.admin)
        status = await running.ask(chat, running.admin, "/refresh")
        await running.fake.wait_for(lambda: "✅" in status.text)
        assert "그대로 2" in status.text


async def test_refresh_and_add_are_refused_to_others(
    start_bot: StartBot, own_library: Library, web: LocalWeb
) -> None:
    url = web.page("/opinion/youth-rent.html", read_page("news_article.html"))
    async with start_bot(library=own_library) as running:
        user = running.fake.user("손님")
        chat = running.fake.private_chat(user)
        for command in ("/refresh", f"/add {url}"):
            reply = await running.ask(chat, user, command)
            assert "관리자" in reply.text
        assert not web.requests
        assert len(own_library.store.load().articles) == 2


async def test_a_scheduled_refresh_runs_from_the_job_queue(
    start_bot: StartBot, own_library: Library
) -> None:
    settings = {"refresh_interval_minutes": 1}
    async with start_bot(library=own_library, settings=settings) as running:
        jobs = running.app.job_queue.jobs()
        assert [job.callback.__name__ for job in jobs] == ["scheduled_refresh"]
        await jobs[0].run(running.app)
        assert own_library.data_dir.joinpath("fetch_state.json").exists()


def test_settings_copy_keeps_private_address_permission(own_library: Library):
    copied = dataclasses.replace(own_library.settings, data_dir=own_library.data_dir)
    assert copied.fetch_allow_private_addresses
