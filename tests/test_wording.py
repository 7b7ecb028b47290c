"""Counts and durations read as people write them, in English and Korean."""

from __future__ import annotations

import pytest

from bot.texts import corpus_size, counted, duration


@pytest.mark.parametrize(
    ("count", "text"),
    [(0, "0 articles"), (1, "1 article"), (2, "2 articles"), (1200, "1,200 articles")],
)
def test_counted_uses_the_plural_except_for_one(count, text):
    assert counted(count, "article") == text


def test_corpus_size_in_both_languages():
    assert corpus_size(1, 1, "en") == "1 article, 1 passage"
    assert corpus_size(2, 56, "ko") == "기사 2편, 구절 56개"


@pytest.mark.parametrize(
    ("seconds", "english", "korean"),
    [
        (0.01, "under 0.1 seconds", "0.1초 미만"),
        (3.24, "3.2 seconds", "3.2초"),
        (60.2, "1 minute", "1분"),
        (125, "2 minutes 5 seconds", "2분 5초"),
        (61, "1 minute 1 second", "1분 1초"),
    ],
)
def test_duration_never_says_zero_point_zero(seconds, english, korean):
    assert duration(seconds, "en") == english
    assert duration(seconds, "ko") == korean
