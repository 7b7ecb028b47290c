"""The answer engine: a question in, an ``Answer`` out. Every front end calls this."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ..search import Query, SearchIndex
from .answer import Answer, AnswerStatus, Hit, PassageView, Suggestions
from .excerpts import best_excerpt
from .relevance import MIN_RELEVANCE, coverage, idf
from .suggestions import key_words

__all__ = ["MAX_QUESTION_CHARS", "AnswerService"]

MAX_QUESTION_CHARS = 500
# How many engine results to look at per page shown: the engine ranks by BM25,
# the relevance check then drops passages that share only bigrams or one word.
_CANDIDATES_PER_HIT = 4


@dataclass(frozen=True, slots=True)
class _State:
    index: SearchIndex
    suggestions: Suggestions


class AnswerService:
    """Answers questions from one index, and swaps in a new index atomically."""

    def __init__(
        self, index: SearchIndex, *, top: int = 3, min_relevance: float = MIN_RELEVANCE
    ) -> None:
        self.top = top
        self.min_relevance = min_relevance
        self._lock = threading.Lock()
        self._state = self._prepare(index)

    @property
    def index(self) -> SearchIndex:
        return self._state.index

    def swap(self, index: SearchIndex) -> None:
        """Answer from ``index`` from now on; questions being answered finish on the old one."""
        state = self._prepare(index)
        with self._lock:
            self._state = state

    def ask(self, question: str, *, top: int | None = None, offset: int = 0) -> Answer:
        state = self._state  # one index for the whole question, even if swapped meanwhile
        top = self.top if top is None else max(1, top)
        stripped = question.strip()
        if not stripped:
            return Answer(question, AnswerStatus.EMPTY, suggestions=state.suggestions)
        if len(stripped) > MAX_QUESTION_CHARS:
            return Answer(
                question[:MAX_QUESTION_CHARS],
                AnswerStatus.TOO_LONG,
                suggestions=state.suggestions,
                limit=MAX_QUESTION_CHARS,
            )
        index = state.index
        query = index.query(stripped)
        if not query.words:
            return Answer(query.text, AnswerStatus.NO_WORDS, suggestions=state.suggestions)
        wanted = offset + top
        relevant: list[Hit] = []
        for hit in index.search(query, (wanted + 1) * _CANDIDATES_PER_HIT):
            share = coverage(
                query, index.passage_words(hit.passage.id), index.document_frequency, index.size
            )
            if share < self.min_relevance:
                continue
            excerpt = best_excerpt(hit.passage, query, index.analyzer.words, _weigher(index))
            relevant.append(Hit(hit.article, hit.passage, excerpt, hit.score, share))
            if len(relevant) > wanted:
                break
        if not relevant:
            return Answer(query.text, AnswerStatus.NOT_FOUND, suggestions=state.suggestions)
        page = tuple(relevant[offset:wanted])
        if not page:
            return Answer(query.text, AnswerStatus.NOT_FOUND, offset=offset)
        return Answer(
            query.text,
            AnswerStatus.ANSWERED,
            hits=page,
            offset=offset,
            has_more=len(relevant) > wanted,
            suggestions=state.suggestions,
        )

    def open_passage(self, passage_id: str) -> PassageView | None:
        index = self._state.index
        passage = index.passage(passage_id)
        if passage is None:
            return None
        before, after = index.neighbours(passage)
        return PassageView(
            article=index.articles[passage.article_id],
            passage=passage,
            previous_id=before.id if before else None,
            next_id=after.id if after else None,
            position=passage.ordinal + 1,
            count=len(index.article_passages(passage.article_id)),
        )

    def query(self, question: str) -> Query:
        return self._state.index.query(question)

    @property
    def suggestions(self) -> Suggestions:
        return self._state.suggestions

    @staticmethod
    def _prepare(index: SearchIndex) -> _State:
        return _State(index, Suggestions(index.corpus.articles, key_words(index)))


def _weigher(index: SearchIndex):
    def weight(word: str) -> float:
        return idf(index.document_frequency(word), index.size)

    return weight
