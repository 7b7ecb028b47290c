"""Files waiting for Add / Cancel: taken once, only in their chat, bounded and expiring."""

from __future__ import annotations

from bot.chat.pending import PendingDocuments
from bot.chat.refs import ChatRef
from bot.refresh import draft_document

TEXT = "오픈 소스 모델은 비용을 크게 낮췄다. 연구자들은 누구나 모델을 내려받아 실험할 수 있다."
DRAFT = draft_document(TEXT.encode(), "a.txt", max_chars=10_000)


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_draft_is_taken_once_and_only_in_its_chat():
    pending = PendingDocuments()
    ref = pending.add(DRAFT, chat_id=7, user_id=1)
    assert pending.find(ref, chat_id=8) is None and pending.take(ref, chat_id=8) is None
    assert pending.find(ChatRef(ref.id, "A" * 11), chat_id=7) is None
    assert pending.take(ref, chat_id=7).draft is DRAFT
    assert pending.take(ref, chat_id=7) is None


def test_drafts_expire_and_the_oldest_go_when_full():
    clock = Clock()
    pending = PendingDocuments(capacity=2, ttl=60, clock=clock)
    first = pending.add(DRAFT, chat_id=7, user_id=1)
    clock.now += 30
    second = pending.add(DRAFT, chat_id=7, user_id=1)
    third = pending.add(DRAFT, chat_id=7, user_id=1)
    assert pending.find(first, chat_id=7) is None  # pushed out
    clock.now += 31
    assert pending.find(second, chat_id=7) is not None
    clock.now += 30
    assert pending.find(second, chat_id=7) is None and pending.find(third, chat_id=7) is None
    assert len(pending) == 0


def test_a_draft_put_back_can_be_taken_again():
    pending = PendingDocuments()
    ref = pending.add(DRAFT, chat_id=7, user_id=1)
    row = pending.take(ref, chat_id=7)
    pending.put_back(row)
    assert pending.take(ref, chat_id=7) is row
