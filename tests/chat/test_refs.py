"""Chat-bound references: a button may act on a stored row only in its chat, with its token."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.chat.refs import ChatRef, new_token


@dataclass(frozen=True)
class Row:
    id: int
    chat_id: int
    token: str | None


TOKEN = "Sx0tWk3nQ2A"
ROW = Row(12, -100, TOKEN)


def test_tokens_are_fresh_short_and_fit_the_pattern() -> None:
    tokens = {new_token() for _ in range(1000)}

    assert len(tokens) == 1000
    assert {len(t) for t in tokens} == {11}
    assert all(ChatRef.parse(f"1.{t}") == ChatRef(1, t) for t in tokens)


def test_the_right_token_in_the_rows_chat_is_valid() -> None:
    assert ChatRef(12, TOKEN).is_valid_for(ROW, chat_id=-100)


@pytest.mark.parametrize(
    ("ref", "row", "chat_id"),
    [
        (ChatRef(12, TOKEN), ROW, -101),  # replayed in another chat
        (ChatRef(12, TOKEN), ROW, None),  # no chat (an inline message)
        (ChatRef(12, "Sx0tWk3nQ2B"), ROW, -100),  # one character of the token changed
        (ChatRef(12, TOKEN[:-1]), ROW, -100),  # a prefix of the token
        (ChatRef(13, TOKEN), ROW, -100),  # another id (the row was looked up wrongly)
        (ChatRef(12, TOKEN), Row(12, -100, None), -100),  # stored before tokens
        (ChatRef(12, TOKEN), None, -100),  # no such row
    ],
)
def test_anything_else_is_not(ref: ChatRef, row: Row | None, chat_id: int | None) -> None:
    assert not ref.is_valid_for(row, chat_id=chat_id)


@given(st.integers(0, 10**15 - 1), st.from_regex(r"[A-Za-z0-9_-]{8,32}", fullmatch=True))
def test_a_ref_round_trips(row_id: int, token: str) -> None:
    ref = ChatRef(row_id, token)
    assert ChatRef.parse(ref.encode()) == ref


@pytest.mark.parametrize(
    "text", ["", "12", "12.", ".abcdefgh", "12.abc", "12:abcdefgh", "-1.abcdefgh", "١٢.abcdefgh"]
)
def test_garbage_parses_to_none(text: str) -> None:
    assert ChatRef.parse(text) is None


@pytest.mark.parametrize(
    "ref", [ChatRef(-1, TOKEN), ChatRef(10**15, TOKEN), ChatRef(1, "short"), ChatRef(1, "a.b" * 4)]
)
def test_refs_that_would_not_fit_are_refused_when_encoding(ref: ChatRef) -> None:
    with pytest.raises(ValueError):
        ref.encode()
