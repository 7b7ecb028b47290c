"""The button codec: dataclasses ↔ strings of at most 64 bytes; garbage is never trusted."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.chat.callbacks import (
    MAX_CALLBACK_BYTES,
    FeedbackButton,
    InvalidButton,
    PageButton,
    PassageButton,
    decode,
)

passage_ids = st.from_regex(r"[A-Za-z0-9_-]{1,62}", fullmatch=True)
buttons = st.one_of(
    st.builds(PageButton, st.integers(0, 10**15 - 1), st.integers(0, 9999)),
    st.builds(FeedbackButton, st.integers(0, 10**15 - 1), st.booleans()),
    st.builds(PassageButton, passage_ids),
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
        "m:1",
        "m:1:2:3",
        "m:-1:0",
        "m:a:0",
        "f:1:*",
        "f:1:++",
        "p:",
        "p:has space",
        "p:한국어",
        "p:" + "a" * 63,
        "x:1:2",
        "m:1:3\n",
        "M:1:3",
    ],
)
def test_garbage_decodes_to_an_invalid_button(data: str) -> None:
    assert decode(data) == InvalidButton(data)


def test_examples_from_the_docstring() -> None:
    assert PageButton(12, 3).encode() == "m:12:3"
    assert FeedbackButton(12, up=True).encode() == "f:12:+"
    assert FeedbackButton(12, up=False).encode() == "f:12:-"
    assert PassageButton("f145e3cc02f9-03621c64").encode() == "p:f145e3cc02f9-03621c64"


def test_matchers_route_each_kind_to_its_handler() -> None:
    assert PageButton.matches("m:1:3") and not PageButton.matches("f:1:+")
    assert FeedbackButton.matches("f:1:-") and not FeedbackButton.matches("m:1:3")
    assert PassageButton.matches("p:abc") and not PassageButton.matches("p:")
    assert InvalidButton.matches("nonsense") and InvalidButton.matches(object())
    assert not InvalidButton.matches("m:1:3")


@pytest.mark.parametrize(
    "make",
    [
        lambda: PageButton(-1, 0),
        lambda: PageButton(1, 10_000),
        lambda: PageButton(10**15, 0),
        lambda: PassageButton("with space"),
        lambda: PassageButton("x" * 63),
    ],
)
def test_buttons_that_would_not_fit_are_refused_when_encoding(make: object) -> None:
    with pytest.raises(ValueError):
        make().encode()  # type: ignore[operator]
