"""English words: lower-cased, stop words out, stemmed alike in passages and questions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.search.analyzer import KoreanAnalyzer, passage_terms
from bot.search.english import STOP_WORDS, english_term, stem
from bot.search.language import text_language
from bot.sources import extract_article
from tests.conftest import PROJECT

PAGES = PROJECT / "tests" / "data" / "english"


@pytest.fixture(scope="module")
def analyzer() -> KoreanAnalyzer:
    return KoreanAnalyzer(workers=2)


def words(analyzer: KoreanAnalyzer, text: str) -> list[str]:
    return [t.text for t in analyzer.words(text)]


@pytest.mark.parametrize(
    "forms",
    [
        ("model", "models", "Models"),
        ("announce", "announced", "announces", "announcing"),
        ("chip", "chips", "CHIPS"),
        ("run", "runs", "running", "ran"),  # ran: the irregular table
        ("build", "builds", "building", "built"),
        ("sell", "sells", "selling", "sold"),
        ("factory", "factories"),
        ("company", "companies"),
        ("restriction", "restrictions"),
        ("GPU", "GPUs", "gpu"),  # an acronym's plural loses its s
        ("LLM", "LLMs"),
    ],
)
def test_inflections_of_a_word_give_one_term(analyzer, forms) -> None:
    terms = {tuple(words(analyzer, form)) for form in forms}
    assert len(terms) == 1, terms
    [only] = terms
    assert len(only) == 1 and only[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. announced new export controls on chips.",
         ["us", "announc", "new", "export", "control", "chip"]),
        ("China's DeepSeek", ["china", "deepseek"]),  # possessive 's
        ("It is what it is", []),  # only stop words
        ("don't", []),  # a contraction on the stop list
        ("US and IT firms", ["us", "it", "firm"]),  # capitals: acronyms, not stop words
        ("state-of-the-art", ["state-of-the-art", "state", "art"]),
        ("export-controls", ["export-control", "export", "control"]),
        ("GPT-4o and o1", ["gpt-4o", "gpt", "4o", "o1"]),
        ("DeepSeek-V3", ["deepseek-v3", "deepseek", "v3"]),
    ],
)  # fmt: skip
def test_english_text(analyzer, text, expected) -> None:
    assert words(analyzer, text) == expected


def test_stop_words_are_dropped_from_passages_and_questions(analyzer) -> None:
    passage = analyzer.analyze("The chips of the company were sold to the customers.")
    question = analyzer.analyze_query("What did the company sell to its customers?")
    for bag in (passage, question):
        assert not set(bag["word"]) & STOP_WORDS
    assert set(question["word"]) == {"compani", "sell", "custom"}
    assert set(question["word"]) <= set(passage["word"])


def test_question_framing_words_are_dropped_from_questions_only(analyzer) -> None:
    question = "How much money, according to analysts, will the market reach?"
    assert analyzer.analyze_query(question)["word"] == ["money", "analyst", "market", "reach"]
    assert "accord" in analyzer.analyze("according to analysts")["word"]


@pytest.mark.parametrize(
    "text",
    [
        "Nvidia's shares fell 4 percent after the U.S. announced new restrictions.",
        "Companies that want to ship restricted chips must apply for licenses.",
        "딥시크(DeepSeek)는 OpenAI의 GPUs 없이 models를 만들었다.",
    ],
)
def test_stemmed_terms_keep_the_span_of_the_word_as_written(analyzer, text) -> None:
    bag = analyzer.analyze(text, title="A title")
    terms = passage_terms(bag)
    assert [(t.text, t.start, t.end) for t in terms] == [
        (t.text, t.start, t.end) for t in analyzer.words(text)
    ]
    for term in terms:
        surface = text[term.start : term.end]
        if surface.isascii() and surface.isalpha():
            assert english_term(surface) == term.text, surface
    surfaces = {text[t.start : t.end] for t in terms}
    assert surfaces & {"shares", "restrictions", "Companies", "restricted", "GPUs", "models"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DeepSeek와 OpenAI는 GPU를 썼다", ["deepseek", "openai", "gpu", "쓰다"]),
        ("오픈AI가", ["오픈", "ai"]),
        ("GPT-4는 2023년", ["gpt-4", "gpt", "4", "2023", "년", "2023년"]),
    ],
)
def test_english_names_in_korean_text(analyzer, text, expected) -> None:
    assert words(analyzer, text) == expected


def test_an_inflected_question_finds_its_passage(analyzer) -> None:
    passage = {t.text for t in analyzer.words("SK Hynix supplies most of the HBM chips.")}
    question = analyzer.analyze_query("Which company supplied the HBM chip?")["word"]
    assert set(question) - {"compani"} <= passage


def test_stemming_is_thread_safe() -> None:
    forms = [f"{w}{end}" for w in ("announc", "model", "comput") for end in ("es", "ing", "ed")]
    stem.cache_clear()
    expected = [english_term(f) for f in forms]
    stem.cache_clear()
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(english_term, forms * 20)) == expected * 20


def test_an_english_page_is_english_even_when_it_does_not_say_so() -> None:
    html = (PAGES / "eu-ai-act.html").read_text("utf-8")
    assert "lang=" not in html
    assert extract_article(html, "https://news.example.com/eu").language == "en"
    assert text_language("Who chairs the Stargate venture?") == "en"
