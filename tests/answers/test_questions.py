"""Our question set: the articles answer these, and don't answer those.

Each answerable question names a verbatim phrase of the passage that answers
it. The bot must rank that passage first; every unanswerable question must come
back as "not found", never as a weak excerpt.
"""

from __future__ import annotations

import pytest

from bot import AnswerStatus
from tests.conftest import QUESTIONS

ARTICLES = QUESTIONS["articles"]
ANSWERABLE = QUESTIONS["answerable"]
UNANSWERABLE = QUESTIONS["unanswerable"]


def test_the_question_set_is_big_enough():
    assert len(ANSWERABLE) >= 40
    assert len(UNANSWERABLE) >= 10


@pytest.mark.parametrize("item", ANSWERABLE, ids=[i["q"] for i in ANSWERABLE])
def test_answerable_question_finds_its_passage_first(service, item):
    answer = service.ask(item["q"])
    assert answer.status is AnswerStatus.ANSWERED, item["q"]
    best = answer.hits[0]
    assert best.article.id == ARTICLES[item["a"]]
    assert item["expect"] in best.passage.text


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
