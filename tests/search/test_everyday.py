"""Everyday topics: short statements on what people ask that isn't in the articles, in
each language, embedded once like passages and read back as one matrix per language.

The embedder here makes a vector from a hash of the text, so the tests say what is
embedded and when, not how close things are (tests/answers/test_cross_lingual_relevance.py asks
the real model)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pytest

from bot.search import EverydayTopics, SemanticIndexer, VectorCache
from bot.search.everyday import EVERYDAY_TOPICS, everyday_inputs
from bot.search.vectors import vector_key

VERSION = "hashed"


class HashedEmbedder:
    """A unit vector per text, from its hash; counts what it embeds."""

    version = VERSION
    dim = 8

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "big")
        vector = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        return vector / np.linalg.norm(vector)

    def embed_query(self, text: str) -> np.ndarray:
        return self.vector(text)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return np.stack([self.vector(t) for t in texts])

    def embed_words(self, words: Sequence[str]) -> np.ndarray:
        return self.embed_passages(words)


class NoPassages:
    """Stands in for a SearchIndex without passages."""

    size = 0

    def passage_texts(self):
        return iter(())

    def passage_words(self, passage_ids):
        return {}


def test_there_are_topics_in_korean_and_english_one_for_one():
    assert set(EVERYDAY_TOPICS) == {"ko", "en"}
    assert len(EVERYDAY_TOPICS["ko"]) == len(EVERYDAY_TOPICS["en"]) >= 80
    texts = [t for topics in EVERYDAY_TOPICS.values() for t in topics]
    assert len(set(texts)) == len(texts)


def test_each_topic_is_embedded_once_and_kept_in_the_cache():
    embedder = HashedEmbedder()
    indexer = SemanticIndexer(embedder, VectorCache(None))
    assert not indexer.embed_everyday(embed=False)  # a replica only fetches
    assert embedder.embedded == []
    assert indexer.embed_everyday()
    assert sorted(embedder.embedded) == sorted(t for ts in EVERYDAY_TOPICS.values() for t in ts)
    assert indexer.embed_everyday()  # all cached: nothing embedded again
    assert len(embedder.embedded) == sum(len(ts) for ts in EVERYDAY_TOPICS.values())
    # What pruning keeps holds their keys.
    assert set(everyday_inputs(VERSION)) <= set(indexer.keys(NoPassages()))  # type: ignore[arg-type]


def test_answers_see_the_topics_once_the_indexer_has_embedded_them():
    embedder = HashedEmbedder()
    indexer = SemanticIndexer(embedder, VectorCache(None))
    question = embedder.vector(EVERYDAY_TOPICS["ko"][0])
    assert indexer.everyday.closest(question, "ko") is None  # read once: none yet
    indexer.embed_everyday()
    assert indexer.everyday.closest(question, "ko") == pytest.approx(1.0, abs=1e-3)


def test_the_closest_topic_is_the_highest_cosine_in_that_language():
    embedder = HashedEmbedder()
    indexer = SemanticIndexer(embedder, VectorCache(None))
    indexer.embed_everyday()
    topic = EVERYDAY_TOPICS["en"][3]
    question = embedder.vector(topic)  # as close to that topic as can be (the cache keeps int8)
    assert indexer.everyday.closest(question, "en") == pytest.approx(1.0, abs=1e-3)
    expected = max(float(embedder.vector(t) @ question) for t in EVERYDAY_TOPICS["ko"])
    assert indexer.everyday.closest(question, "ko") == pytest.approx(expected, abs=1e-3)
    assert indexer.everyday.closest(question, "ja") is None  # no topics in that language


def test_nothing_is_said_until_every_topic_of_a_language_has_its_vector():
    embedder = HashedEmbedder()
    cache = VectorCache(None)
    english = EVERYDAY_TOPICS["en"]
    cache.put_many({vector_key(VERSION, t): embedder.vector(t) for t in english[:-1]})
    topics = EverydayTopics(cache, VERSION)
    question = embedder.vector(english[0])
    assert topics.closest(question, "en") is None  # one still missing: it could be closer
    cache.put_many({vector_key(VERSION, english[-1]): embedder.vector(english[-1])})
    assert topics.closest(question, "en") is None  # not read again at every question
    topics.reload()  # as the indexer does once it has put them in the cache
    assert topics.closest(question, "en") == pytest.approx(1.0, abs=1e-3)
