"""Two bot replicas on one OpenSearch cluster (osmem-server) and one fake Telegram.

Replica A answers, then stops; replica B (another data folder) takes the same bot's
updates, as a load balancer or a rolling restart would hand them over, and handles
what was pressed or replied on A's answers: the chat history is the cluster's.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import AnswerService, KoreanAnalyzer, Library, Settings
from bot.chat import build_application
from bot.chat.cluster_history import ClusterHistory
from bot.chat.context import SERVICES_KEY, ChatApplication
from bot.chat.history import HISTORY_FILE
from tests.botapi import FakeBotAPI
from tests.conftest import PROJECT
from tests.e2e.conftest import StartBot, polling

BROAD = "오픈 소스"  # more than one page of results
US_LEAD = "2003년에서 2007년 사이 미국은 몇 개 기술에서 선두였어?"
FOLLOWING = f"이어서: {US_LEAD} → 중국은?"


@pytest.fixture
def cluster_url(osmem: Any) -> Iterator[str]:
    with osmem.clone() as clone:
        yield str(clone.url)


def replica(
    fake: FakeBotAPI, service: AnswerService, data_dir: Path, url: str, admin: int
) -> ChatApplication:
    settings = dataclasses.replace(
        Settings(),
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
        telegram_api_base_file_url=fake.base_file_url,
        data_dir=data_dir,
        admin_user_ids=frozenset({admin}),
        search_engine="opensearch",
        opensearch_url=url,
        opensearch_index="passages",
    )
    return build_application(settings, service)


async def test_replica_b_handles_buttons_and_replies_on_replica_as_answers(
    service: AnswerService, tmp_path: Path, cluster_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with FakeBotAPI() as fake:
        admin = fake.user("관리자")
        admin_chat = fake.private_chat(admin)  # the admin has opened the bot
        alice, bob = fake.user("서연"), fake.user("민준")
        group = fake.group(members=[alice, bob])
        bob_chat = fake.private_chat(bob)
        a = replica(fake, service, tmp_path / "a", cluster_url, admin.id)
        b = replica(fake, service, tmp_path / "b", cluster_url, admin.id)
        assert isinstance(a.bot_data[SERVICES_KEY].history, ClusterHistory)

        async with polling(a):
            fake.send_text(group, alice, f"/ask {BROAD}")
            fake.send_text(group, alice, f"/ask {US_LEAD}")
            fake.send_text(bob_chat, bob, "메타의 라마")
            # Updates are answered concurrently: the answers may come in either order.
            broad, lead = sorted(
                await fake.wait_for_messages(group, 2), key=lambda m: -len(m.callback_data)
            )
            (own,) = await fake.wait_for_messages(bob_chat, 1)
        more, up, down = broad.callback_data

        async with polling(b):  # A is stopped: every update below is B's
            fake.press_button(broad, more, bob)  # anyone in the group may page
            await fake.wait_for(lambda: broad.edits)
            fake.press_button(broad, up, alice)
            fake.press_button(broad, down, bob)
            fake.press_forged_button(own, more)  # A's button replayed in Bob's own chat
            await fake.wait_for(lambda: len(fake.callback_answers) == 4)
            reply = fake.send_text(group, alice, "중국은?", reply_to=lead)
            followed = (await fake.wait_for_messages(group, 3))[2]
            fake.send_text(admin_chat, admin, "/stats")
            (stats,) = await fake.wait_for_messages(admin_chat, 1)

    assert "(4–6번째)" in broad.text.split("\n")[0]  # B found A's question and paged it
    # the page acknowledged (no text), both votes thanked, the replayed button expired
    assert sorted(str(a.text) for a in fake.callback_answers) == [
        "None",
        "의견 고마워요!",
        "의견 고마워요!",
        "이 버튼은 만료됐어요.",
    ]
    assert not own.edits and len(fake.sent_to(bob_chat)) == 1  # Bob saw nothing of it
    assert reply and followed.text.split("\n")[1] == FOLLOWING  # B followed A's answer up
    assert "질문 4개" in stats.text and "피드백 👍 1 · 👎 1" in stats.text
    assert len(fake.sent_to(group)) == 3  # B answered nothing A had answered already
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    for folder in ("a", "b"):  # nothing in SQLite: the cluster holds it all
        assert not (tmp_path / folder / HISTORY_FILE).exists()


async def test_the_cluster_lost_answers_still_go_out_and_buttons_say_they_cant_be_checked(
    service: AnswerService,
    tmp_path: Path,
    osmem: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    async with FakeBotAPI() as fake:
        admin = fake.user("관리자")
        admin_chat = fake.private_chat(admin)
        alice = fake.user("서연")
        group = fake.group(members=[alice])
        with osmem.clone() as clone:
            app = replica(fake, service, tmp_path, str(clone.url), admin.id)
            async with polling(app):
                fake.send_text(group, alice, f"/ask {US_LEAD}")
                (lead,) = await fake.wait_for_messages(group, 1)
                more = lead.callback_data[0]
                clone.close()  # the cluster is gone; the bot goes on

                fake.press_button(lead, more, alice)
                await fake.wait_for(lambda: fake.callback_answers)
                fake.send_text(group, alice, "중국은?", reply_to=lead)
                (_, alone) = await fake.wait_for_messages(group, 2)
                fake.send_text(admin_chat, admin, "/stats")
                (stats,) = await fake.wait_for_messages(admin_chat, 1)

    (pressed,) = fake.callback_answers
    assert pressed.text == "지금은 이 버튼을 확인할 수 없어요. 잠시 뒤에 다시 눌러 주세요."
    assert pressed.show_alert and not lead.edits
    # answered on its own (search is local here), with no buttons to check later
    assert "이어서" not in alone.text and alone.spans("blockquote")
    assert alone.callback_data == []
    assert stats.text == "지금은 대화 기록에 연결할 수 없어 통계를 보여 드릴 수 없어요."
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert logged and all(r.levelno == logging.WARNING and not r.exc_info for r in logged)
    assert all("is unreachable" in r.getMessage() for r in logged if r.name.startswith("bot."))


async def test_a_replica_tells_an_admin_who_refreshes(
    start_bot: StartBot, analyzer: KoreanAnalyzer, tmp_path: Path, cluster_url: str
) -> None:
    """/refresh and /add on a replica (REFRESH_ENABLED=false): a plain answer saying
    which process refreshes, not an apology for an error."""
    cluster = {
        "search_engine": "opensearch",
        "opensearch_url": cluster_url,
        "opensearch_index": "passages",
        "opensearch_wait_seconds": 0,
        "retrieval": "bm25",
    }
    writer = Library(
        Settings(corpus_dir=PROJECT / "corpus", data_dir=tmp_path / "writer", **cluster),
        analyzer=analyzer,
    )
    writer.open_service()
    writer.close()
    replica_library = Library(
        Settings(
            corpus_dir=tmp_path / "no-corpus",
            data_dir=tmp_path / "replica",
            refresh_enabled=False,
            **cluster,
        ),
        analyzer=analyzer,
    )
    try:
        async with start_bot(library=replica_library, settings=cluster) as running:
            chat = running.fake.private_chat(running.admin)
            for command in ("/refresh", "/add https://example.com/article"):
                status = await running.ask(chat, running.admin, command)
                await running.fake.wait_for(lambda s=status: "REFRESH_ENABLED=true" in s.text)
                assert "공유 색인에서 답하기만" in status.text
            assert not running.fake.errors
    finally:
        replica_library.close()
