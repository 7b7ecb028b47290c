"""What an answer and a refresh report show, before any front end formats them."""

from __future__ import annotations

from bot.answers import Answer, AnswerStatus, Excerpt, Suggestions
from bot.corpus import Article
from bot.presentation import FieldLimits, article_facts, change_lines, present_answer, quote_view
from bot.refresh import Change, ChangeKind, RefreshReport
from bot.texts import ENGLISH, KOREAN


def test_a_quote_keeps_its_highlights_as_segments_and_trims_between_words():
    excerpt = Excerpt(
        "DeepSeek v3 cost 5.6 million dollars to train.", ((0, 8), (17, 20)), False, False
    )
    whole = quote_view(excerpt)
    assert [(s.text, s.highlighted) for s in whole.segments] == [
        ("DeepSeek", True),
        (" v3 cost ", False),
        ("5.6", True),
        (" million dollars to train.", False),
    ]
    assert whole.text == excerpt.text and not whole.cut_after

    trimmed = quote_view(excerpt, budget=24, max_highlights=1)
    assert trimmed.text == "DeepSeek v3 cost 5.6"  # cut at the last space within the budget
    assert trimmed.cut_after
    assert [s.text for s in trimmed.segments if s.highlighted] == ["DeepSeek"]


def test_overlapping_or_outside_highlights_never_duplicate_text():
    excerpt = Excerpt("중국은 64개 중 52개", ((0, 2), (1, 3), (20, 99)), True, False)
    shown = quote_view(excerpt)
    assert shown.text == excerpt.text
    assert [s.text for s in shown.segments if s.highlighted] == ["중국", "은"]
    assert shown.cut_before


def test_article_facts_say_publisher_translator_and_date_or_that_it_is_unknown():
    article = Article("a1", "제목", "", publisher="Foreign Affairs", translator="홍길동")
    assert article_facts(article, KOREAN) == ["Foreign Affairs (번역: 홍길동)", "날짜 미상"]
    dated = Article("a2", "t", "", publisher="A very long publisher name", published="2025-01-31")
    assert article_facts(dated, ENGLISH, FieldLimits(publisher=6)) == ["A ver…", "2025-01-31"]


def test_an_unanswered_question_shows_why_and_what_to_try():
    answer = Answer(
        "날씨 어때?",
        AnswerStatus.NOT_FOUND,
        suggestions=Suggestions((Article("a1", "딥시크 충격", ""),), ("딥시크", "엔비디아")),
    )
    shown = present_answer(answer, KOREAN)
    assert not shown.answered and not shown.hits and not shown.header
    assert shown.message == KOREAN.not_found
    assert shown.articles == ("딥시크 충격",) and shown.words == ("딥시크", "엔비디아")


def test_a_report_shows_every_change_but_the_unchanged_articles():
    report = RefreshReport(
        changes=[
            Change(ChangeKind.ADDED, "새 기사", "https://example.com/a"),
            Change(
                ChangeKind.FAILED, "https://example.com/b", "https://example.com/b", "timed out"
            ),
            Change(ChangeKind.UNCHANGED, "그대로", ""),
        ],
        unchanged=3,
    )
    lines = change_lines(report)
    assert [(line.kind, line.title, line.source) for line in lines] == [
        (ChangeKind.ADDED, "새 기사", "https://example.com/a"),
        (ChangeKind.FAILED, "https://example.com/b", ""),  # the source would repeat the title
    ]
    assert lines[1].reason == "timed out"
    assert report.count(ChangeKind.UNCHANGED) == 4


def test_the_english_header_says_passage_for_one_and_passages_for_more():
    from tests.chat.conftest import make_hit

    one = Answer("cost?", AnswerStatus.ANSWERED, hits=(make_hit(),))
    two = Answer("cost?", AnswerStatus.ANSWERED, hits=(make_hit(), make_hit()))
    assert present_answer(one, ENGLISH).header == "🔎 1 relevant passage · cost?"
    assert present_answer(two, ENGLISH).header == "🔎 2 relevant passages · cost?"
    assert present_answer(one, KOREAN).header == "🔎 관련 구절 1개 · cost?"
