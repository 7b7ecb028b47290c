"""An article's title says what each of its passages is about.

A passage often never names its subject: the article's title does, and questions
name it ("량원펑은 어디에서 태어났어?" asked of an article titled 량원펑 whose text
says only "그는 광둥성에서 태어났다").
"""

from __future__ import annotations

import pytest

from bot import AnswerService, Library, Settings
from bot.corpus import Article, CorpusStore

BIOGRAPHY = Article(
    id="biography",
    title="량원펑",
    body="그는 광둥성에서 태어났다. 저장대학교에서 정보통신공학을 공부했다.",
    language="ko",
)
SURVEY = Article(
    id="survey",
    title="중국의 기업가들",
    body="중국의 기업가 량원펑과 왕싱싱은 광둥성 출신이다. 두 사람은 광둥성에서 자랐다.",
    language="ko",
)
CITY = Article(
    id="city",
    title="항저우",
    body="항저우는 저장성의 성도이다. 많은 기업이 있다.",
    language="ko",
)


@pytest.fixture(scope="module")
def service(analyzer, tmp_path_factory) -> AnswerService:
    folder = tmp_path_factory.mktemp("titles")
    store = CorpusStore(folder / "corpus")
    for article in (BIOGRAPHY, SURVEY, CITY):
        store.save_article(article)
    settings = Settings(corpus_dir=folder / "corpus", data_dir=folder / "data", retrieval="bm25")
    return Library(settings, analyzer=analyzer).open_service()


def test_a_passage_is_about_its_articles_title(service):
    # The biography's text never names 량원펑; the survey's does, but says nothing of
    # where he was born.
    answer = service.ask("량원펑은 어디에서 태어났어?")
    assert answer.answered
    assert answer.hits[0].article.id == "biography"
    assert "태어났다" in answer.hits[0].excerpt.text


def test_the_title_counts_in_the_share_of_the_question_a_passage_covers(service):
    hit = service.ask("량원펑은 어디에서 태어났어?").hits[0]
    assert hit.relevance == pytest.approx(1.0)  # 량원펑 from the title, 태어나다 from the text


def test_a_title_does_not_answer_on_its_own(service):
    # 항저우 is the city's title (and in its text); nothing anywhere says its weather.
    assert not service.ask("항저우 날씨 어때?").answered
