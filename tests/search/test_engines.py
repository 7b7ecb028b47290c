"""The search engines behave alike: every behaviour test runs against each of them."""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import pytest

from bot.search.bm25_engine import BM25Engine
from bot.search.engine import Field, SearchEngine, TermBag
from bot.search.engines import AUTO_THRESHOLD, ENGINES, make_engine, resolve_engine
from bot.search.tantivy_engine import TantivyEngine

FIELDS = (Field("word", 1.0), Field("gram", 0.5))

# A small corpus whose rankings are easy to check by hand.
CORPUS: dict[str, TermBag] = {
    "seoul": {"word": ["서울", "서울", "인구"], "gram": ["서울", "서울"]},
    "both": {"word": ["서울", "부산", "인구", "교통"], "gram": ["서울", "부산", "교통"]},
    "busan": {"word": ["부산", "항구"], "gram": ["부산", "항구"]},
    "daejeon": {"word": ["대전", "과학"], "gram": ["대전", "과학"]},
}

Factory = Callable[..., SearchEngine]


@pytest.fixture(params=["bm25", "tantivy"])
def new_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Factory:
    """Makes an engine of the parametrized kind, optionally filled with documents."""

    def make(documents: dict[str, TermBag] | None = None) -> SearchEngine:
        engine = make_engine(request.param, FIELDS, path=tmp_path / "index")
        if documents:
            engine.update(documents.items(), ())
        return engine

    return make


def ids(engine: SearchEngine, query: TermBag, k: int = 10) -> list[str]:
    return [hit.id for hit in engine.search(query, k)]


# -- ranking ------------------------------------------------------------------------


def test_ranks_by_bm25(new_engine: Factory) -> None:
    engine = new_engine(CORPUS)
    assert ids(engine, {"word": ["서울"]}) == ["seoul", "both"]  # tf 2 beats tf 1
    assert ids(engine, {"word": ["부산", "항구"]}) == ["busan", "both"]
    assert ids(engine, {"word": ["인구"]}) == ["seoul", "both"]  # the shorter passage
    assert ids(engine, {"word": ["과학"]}, k=1) == ["daejeon"]


def test_scores_are_positive_and_best_first(new_engine: Factory) -> None:
    hits = new_engine(CORPUS).search({"word": ["서울", "부산"], "gram": ["교통"]}, 10)
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(score > 0 for score in scores)
    assert hits[0].id == "both"


def test_field_weights_scale_scores(new_engine: Factory) -> None:
    engine = new_engine(
        {
            "in-word": {"word": ["열쇠", "가"], "gram": ["가", "나"]},
            "in-gram": {"word": ["가", "나"], "gram": ["열쇠", "가"]},
        }
    )
    hits = engine.search({"word": ["열쇠"], "gram": ["열쇠"]}, 10)
    assert [hit.id for hit in hits] == ["in-word", "in-gram"]
    assert hits[1].score == pytest.approx(hits[0].score * 0.5, rel=1e-3)


def test_a_repeated_query_term_counts_twice(new_engine: Factory) -> None:
    engine = new_engine(CORPUS)
    once = engine.search({"word": ["항구"]}, 1)[0].score
    twice = engine.search({"word": ["항구", "항구"]}, 1)[0].score
    assert twice == pytest.approx(2 * once, rel=1e-3)


def test_terms_are_matched_exactly(new_engine: Factory) -> None:
    engine = new_engine({"upper": {"word": ["Apple", "3.5"]}, "lower": {"word": ["apple", "c++"]}})
    assert ids(engine, {"word": ["Apple"]}) == ["upper"]
    assert ids(engine, {"word": ["apple"]}) == ["lower"]
    assert ids(engine, {"word": ["3.5"]}) == ["upper"]
    assert ids(engine, {"word": ["c++"]}) == ["lower"]
    assert ids(engine, {"word": ["appl"]}) == []


def test_nothing_to_find(new_engine: Factory) -> None:
    empty = new_engine()
    assert empty.size == 0
    assert empty.search({"word": ["서울"]}, 10) == []
    assert empty.document_frequency("word", "서울") == 0
    engine = new_engine(CORPUS)
    assert engine.search({}, 10) == []
    assert engine.search({"word": [], "gram": []}, 10) == []
    assert engine.search({"word": ["없는말"]}, 10) == []
    assert engine.search({"unknown": ["서울"]}, 10) == []
    assert engine.search({"word": ["서울"]}, 0) == []


def _random_corpus(seed: int, size: int) -> dict[str, TermBag]:
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(400)]
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    corpus: dict[str, TermBag] = {}
    for n in range(size):
        words = rng.choices(vocabulary, weights, k=rng.randint(5, 40))
        grams = [f"{a}{b}" for a, b in pairwise(words)]
        corpus[f"d{n}"] = {"word": words, "gram": grams}
    return corpus


def test_engines_agree_on_rankings_and_scores(tmp_path: Path) -> None:
    """Tantivy's best hits are re-scored exactly, with each field's own k1 and b."""
    fields = (Field("word", 1.0, k1=0.3, b=0.75), Field("gram", 0.5, k1=0.9, b=0.4))
    corpus = _random_corpus(7, 300)
    bm25 = BM25Engine(fields)
    bm25.update(corpus.items(), ())
    tantivy = TantivyEngine(fields, tmp_path / "index")
    tantivy.update(corpus.items(), ())
    rng = random.Random(1)
    for doc_id in rng.sample(sorted(corpus), 40):
        words = rng.sample(sorted(set(corpus[doc_id]["word"])), 2)
        query = {"word": words, "gram": [words[0] + words[1]]}
        exact = {hit.id: hit.score for hit in bm25.search(query, len(corpus))}
        hits = tantivy.search(query, 5)
        assert hits[0].id == bm25.search(query, 1)[0].id, query
        for hit in hits:
            assert hit.score == pytest.approx(exact[hit.id], rel=1e-5)


def test_tantivy_scores_are_rank_bm25_scores(tmp_path: Path) -> None:
    """Repeated and adjacent terms, empty fields, other k1 and b: the same scores."""
    fields = (Field("word", 1.0, k1=0.3, b=0.75), Field("gram", 0.5, k1=2.0, b=1.0))
    corpus: dict[str, TermBag] = {
        "repeats": {"word": ["하하", "하하", "하하", "웃음"], "gram": ["하하", "하하"]},
        "once": {"word": ["하하", "웃음", "소리", "크게", "났다"], "gram": ["하하"]},
        "no-grams": {"word": ["웃음"], "gram": []},
        "no-words": {"word": [], "gram": ["하하", "웃음"]},
    }
    bm25 = BM25Engine(fields)
    bm25.update(corpus.items(), ())
    tantivy = TantivyEngine(fields, tmp_path / "index")
    tantivy.update(corpus.items(), ())
    for query in ({"word": ["하하"]}, {"word": ["웃음", "하하"], "gram": ["하하", "웃음"]}):
        expected = bm25.search(query, 10)
        hits = tantivy.search(query, 10)
        assert [hit.id for hit in hits] == [hit.id for hit in expected]
        for hit, want in zip(hits, expected, strict=True):
            assert hit.score == pytest.approx(want.score, rel=1e-5)


# -- updating -----------------------------------------------------------------------


def test_update_adds_replaces_and_removes_in_place(new_engine: Factory) -> None:
    engine = new_engine(CORPUS)
    engine.update([("incheon", {"word": ["인천", "공항"]})], ())
    assert engine.size == 5
    assert ids(engine, {"word": ["공항"]}) == ["incheon"]

    engine.update([("busan", {"word": ["부산", "영화제"]})], ())  # replaces
    assert engine.size == 5
    assert ids(engine, {"word": ["항구"]}) == []
    assert ids(engine, {"word": ["영화제"]}) == ["busan"]
    assert ids(engine, {"word": ["서울"]}) == ["seoul", "both"]  # untouched

    engine.update((), ["seoul", "never-added"])
    assert engine.size == 4
    assert ids(engine, {"word": ["서울"]}) == ["both"]
    assert engine.document_frequency("word", "서울") == 1


def test_update_removes_before_adding(new_engine: Factory) -> None:
    engine = new_engine(CORPUS)
    engine.update([("seoul", {"word": ["수도"]})], ["seoul"])
    assert ids(engine, {"word": ["수도"]}) == ["seoul"]
    assert engine.size == 4


def test_the_last_of_repeated_ids_wins(new_engine: Factory) -> None:
    engine = new_engine()
    engine.update([("a", {"word": ["첫째"]}), ("a", {"word": ["둘째"]})], ())
    assert engine.size == 1
    assert ids(engine, {"word": ["첫째"]}) == []
    assert ids(engine, {"word": ["둘째"]}) == ["a"]


def test_document_frequency_counts_passages(new_engine: Factory) -> None:
    engine = new_engine(CORPUS)
    assert engine.document_frequency("word", "서울") == 2  # not 3 occurrences
    assert engine.document_frequency("word", "항구") == 1
    assert engine.document_frequency("gram", "교통") == 1
    assert engine.document_frequency("word", "없는말") == 0
    assert engine.document_frequency("unknown", "서울") == 0


# -- tantivy specifics --------------------------------------------------------------


def test_tantivy_index_persists_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "index"
    first = TantivyEngine(FIELDS, path)
    first.update(CORPUS.items(), ())
    expected = first.search({"word": ["서울", "부산"]}, 10)

    reopened = TantivyEngine(FIELDS, path)
    assert reopened.size == len(CORPUS)
    assert reopened.search({"word": ["서울", "부산"]}, 10) == expected
    reopened.update([("jeju", {"word": ["제주", "Jeju"]})], ["daejeon"])
    again = TantivyEngine(FIELDS, path)
    assert again.size == len(CORPUS)
    assert ids(again, {"word": ["Jeju"]}) == ["jeju"]  # still split on spaces only
    assert ids(again, {"word": ["과학"]}) == []


def test_tantivy_index_for_other_fields_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "index"
    TantivyEngine(FIELDS, path).update(CORPUS.items(), ())
    other = TantivyEngine((Field("word"), Field("title")), path)
    assert other.size == 0
    other.update([("t", {"title": ["제목"]})], ())
    assert ids(other, {"title": ["제목"]}) == ["t"]


def test_tantivy_in_memory(tmp_path: Path) -> None:
    engine = TantivyEngine(FIELDS, None)
    engine.update(CORPUS.items(), ())
    assert ids(engine, {"word": ["서울"]}) == ["seoul", "both"]
    assert list(tmp_path.iterdir()) == []


def test_searches_see_an_update_only_once_it_is_complete(tmp_path: Path) -> None:
    engine = TantivyEngine(FIELDS, tmp_path / "index")
    engine.update(CORPUS.items(), ())
    bad_bags: list[tuple[str, TermBag]] = [("new", {"word": ["신규"]}), ("bad", None)]  # type: ignore[list-item]
    with pytest.raises(AttributeError):
        engine.update(bad_bags, ["seoul"])
    assert engine.size == len(CORPUS)
    assert ids(engine, {"word": ["신규"]}) == []
    assert ids(engine, {"word": ["서울"]}) == ["seoul", "both"]
    engine.update([("new", {"word": ["신규"]})], ())  # the write lock was released
    assert ids(engine, {"word": ["신규"]}) == ["new"]


# -- choosing an engine -------------------------------------------------------------


def test_make_engine_by_name_and_size(tmp_path: Path) -> None:
    assert set(ENGINES) == {"auto", "bm25", "tantivy", "opensearch"}
    assert isinstance(make_engine("bm25", FIELDS, size=10**7), BM25Engine)
    assert isinstance(make_engine("tantivy", FIELDS, size=1), TantivyEngine)
    assert isinstance(make_engine("auto", FIELDS, size=AUTO_THRESHOLD - 1), BM25Engine)
    big = make_engine("auto", FIELDS, size=AUTO_THRESHOLD, path=tmp_path / "index")
    assert isinstance(big, TantivyEngine)
    assert (tmp_path / "index").is_dir()
    assert resolve_engine("auto", 0) == "bm25"
    with pytest.raises(ValueError, match="unknown search engine"):
        make_engine("elastic", FIELDS)


def test_tantivy_update_with_nothing_to_do_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "index"
    engine = TantivyEngine(FIELDS, path)
    engine.update(CORPUS.items(), ())

    def files() -> dict[str, int]:
        return {f.name: f.stat().st_mtime_ns for f in path.iterdir() if not f.name.startswith(".")}

    before = files()
    engine.update((), ())
    assert files() == before
    assert engine.size == len(CORPUS)
