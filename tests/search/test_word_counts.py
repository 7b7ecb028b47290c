"""The view's cache of word counts (document frequencies) is bounded: emptied when
full. Words already known must keep their counts in the answer that empties it (or in
one asked at once by another thread)."""

from __future__ import annotations

import pytest

import bot.search.index as index_module
from bot import AnswerService


def test_known_words_keep_their_counts_when_the_cache_is_emptied(
    service: AnswerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = service.index
    article = index.first_articles(1)[0]
    passage = index.article_passages(article.id, 1)[0]
    words = list(dict.fromkeys(term.text for term in index.passage_terms(passage.id)))[:2]
    assert len(words) == 2
    expected = {word: index.engine.document_frequency("word", word) for word in words}
    assert all(expected.values())

    monkeypatch.setattr(index_module, "_FREQUENCIES_KEPT", 0)  # full at once
    monkeypatch.setattr(index, "_frequencies", {})
    assert index.document_frequencies(words[:1]) == {words[0]: expected[words[0]]}
    assert index.document_frequencies(words) == expected  # the first one was known
