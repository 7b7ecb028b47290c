"""Whether a passage in another language than the question answers it.

It shares no words with the question, so the vectors decide, two ways: how far the
passage stands above the question's median cosine to the passages *in its language*
(a question is closer to every passage in its own language, so in a corpus of two the
median over all says little), and whether it is closer to the question than every
everyday topic in its language (bot/search/everyday.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest

from bot import AnswerService, Library, Settings
from bot.answers.relevance import QuestionWeights, unseen_version
from bot.answers.service import _LANGUAGE_SAMPLE, _sample_languages
from bot.corpus import Article, CorpusStore
from bot.search import VectorIndex
from tests.conftest import PROJECT

GATE = json.loads((PROJECT / "tests" / "data" / "english_gate_check.json").read_text("utf-8"))
AXES = np.eye(2, dtype=np.float32)

CHIPS = Article(
    id="chips",
    title="Chip exports",
    body="Nvidia sold roughly one million H20 chips to Chinese customers.",
    language="en",
)
ENGLISH = [
    Article(id=f"en{i}", title=f"Notes {i}", body=f"Gardening note number {i}.", language="en")
    for i in range(16)
]
KOREAN = [
    Article(id=f"ko{i}", title=f"요리 {i}", body=f"김치찌개 조리법 {i}번째.", language="ko")
    for i in range(19)
]


class _Question:
    """Every question embeds to the first axis."""

    version = "axes"
    dim = 2

    def embed_query(self, text: str) -> np.ndarray:
        return AXES[0]

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        raise AssertionError("the passages' vectors are given")

    def embed_words(self, words: Sequence[str]) -> np.ndarray:
        raise AssertionError("no word vectors here")


@pytest.fixture(scope="module")
def index(analyzer, tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-languages")
    store = CorpusStore(folder / "corpus")
    for article in (CHIPS, *ENGLISH, *KOREAN):
        store.save_article(article)
    settings = Settings(corpus_dir=folder / "corpus", data_dir=folder / "data", retrieval="bm25")
    return Library(settings, analyzer=analyzer).open_service().index


def _two_languages(index, closer: dict[str, float] | None = None) -> AnswerService:
    """The question is as close to every Korean passage (0.85) as a Korean question is
    to Korean text; the English ones are farther (0.70), the one about chips less so
    (0.78): above the English median, below the median over all (more of the passages
    are Korean). Fewer Korean passages than the dense side pools, so it is pooled.
    ``closer``: articles whose passage is closer than that."""
    ids, rows = [], []
    for batch in index.passage_texts():
        for pid, _, _ in batch:
            article = index.passage(pid).article_id
            cosine = 0.78 if article == "chips" else 0.70 if article.startswith("en") else 0.85
            cosine = (closer or {}).get(article, cosine)
            ids.append(pid)
            rows.append(cosine * AXES[0] + np.sqrt(1 - cosine**2) * AXES[1])
    vectors = VectorIndex(ids, np.stack(rows).astype(np.float32))
    service = AnswerService(index)
    assert service.use_vectors(_Question(), vectors, index=index)  # as the library does
    return service


def test_a_passage_in_another_language_stands_out_among_its_own_languages_passages(index):
    service = _two_languages(index)
    answer = service.ask("엔비디아가 중국에 판 칩은 몇 개야?")
    assert answer.answered
    assert answer.hits[0].article.id == "chips"


def test_over_all_passages_the_same_passage_would_not_stand_out(index):
    service = _two_languages(index)
    semantic = service._state.semantic
    assert semantic is not None and set(semantic.languages) == {"en", "ko"}
    one_median = AnswerService(index, semantic=replace(semantic, languages={}))
    assert not one_median.ask("엔비디아가 중국에 판 칩은 몇 개야?").answered


def test_a_passage_only_close_to_the_question_is_not_quoted_before_an_answer_in_another_language(
    index,
):
    # A Korean passage 0.05 above the Korean median would be kept beside an answer in
    # Korean for that alone; beside the English answer it would come first (its cosine
    # heads the dense list) though it shares none of the question.
    service = _two_languages(index, {"ko3": 0.90})
    answer = service.ask("엔비디아가 중국에 판 칩은 몇 개야?")
    assert [h.article.id for h in answer.hits] == ["chips"]


def test_english_questions_about_everyday_things_are_refused_though_close_to_the_articles(
    hybrid_service,
):
    """english_gate_check.json was written after the everyday topics, not fit on."""
    semantic = hybrid_service._state.semantic
    assert semantic is not None and semantic.everyday is not None
    gap_alone = AnswerService(hybrid_service.index, semantic=replace(semantic, everyday=None))
    refused = sum(not hybrid_service.ask(q).answered for q in GATE["unanswerable"])
    refused_by_gap = sum(not gap_alone.ask(q).answered for q in GATE["unanswerable"])
    assert refused > refused_by_gap, (refused, refused_by_gap)
    assert refused >= 0.9 * len(GATE["unanswerable"])


def test_english_questions_the_articles_answer_are_still_answered(hybrid_service):
    semantic = hybrid_service._state.semantic
    assert semantic is not None
    gap_alone = AnswerService(hybrid_service.index, semantic=replace(semantic, everyday=None))
    for item in GATE["answerable"]:
        # The everyday topics only ever refuse what the gap alone would answer.
        if gap_alone.ask(item["q"]).answered:
            assert hybrid_service.ask(item["q"]).answered, item["q"]
    answered = [hybrid_service.ask(item["q"]) for item in GATE["answerable"]]
    first = sum(
        bool(a.hits) and i["expect"] in a.hits[0].passage.text
        for a, i in zip(answered, GATE["answerable"], strict=True)
    )
    assert first >= 0.7 * len(GATE["answerable"])


def test_a_language_with_too_few_sampled_passages_takes_the_median_over_all(index):
    ids = [pid for batch in index.passage_texts() for pid, _, _ in batch]
    languages = _sample_languages(index, ids)
    assert {k: len(v) for k, v in languages.items()} == {"en": 17, "ko": 19}
    few_english = [pid for pid in ids if not pid.startswith("en")]  # chips alone
    assert set(_sample_languages(index, few_english)) == {"ko"}
    # Passages whose article can't be found are in no language's median.
    assert _sample_languages(index, [*ids, *(f"gone-{i:08x}" for i in range(40))]).keys() == {
        "en",
        "ko",
    }


class _CountingIndex:
    def __init__(self) -> None:
        self.looked_up: list[str] = []

    def passage_languages(self, passage_ids: Sequence[str]) -> list[str]:
        self.looked_up.extend(passage_ids)
        return ["ko" if i % 2 else "en" for i, _ in enumerate(passage_ids)]


def test_at_most_so_many_of_the_sample_are_looked_up():
    counting = _CountingIndex()
    languages = _sample_languages(counting, [f"a{i}-{i:08x}" for i in range(1023)])  # type: ignore[arg-type]
    assert 0 < len(counting.looked_up) <= _LANGUAGE_SAMPLE
    assert set(languages) == {"en", "ko"}


@pytest.mark.parametrize(
    ("question", "unseen"),
    [
        ("When will GPT-5 be released?", True),  # the articles have GPT-4
        ("How much did GPT-4 cost to train?", False),
        ("Which benchmarks did R1 beat o1 on?", False),
        ("Is Stargate worth 500 billion dollars?", False),  # a number alone: 5,000억
        ("How many parameters does DeepSeek-V3 have?", False),  # the articles: DeepSeek v3
        ("How does o1-mini compare?", False),
        ("Is V3 a 671B model?", False),  # a number and its unit
        ("What about DeepSeek-R2?", True),
        # A number no passage has right after a name one has: another model.
        ("When does the iPhone 17 come out?", True),  # the articles have the iPhone X
        ("아이폰 17 언제 나와?", True),
        ("How much did the iPhone X cost?", False),
        ("아이폰 17, 언제 나와?", True),
        ("Tell me about the iPhone 17.", True),
        ("딥시크 2025년 계획은?", False),  # a year is not a model's number
        ("DeepSeek 2050 plans", False),
        ("딥시크 7월 출시?", False),  # nor a date or an amount
        ("오픈AI 17억 달러", False),
        ("오픈AI 35% 지분", False),
        ("DeepSeek 27 billion", False),
    ],
)
def test_a_version_the_corpus_has_never_seen_is_told(service, question, unseen):
    index = service.index
    weights = QuestionWeights(index.query(question), index.document_frequency, index.size)
    assert unseen_version(weights) is unseen


def test_a_question_about_a_version_the_articles_lack_is_refused_in_another_language(
    hybrid_service,
):
    assert not hybrid_service.ask("When will GPT-5 be released?").answered
    assert hybrid_service.ask("How much did GPT-4 cost to train?").answered


def test_a_version_the_articles_lack_is_not_rescued_by_closeness_in_the_same_language(
    hybrid_service,
):
    # The iPhone X passage covers 아이폰 and stands 0.07 above the median: a trap.
    assert not hybrid_service.ask("아이폰 17 언제 나와?").answered
    assert hybrid_service.ask("아이폰 X 가격 얼마였어?").answered
