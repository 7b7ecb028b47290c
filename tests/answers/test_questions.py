"""Our question set: the articles answer these, and don't answer those.

Each answerable question names a verbatim phrase of the passage that answers
it. The bot must rank that passage first; every unanswerable question must come
back as "not found", never as a weak excerpt.
"""

from __future__ import annotations

import json

import pytest

from bot import AnswerStatus, Library, Settings
from tests.conftest import PROJECT, QUESTIONS

ARTICLES = QUESTIONS["articles"]
ANSWERABLE = QUESTIONS["answerable"]
UNANSWERABLE = QUESTIONS["unanswerable"]
HELDOUT = json.loads((PROJECT / "tests" / "data" / "heldout_questions.json").read_text("utf-8"))


@pytest.fixture(scope="module", params=["bm25", "tantivy"])
def service(request, analyzer, tmp_path_factory):
    """The answer service with each engine: both must pass the same questions."""
    settings = Settings(
        corpus_dir=PROJECT / "corpus",
        data_dir=tmp_path_factory.mktemp(f"data-{request.param}"),
        search_engine=request.param,
    )
    service = Library(settings, analyzer=analyzer).open_service()
    assert service.index.engine.name == request.param
    return service


def top1_rate(service, items) -> float:
    """The share of questions whose first quoted passage holds the expected phrase."""
    first = 0
    for item in items:
        hits = service.ask(item["q"]).hits
        first += bool(hits) and item["expect"] in hits[0].passage.text
    return first / len(items)


def test_the_question_set_is_big_enough():
    assert len(ANSWERABLE) >= 40
    assert len(UNANSWERABLE) >= 10


@pytest.mark.parametrize("item", ANSWERABLE, ids=[i["q"] for i in ANSWERABLE])
def test_answerable_question_quotes_its_passage(service, item):
    answer = service.ask(item["q"])
    assert answer.status is AnswerStatus.ANSWERED, item["q"]
    quoted = [(hit.article.id, hit.passage.text) for hit in answer.hits]
    assert any(
        article == ARTICLES[item["a"]] and item["expect"] in text for article, text in quoted
    ), quoted


def test_the_answering_passage_comes_first_almost_always(service):
    assert top1_rate(service, ANSWERABLE) >= 0.95


def test_held_out_questions_are_mostly_answered_first(service):
    """A second set, written without looking at the first (some in English, which the
    Korean articles can only partly match); measured 0.867 at the time of writing."""
    assert top1_rate(service, HELDOUT["answerable"]) >= 0.8


@pytest.mark.parametrize("question", HELDOUT["unanswerable"])
def test_held_out_unanswerable_question_is_not_found(service, question):
    assert not service.ask(question).answered


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_unanswerable_question_is_not_found(service, question):
    answer = service.ask(question)
    assert not answer.answered
    assert answer.hits == ()
    assert answer.status in (AnswerStatus.NOT_FOUND, AnswerStatus.NO_WORDS)


def test_not_found_helps_with_articles_and_words(service):
    answer = service.ask("오늘 서울 날씨 어때?")
    assert answer.status is AnswerStatus.NOT_FOUND
    titles = {a.title for a in answer.suggestions.articles}
    assert titles == {"닫는 미국과 여는 중국", "딥시크와 스타게이트: 미래를 위한 전투"}
    assert len(answer.suggestions.words) >= 3
    # The words to try really find something.
    for word in answer.suggestions.words[:3]:
        assert service.ask(word).answered, word
