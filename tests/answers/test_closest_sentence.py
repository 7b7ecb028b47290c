"""Sentence vectors: the candidate whose one sentence says what was asked comes first, and
that sentence is what its excerpt quotes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot import AnswerService
from bot.answers.service import Semantic
from bot.search import SentenceVectors, VectorCache, VectorIndex
from bot.search.sentence_vectors import sentence_keys
from bot.search.vectors import Vectors

QUESTION = "DeepSeek v3 훈련 비용은?"
AXES = np.eye(4, dtype=np.float32)


class _OneDirection:
    """Every question embeds to the first axis; passages are given their vectors."""

    version = "test"
    dim = 4

    def embed_query(self, text: str) -> Vectors:
        return AXES[0]

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        raise AssertionError("not used")


def _passage_vectors(service: AnswerService) -> VectorIndex:
    """Every passage somewhat close to the question, each a little closer than the next."""
    ids = [pid for batch in service.index.passage_texts() for pid, _, _ in batch]
    cosines = np.linspace(0.9, 0.5, len(ids), dtype=np.float32)
    matrix = np.stack([c * AXES[0] + np.sqrt(1 - c * c) * AXES[1] for c in cosines])
    return VectorIndex(ids, matrix)


def _sentences(
    service: AnswerService, close: tuple[str, int] | None, *, leave_out: str = ""
) -> VectorCache:
    """Every sentence's vector far from the question but the ``close`` one's, (passage id,
    sentence number); none for the passage ``leave_out`` (not embedded yet)."""
    cache = VectorCache(None)
    for batch in service.index.passage_texts():
        for pid, title, text in batch:
            if pid != leave_out:
                keys = sentence_keys("test", title, text)
                cache.put_many(
                    {key: AXES[0] if (pid, n) == close else AXES[2] for n, key in enumerate(keys)}
                )
    return cache


def _hybrid(service: AnswerService, cache: VectorCache | None) -> AnswerService:
    sentences = None if cache is None else SentenceVectors(cache, "test")
    semantic = Semantic(_OneDirection(), _passage_vectors(service), sentences)
    return AnswerService(service.index, semantic=semantic)


def test_the_candidate_with_the_sentence_closest_to_the_question_comes_first(service):
    plain = _hybrid(service, None).ask(QUESTION)
    assert plain.answered and len(plain.hits) >= 2
    # A passage after the first, and one of its sentences its excerpt did not quote.
    second, unquoted = next(
        (hit.passage, n)
        for hit in plain.hits[1:]
        for n, (start, end) in enumerate(hit.passage.sentences)
        if hit.passage.text[start:end] not in hit.excerpt.text
    )
    texts = [second.text[start:end] for start, end in second.sentences]
    with_sentences = _hybrid(service, _sentences(service, (second.id, unquoted))).ask(QUESTION)
    assert with_sentences.hits[0].passage.id == second.id
    assert texts[unquoted] in with_sentences.hits[0].excerpt.text
    # Sentences all far alike change nothing.
    alike = _hybrid(service, _sentences(service, None)).ask(QUESTION)
    assert [h.passage.id for h in alike.hits] == [h.passage.id for h in plain.hits]
    assert [h.excerpt for h in alike.hits] == [h.excerpt for h in plain.hits]


def test_passages_whose_sentences_have_no_vectors_yet_are_ranked_as_without_them(service):
    plain = _hybrid(service, None).ask(QUESTION)
    empty = _hybrid(service, VectorCache(None)).ask(QUESTION)
    assert [(h.passage.id, h.excerpt) for h in empty.hits] == [
        (h.passage.id, h.excerpt) for h in plain.hits
    ]
    # While some of the best still lack theirs, those that have them don't overtake.
    second = plain.hits[1].passage.id
    partly = _sentences(service, (second, 0), leave_out=plain.hits[0].passage.id)
    assert [h.passage.id for h in _hybrid(service, partly).ask(QUESTION).hits] == [
        h.passage.id for h in plain.hits
    ]
    everyone = _sentences(service, (second, 0))  # the same once all have them
    assert _hybrid(service, everyone).ask(QUESTION).hits[0].passage.id == second


def test_the_bundled_corpus_has_its_sentences_embedded(hybrid_library, hybrid_service):
    semantic = hybrid_library.semantic
    hit = hybrid_service.ask("딥시크 모델 공짜로 돌릴 수 있어?").hits[0]
    found = semantic.sentences.similarities(
        semantic.embedder.embed_query("딥시크 모델 공짜로 돌릴 수 있어?"),
        [(hit.article.title, hit.passage)],
    )
    assert len(found[hit.passage.id]) == len(hit.passage.sentences)


def test_a_later_page_quotes_by_closest_sentence_too(service):
    """Past the ten re-ranked candidates, a "more" page's excerpts read their sentences."""
    plain = _hybrid(service, None).ask(QUESTION, top=5, offset=10)
    assert plain.answered, "the question needs more than ten candidates"
    later, unquoted = next(
        (hit.passage, n)
        for hit in plain.hits
        for n, (start, end) in enumerate(hit.passage.sentences)
        if hit.passage.text[start:end] not in hit.excerpt.text
    )
    answer = _hybrid(service, _sentences(service, (later.id, unquoted))).ask(
        QUESTION, top=5, offset=10
    )
    quoted = next(h for h in answer.hits if h.passage.id == later.id)
    start, end = later.sentences[unquoted]
    assert later.text[start:end] in quoted.excerpt.text
