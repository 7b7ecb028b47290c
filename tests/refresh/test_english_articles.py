"""English articles added by URL answer English questions worded in other inflections."""

from __future__ import annotations

import pytest

from bot.refresh import ChangeKind
from tests.conftest import PROJECT

PAGES = PROJECT / "tests" / "data" / "english"

# (question, page, a phrase of the answering passage, inflected words highlighted in it)
CASES = [
    (
        "Who announces new restrictions on exporting AI chips?",
        "chip-export-controls.html",
        "announced sweeping new restrictions",
        {"announced", "restrictions", "export", "chips"},
    ),
    (
        "How many H20 chips does Nvidia sell to Chinese customers?",
        "chip-export-controls.html",
        "sold roughly one million",
        {"sold", "customers"},
    ),
    (
        "Where is Micron building its new factory?",
        "hbm-memory.html",
        "building new factories in New York and Idaho",
        {"factories", "Micron"},
    ),
    (
        "How big is the fine for violating the AI Act?",
        "eu-ai-act.html",  # declares no language: told English by its script
        "Fines for violations can reach 7 percent",
        {"Fines", "violations"},
    ),
]


@pytest.fixture
async def added(web, refresher) -> dict[str, str]:
    """Every English page, added by URL: page name → its article's URL."""
    urls = {}
    for page in sorted(PAGES.glob("*.html")):
        result = await refresher.add(web.page(f"/news/{page.name}", page.read_text("utf-8")))
        assert result.change.kind is ChangeKind.ADDED, result.change
        assert result.article.language == "en"
        urls[page.name] = result.article.url
    return urls


@pytest.mark.parametrize(("question", "page", "expect", "highlighted"), CASES)
async def test_an_inflected_english_question_quotes_its_passage_highlighted(
    added, service, question, page, expect, highlighted
):
    answer = service.ask(question)
    assert answer.answered, question
    first = answer.hits[0]
    assert first.url == added[page] and expect in first.passage.text
    excerpt = first.excerpt
    marked = {excerpt.text[start:end] for start, end in excerpt.highlights}
    assert highlighted <= marked, marked  # the stem found the word as written


async def test_english_questions_beyond_the_articles_are_refused(added, service):
    for question in ("What's the weather in Seoul today?", "How do I bake sourdough bread?"):
        assert not service.ask(question).answered, question


async def test_korean_questions_still_find_the_korean_articles(added, service):
    answer = service.ask("딥시크 v3 훈련 비용은?")  # 딥시크 = DeepSeek, from synonyms.txt
    assert answer.answered
    first = answer.hits[0]
    assert first.article.language == "ko" and "558만 달러에 불과한" in first.passage.text
    marked = {first.excerpt.text[s:e] for s, e in first.excerpt.highlights}
    assert {"DeepSeek", "v3"} <= marked
