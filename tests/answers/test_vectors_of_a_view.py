"""Vectors are for one view: an embedding job finishing after a newer view was swapped
in (the cluster poller swaps one in on every change another process makes) must not
replace the newer view's vectors with the older one's."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from bot import AnswerService, Library
from bot.search import SearchIndex


class Dense:
    """A stand-in ``DenseIndex`` covering any index (only its identity matters here)."""

    size = total = 10**9
    sample_ids: tuple[str, ...] = ()

    def search(self, query: Any, k: int) -> Any:
        raise AssertionError("not searched")

    def similarities(self, query: Any, passage_ids: Iterable[str]) -> dict[str, float]:
        raise AssertionError("not searched")


def served_vectors(service: AnswerService) -> Any:
    semantic = service._state.semantic
    return None if semantic is None else semantic.vectors


def test_vectors_made_for_an_older_view_are_ignored(
    library: Library, service: AnswerService
) -> None:
    older, newer = service.index, library.home.stand_in("a second view")
    answers = AnswerService(older)
    answers.swap(newer)
    for_newer, for_older = Dense(), Dense()
    assert answers.use_vectors(object(), for_newer, index=newer)  # type: ignore[arg-type]
    assert not answers.use_vectors(object(), for_older, index=older)  # type: ignore[arg-type]
    assert served_vectors(answers) is for_newer


class SwappingSemantic:
    """A semantic side whose embedding of a view ends after a newer one is swapped in."""

    embedder = object()
    sentences = words = everyday = None  # no sentence, word or everyday vectors
    exact_limit = 50_000  # a small corpus: its vectors are searched exactly

    def __init__(self, service: AnswerService, newer: SearchIndex) -> None:
        self.service, self.newer = service, newer
        self.made: dict[int, Dense] = {}

    def vectors(self, index: SearchIndex, **options: Any) -> Dense:
        dense = self.made.setdefault(id(index), Dense())
        if index is not self.newer:
            # The poller, meanwhile: the newer view and its vectors.
            self.service.swap(self.newer)
            self.service.use_vectors(self.embedder, self.vectors(self.newer), index=self.newer)  # type: ignore[arg-type]
        return dense


def _worker(semantic: Any = None) -> Library:
    """A library with only what its embedding jobs use: the semantic side and the worker."""
    from bot.library import _EmbeddingWorker

    worker = Library.__new__(Library)
    worker._semantic, worker._semantic_checked = semantic, True
    worker._embedding = _EmbeddingWorker()
    return worker


def test_a_late_embedding_job_keeps_the_newer_view_vectors(
    library: Library, service: AnswerService
) -> None:
    older, newer = service.index, library.home.stand_in("a second view")
    answers = AnswerService(older)
    semantic = SwappingSemantic(answers, newer)
    _worker(semantic)._embed_until(answers, threading.Event())
    assert answers.index is newer
    assert served_vectors(answers) is semantic.made[id(newer)]


def test_an_old_view_sentences_stop_being_embedded_once_a_newer_view_is_waiting(
    library: Library, service: AnswerService
) -> None:
    """Embedding a view's sentences takes as long again as its passages: a newer view
    (served, or with its job waiting) must not wait behind it."""
    older, newer = service.index, library.home.stand_in("a second view")
    answers = AnswerService(older)
    worker = _worker()
    stop = threading.Event()
    superseded = worker._superseded(answers, older, stop)
    assert not superseded()
    worker._embedding._pending = lambda stop: None  # a newer view's job waits
    assert superseded()
    worker._embedding._pending = None
    answers.swap(newer)
    assert superseded()
    assert worker._superseded(answers, newer, stop)() is False
    stop.set()  # the process stops
    assert worker._superseded(answers, newer, stop)()


class RecordingSemantic:
    """A semantic side whose vectors cover any view; records the stop its sentences and
    words get."""

    embedder = object()
    sentences = words = everyday = None
    cache = None  # nothing to prune
    exact_limit = 50_000

    def __init__(self) -> None:
        self.stops: list[Any] = []

    def vectors(self, index: SearchIndex, **options: Any) -> Dense:
        return Dense()

    def embed_everyday(self, **options: Any) -> bool:
        return True

    def embed_sentences(self, index: SearchIndex, **options: Any) -> bool:
        self.stops.append(options["stop"])
        return True

    def embed_words(self, index: SearchIndex, **options: Any) -> bool:
        self.stops.append(options["stop"])
        return True


def test_the_background_job_embeds_a_view_sentences_until_another_view_is_served(
    library: Library, service: AnswerService
) -> None:
    older, newer = service.index, library.home.stand_in("a second view")
    answers = AnswerService(older)
    semantic = RecordingSemantic()
    _worker(semantic)._embed_until(answers, threading.Event())
    stop, words_stop = semantic.stops  # the sentences', then the words'
    assert stop is words_stop
    assert not stop()
    answers.swap(newer)
    assert stop()
