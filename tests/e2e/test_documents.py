"""Articles sent as files: admins add them through a preview and Add / Cancel buttons.

Each test runs the real bot against the fake Bot API, which serves ``getFile`` and the
file download route (``TELEGRAM_API_BASE_FILE_URL``), with a private copy of the corpus.
"""

from __future__ import annotations

import shutil

import pytest

from bot import KoreanAnalyzer, Library, Settings
from tests.botapi import Chat, SentMessage, User
from tests.conftest import PROJECT
from tests.e2e.conftest import RunningBot, StartBot
from tests.sources.documents_fixtures import make_docx, make_pdf, zip_bomb

EXPIRED = "이 버튼은 만료됐어요."
PARAGRAPHS = [
    "반도체 수출 통제는 엔비디아의 중국 매출을 크게 줄였다. 그러나 화웨이의 어센드 칩이 빈자리를 "
    "빠르게 채우고 있다.",
    "전문가들은 통제가 오히려 중국의 자급을 앞당겼다고 본다. 이 흐름은 당분간 이어질 전망이다.",
]
TITLE = "수출 통제의 역설"
QUESTION = "화웨이 어센드 칩이 빈자리를 채우나요?"


def html_page() -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    page = f"<!doctype html><html><head><title>{TITLE}</title></head><body><article>{body}"
    return (page + "</article><footer>구독하기</footer></body></html>").encode()


# (file name, bytes, the title the preview shows): one of each accepted type.
FILES = {
    "txt": ("수출 통제의 역설.txt", "\n\n".join(PARAGRAPHS).encode("cp949"), TITLE),
    "md": ("notes.md", f"# {TITLE}\n\n" + "\n\n".join(PARAGRAPHS), TITLE),
    "html": ("saved.html", html_page(), TITLE),
    "pdf": ("scan.pdf", make_pdf([PARAGRAPHS[:1], PARAGRAPHS[1:]], title=TITLE), TITLE),
    "docx": ("draft.docx", make_docx(PARAGRAPHS, heading=TITLE), TITLE),
}


@pytest.fixture
def own_library(tmp_path, analyzer: KoreanAnalyzer) -> Library:
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT / "corpus", corpus)
    return Library(Settings(corpus_dir=corpus, data_dir=tmp_path / "state"), analyzer=analyzer)


async def send_file(
    running: RunningBot, chat: Chat, user: User, name: str, data: bytes | str, **options
) -> SentMessage:
    """Sends a file as ``user``; returns the bot's reply (a preview or a refusal)."""
    content = data.encode() if isinstance(data, str) else data
    before = len(running.fake.sent_to(chat))
    running.fake.send_document(chat, user, content, name, **options)
    return await running.next_message(chat, before)


def articles(library: Library) -> int:
    return len(library.store.load().articles)


@pytest.mark.parametrize("kind", list(FILES))
async def test_an_admin_adds_each_type_and_users_are_answered_from_it(
    start_bot: StartBot, own_library: Library, kind: str
) -> None:
    name, data, title = FILES[kind]
    async with start_bot(library=own_library) as running:
        fake = running.fake
        chat = fake.private_chat(running.admin)
        preview = await send_file(running, chat, running.admin, name, data)
        assert title in preview.bold, preview.text
        assert "구절 2개" in preview.text and "반도체 수출 통제는" in preview.text
        assert [b["text"] for b in preview.buttons] == ["추가", "취소"]
        assert fake.downloads and articles(own_library) == 2  # nothing stored before Add

        fake.press_button(preview, preview.callback_data[0])
        await fake.wait_for(lambda: "✅" in preview.text)
        assert f"추가했어요: {title}" in preview.text and "지금 기사 3편" in preview.text
        assert not preview.buttons
        assert articles(own_library) == 3

        user = fake.user("지민")
        answer = await running.ask(fake.private_chat(user), user, QUESTION)
        assert "어센드" in answer.text and title in answer.text
        assert not fake.errors


async def test_the_same_file_again_is_reported_unchanged(
    start_bot: StartBot, own_library: Library
) -> None:
    name, data, _ = FILES["docx"]
    async with start_bot(library=own_library) as running:
        chat = running.fake.private_chat(running.admin)
        for attempt, expected in enumerate(("추가했어요", "그대로예요")):
            preview = await send_file(running, chat, running.admin, f"{attempt}-{name}", data)
            running.fake.press_button(preview, preview.callback_data[0])
            await running.fake.wait_for(lambda p=preview: not p.buttons and "⏳" not in p.text)
            assert expected in preview.text
        assert articles(own_library) == 3


@pytest.mark.parametrize(
    ("name", "data", "options", "why"),
    [
        ("huge.pdf", b"%PDF-1.7", {"file_size": 25_000_000}, "20 MB까지의 파일만"),
        ("bomb.docx", zip_bomb(make_docx(PARAGRAPHS), inflated=60_000_000), {}, "지나치게 커지는"),
        ("secret.pdf", make_pdf([PARAGRAPHS], password="pw"), {}, "암호가 걸린 PDF"),
        ("broken.pdf", make_pdf([PARAGRAPHS])[:400], {}, "손상되어"),
        ("blank.docx", make_docx([]), {}, "본문을 찾지 못했어요"),
        ("photo.pdf", b"\x89PNG\r\n\x1a\n" + bytes(300), {}, "읽을 수 없는 형식"),
    ],
    ids=["too-big", "zip-bomb", "encrypted", "broken", "empty", "not-a-document"],
)
async def test_files_that_cant_be_articles_are_refused_and_nothing_is_stored(
    start_bot: StartBot, own_library: Library, name: str, data: bytes, options: dict, why: str
) -> None:
    async with start_bot(library=own_library) as running:
        chat = running.fake.private_chat(running.admin)
        reply = await send_file(running, chat, running.admin, name, data, **options)
        assert why in reply.text and name in reply.text
        assert not reply.buttons and len(running.app.bot_data["services"].pending_documents) == 0
        assert articles(own_library) == 2
        if "file_size" in options:  # refused by the size Telegram reports: never downloaded
            assert not running.fake.calls_to("getFile") and not running.fake.downloads


async def test_an_english_speaking_admin_gets_english(start_bot: StartBot, own_library: Library):
    async with start_bot(library=own_library) as running:
        admin = running.admin
        english = User(admin.id, admin.first_name, language_code="en")
        chat = running.fake.private_chat(admin)
        preview = await send_file(running, chat, english, *FILES["md"][:2])
        assert "Add this article?" in preview.text
        assert [b["text"] for b in preview.buttons] == ["Add", "Cancel"]


async def test_non_admins_are_refused_and_nothing_is_downloaded(
    start_bot: StartBot, own_library: Library
) -> None:
    async with start_bot(library=own_library) as running:
        fake = running.fake
        guest = fake.user("손님")
        reply = await send_file(running, fake.private_chat(guest), guest, *FILES["txt"][:2])
        assert "관리자만" in reply.text
        group = fake.group(members=[guest, running.admin])
        in_group = await send_file(running, group, guest, *FILES["txt"][:2], caption="/add")
        assert "관리자만" in in_group.text
        assert not fake.calls_to("getFile") and not fake.downloads
        assert articles(own_library) == 2


async def test_in_groups_only_a_caption_starting_with_add_counts(
    start_bot: StartBot, own_library: Library
) -> None:
    # Privacy mode off: every group message arrives, and the bot's filter decides.
    async with start_bot(library=own_library, privacy_mode=False) as running:
        fake = running.fake
        group = fake.group(members=[running.admin])
        name, data, _ = FILES["md"]
        fake.send_document(group, running.admin, data.encode(), name)
        fake.send_document(group, running.admin, data.encode(), name, caption="참고 /add")
        fake.send_document(group, running.admin, data.encode(), name, caption="/add@other_bot")
        preview = await send_file(
            running, group, running.admin, name, data, caption=f"/add@{running.username} 참고"
        )
        await running.settle()
        assert TITLE in preview.bold and len(fake.sent_to(group)) == 1
        assert len(fake.downloads) == 1 and not fake.undelivered


async def test_cancel_stores_nothing_and_the_buttons_then_expire(
    start_bot: StartBot, own_library: Library
) -> None:
    async with start_bot(library=own_library) as running:
        fake = running.fake
        chat = fake.private_chat(running.admin)
        preview = await send_file(running, chat, running.admin, *FILES["pdf"][:2])
        add, cancel = preview.callback_data
        fake.press_button(preview, cancel)
        await fake.wait_for(lambda: "취소했어요" in preview.text)
        assert not preview.buttons
        fake.press_forged_button(preview, add)  # the old Add, from a client that kept it
        await running.settle()
        assert fake.callback_answers[-1].text == EXPIRED
        assert "취소했어요" in preview.text and articles(own_library) == 2


async def test_forged_and_foreign_add_buttons_only_ever_expire(
    start_bot: StartBot, own_library: Library
) -> None:
    async with start_bot(library=own_library) as running:
        fake = running.fake
        admin_chat = fake.private_chat(running.admin)
        preview = await send_file(running, admin_chat, running.admin, *FILES["docx"][:2])
        add, _ = preview.callback_data
        ref = add.removeprefix("d:").removesuffix(":+")
        row, token = ref.split(".")
        guest = fake.user("손님")
        guest_chat = fake.private_chat(guest)
        guest_message = await running.ask(guest_chat, guest, "/help")
        group = fake.group(members=[guest, running.admin])
        group_message = await running.ask(group, running.admin, "/help")
        sent_before = len(fake.sent)
        forged = [
            (guest_message, add, guest),  # the admin's button replayed in another chat
            (group_message, add, running.admin),  # even by the admin, in another chat
            (preview, f"d:{row}.{token[:-1]}{'B' if token[-1] != 'B' else 'C'}:+", None),
            (preview, f"d:{int(row) + 1}.{token}:+", None),
            (preview, f"d:{row}:+", None),
            (preview, f"d:{row}.{token}:*", None),
        ]
        queries = [fake.press_forged_button(m, data, user) for m, data, user in forged]
        await running.settle()
        ids = {q["id"] for q in queries}
        answers = [a.text for a in fake.callback_answers if a.query_id in ids]
        assert answers == [EXPIRED] * len(forged)
        assert len(fake.sent) == sent_before and not guest_message.edits
        assert preview.buttons and articles(own_library) == 2

        fake.press_button(preview, add)  # the real button still works, once
        await fake.wait_for(lambda: "✅" in preview.text)
        assert articles(own_library) == 3


async def test_in_a_group_only_admins_may_press_add(start_bot: StartBot, own_library: Library):
    async with start_bot(library=own_library) as running:
        fake = running.fake
        guest = fake.user("손님")
        group = fake.group(members=[guest, running.admin])
        name, data, _ = FILES["txt"]
        preview = await send_file(running, group, running.admin, name, data, caption="/add")
        add = preview.callback_data[0]
        fake.press_button(preview, add, guest)
        await running.settle()
        assert fake.callback_answers[-1].text == "이 명령은 봇 관리자만 쓸 수 있어요."
        assert preview.buttons and articles(own_library) == 2
        fake.press_button(preview, add, running.admin)
        await fake.wait_for(lambda: "✅" in preview.text)
        assert articles(own_library) == 3
