"""The button codec: dataclasses ↔ strings of at most 64 bytes; garbage is never trusted."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.chat.callbacks import (
    MAX_CALLBACK_BYTES,
    DocumentButton,
    FeedbackButton,
    InvalidButton,
    PageButton,
    PassageButton,
    decode,
)
from bot.chat.refs import ChatRef

REF = ChatRef(12, "Sx0tWk3nQ2A")
passage_ids = st.from_regex(r"[A-Za-z0-9_-]{1,62}", fullmatch=True)
refs = st.builds(
    ChatRef,
    st.integers(0, 10**15 - 1),
    st.from_regex(r"[A-Za-z0-9_-]{8,32}", fullmatch=True),
)
buttons = st.one_of(
    st.builds(PageButton, refs, st.integers(0, 9999)),
    st.builds(FeedbackButton, refs, st.booleans()),
    st.builds(PassageButton, passage_ids),
    st.builds(DocumentButton, refs, st.booleans()),
)


@given(buttons)
def test_every_button_round_trips_within_64_bytes(button: object) -> None:
    data = button.encode()  # type: ignore[attr-defined]
    assert 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES
    assert decode(data) == button


@given(st.text(max_size=200))
def test_any_string_decodes_without_raising(data: str) -> None:
    decoded = decode(data)
    if not isinstance(decoded, InvalidButton):
        assert decoded.encode() == data


@pytest.mark.parametrize(
    "data",
    [
        "",
        "m:",
        "m:1:3",  # the old format, without a token: its buttons have expired
        "f:1:+",
        "m:12.Sx0tWk3nQ2A",
        "m:12.Sx0tWk3nQ2A:3:4",
        "m:-1.Sx0tWk3nQ2A:0",
        "m:a.Sx0tWk3nQ2A:0",
        "m:12.short:0",
        "m:12.Sx0tWk3nQ2A:10000",
        "m:١٢.Sx0tWk3nQ2A:3",  # Arabic-Indic digits
        "f:12.Sx0tWk3nQ2A:*",
        "f:12.Sx0tWk3nQ2A:++",
        "f:12:Sx0tWk3nQ2A:+",
        "p:",
        "p:has space",
        "p:한국어",
        "p:12.Sx0tWk3nQ2A",
        "p:" + "a" * 63,
        "x:12.Sx0tWk3nQ2A:3",
        "m:12.Sx0tWk3nQ2A:3\n",
        "M:12.Sx0tWk3nQ2A:3",
        "d:12.Sx0tWk3nQ2A",
        "d:12.Sx0tWk3nQ2A:*",
        "d:12:+",
        "d:12.Sx0tWk3nQ2A:+:",
    ],
)
def test_garbage_decodes_to_an_invalid_button(data: str) -> None:
    assert decode(data) == InvalidButton(data)


@pytest.mark.parametrize("data", [None, 7, b"m:1:3", object()])
def test_missing_or_non_string_data_is_an_invalid_button(data: object) -> None:
    assert decode(data) == InvalidButton("")


def test_examples_from_the_docstring() -> None:
    assert PageButton(REF, 3).encode() == "m:12.Sx0tWk3nQ2A:3"
    assert FeedbackButton(REF, up=True).encode() == "f:12.Sx0tWk3nQ2A:+"
    assert FeedbackButton(REF, up=False).encode() == "f:12.Sx0tWk3nQ2A:-"
    assert PassageButton("f145e3cc02f9-03621c64").encode() == "p:f145e3cc02f9-03621c64"
    assert DocumentButton(ChatRef(4, "Sx0tWk3nQ2A"), add=True).encode() == "d:4.Sx0tWk3nQ2A:+"
    assert DocumentButton(REF, add=False).encode() == "d:12.Sx0tWk3nQ2A:-"


def test_the_longest_buttons_fit_with_room_to_spare() -> None:
    longest = ChatRef(10**15 - 1, "x" * 32)
    assert len(PageButton(longest, 9999).encode()) == 55 <= MAX_CALLBACK_BYTES


@pytest.mark.parametrize(
    "make",
    [
        lambda: PageButton(ChatRef(-1, "Sx0tWk3nQ2A"), 0),
        lambda: PageButton(REF, 10_000),
        lambda: PageButton(REF, -1),
        lambda: PageButton(ChatRef(10**15, "Sx0tWk3nQ2A"), 0),
        lambda: FeedbackButton(ChatRef(1, "bad token"), up=True),
        lambda: PassageButton("with space"),
        lambda: PassageButton("x" * 63),
    ],
)
def test_buttons_that_would_not_fit_are_refused_when_encoding(make: object) -> None:
    with pytest.raises(ValueError):
        make().encode()  # type: ignore[operator]
