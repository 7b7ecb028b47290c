"""A question in another language than an article: its words meet the article's words
through their vectors ("announced" and 발표), which reorders the passages in that
language among themselves, and never lifts one above a passage in the question's own.

The vectors here are made by hand (four axes), so each test says exactly how close
what is to what; tests/search/test_word_vectors.py shows the real model puts a word
near its translation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest

from bot import AnswerService, Library, Settings
from bot.answers.service import (
    _QUESTION_WORDS_EMBEDDED,
    MAX_QUESTION_CHARS,
    Semantic,
)
from bot.corpus import Article, CorpusStore
from bot.search import VectorCache, VectorIndex, WordVectors
from bot.search.vectors import vector_key

AXES = np.eye(4, dtype=np.float32)
VERSION = "test"

CLOSEST = Article(  # the model's first choice, which doesn't say who announced it
    id="closest",
    title="스타게이트",
    body="스타게이트는 거대한 데이터 센터 계획이다.",
    language="ko",
)
ANNOUNCED = Article(  # a little less close, and it says it: 발표
    id="announced", title="백악관", body="대통령이 화요일에 새 계획을 발표했다.", language="ko"
)
ENGLISH = Article(
    id="english",
    title="Stargate",
    body="The president announced the Stargate plan on Tuesday.",
    language="en",
)
FILLERS = [
    Article(id=f"filler{i}", title=f"요리 {i}", body=f"김치찌개 조리법 {i}번째.", language="ko")
    for i in range(6)
]


class _Words:
    """Every question embeds to the first axis; a word, to the axis its table gives
    (others to the last: unrelated)."""

    version = VERSION
    dim = 4

    def __init__(self, axes: dict[str, int]) -> None:
        self.axes = axes
        self.embedded: list[str] = []

    def embed_query(self, text: str) -> np.ndarray:
        return AXES[0]

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        raise AssertionError("the passages' vectors are given")

    def embed_words(self, words: Sequence[str]) -> np.ndarray:
        self.embedded.extend(words)
        return np.stack([AXES[self.axes.get(w, 3)] for w in words])


@pytest.fixture(scope="module")
def index(analyzer, tmp_path_factory):
    folder = tmp_path_factory.mktemp("translations")
    store = CorpusStore(folder / "corpus")
    for article in (CLOSEST, ANNOUNCED, ENGLISH, *FILLERS):
        store.save_article(article)
    settings = Settings(corpus_dir=folder / "corpus", data_dir=folder / "data", retrieval="bm25")
    return Library(settings, analyzer=analyzer).open_service().index


def _passage(index, article_id: str) -> str:
    return index.article_passages(article_id)[0].id


def _service(index, cosines: dict[str, float], words: bool = True) -> AnswerService:
    """Hybrid answers over ``index``: each listed article's passage this close to every
    question, the fillers far; 발표 and "announced" on one axis when ``words``."""
    ids, rows = [], []
    for batch in index.passage_texts():
        for pid, _, _ in batch:
            article = index.passage(pid).article_id
            cosine = cosines.get(article, 0.0)
            ids.append(pid)
            rows.append(cosine * AXES[0] + np.sqrt(1 - cosine**2) * AXES[1])
    embedder = _Words({"발표": 2, "announced": 2})
    cache = VectorCache(None)  # every passage word's vector: 발표's on its axis, the rest apart
    known = {w for found in index.passage_words(ids).values() for w in found}
    cache.put_many({vector_key(VERSION, w): AXES[embedder.axes.get(w, 3)] for w in known})
    semantic = Semantic(
        embedder,
        VectorIndex(ids, np.stack(rows).astype(np.float32)),
        words=WordVectors(cache, VERSION) if words else None,
    )
    return AnswerService(index, semantic=semantic)


def _first(service: AnswerService, question: str) -> str:
    answer = service.ask(question)
    assert answer.answered
    return answer.hits[0].passage.id


def test_a_passage_with_the_translation_of_a_question_word_comes_first(index):
    cosines = {"closest": 0.9, "announced": 0.85}
    question = "Who announced the data center plan?"
    assert _first(_service(index, cosines, words=False), question) == _passage(index, "closest")
    assert _first(_service(index, cosines), question) == _passage(index, "announced")


def test_a_passage_in_the_questions_own_language_keeps_its_place(index):
    # The English passage shares the question's words, which BM25 weighs: the Korean
    # passage saying 발표 gains over the other Korean one, not over it.
    service = _service(index, {"english": 0.88, "closest": 0.9, "announced": 0.85})
    hits = [h.passage.id for h in service.ask("Who announced the Stargate plan?").hits]
    assert hits[:2] == [_passage(index, "english"), _passage(index, "announced")]


def test_the_question_words_are_embedded_once_as_written(index):
    service = _service(index, {"closest": 0.9, "announced": 0.85})
    assert service._state.semantic is not None
    embedder = service._state.semantic.embedder
    assert isinstance(embedder, _Words)
    service.ask("Who announced the data center plan?")
    service.ask("Who announced the plan?")
    # As written ("announced", not the stem announc), each word once.
    assert sorted(embedder.embedded) == ["announced", "center", "data", "plan"]


def test_while_some_words_have_no_vector_yet_the_order_stays(index):
    service = _service(index, {"closest": 0.9, "announced": 0.85})
    semantic = service._state.semantic
    assert semantic is not None and semantic.words is not None
    cache = VectorCache(None)  # only 발표 embedded so far
    cache.put_many({vector_key(VERSION, "발표"): AXES[2]})
    partial = AnswerService(index, semantic=replace(semantic, words=WordVectors(cache, VERSION)))
    question = "Who announced the data center plan?"
    assert _first(partial, question) == _passage(index, "closest")


def test_a_question_in_the_articles_language_is_ranked_without_them(index):
    service = _service(index, {"closest": 0.9, "announced": 0.85})
    service.ask("데이터 센터 계획은 누가 발표했어?")
    assert service._state.semantic is not None
    assert isinstance(service._state.semantic.embedder, _Words)
    assert service._state.semantic.embedder.embedded == []


def test_a_long_question_embeds_only_its_first_words(index):
    service = _service(index, {"closest": 0.9, "announced": 0.85})
    assert service._state.semantic is not None
    embedder = service._state.semantic.embedder
    assert isinstance(embedder, _Words)
    # Words of letters alone: one with digits would name a version no passage has.
    filler = " ".join(f"word{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(60))
    service.ask(f"Who announced the data center plan? {filler}"[:MAX_QUESTION_CHARS])
    assert len(embedder.embedded) == _QUESTION_WORDS_EMBEDDED
    assert embedder.embedded[0] == "announced"  # the question's own order
