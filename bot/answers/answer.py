"""What an answer is, independent of how a front end shows it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ..corpus import Article, Passage

__all__ = [
    "RETRIEVAL_BM25",
    "RETRIEVAL_HYBRID",
    "Answer",
    "AnswerStatus",
    "Excerpt",
    "Hit",
    "PassageView",
    "Suggestions",
]

RETRIEVAL_BM25 = "bm25"  # BM25 alone
RETRIEVAL_HYBRID = "hybrid"  # BM25 fused with the semantic model's vectors


class AnswerStatus(enum.Enum):
    ANSWERED = "answered"
    NOT_FOUND = "not_found"  # the articles don't cover it
    EMPTY = "empty"  # nothing was asked
    NO_WORDS = "no_words"  # only emoji, punctuation or question words
    TOO_LONG = "too_long"
    UNAVAILABLE = "unavailable"  # the search service (the OpenSearch cluster) can't be reached


@dataclass(frozen=True, slots=True)
class Excerpt:
    """The best one to three sentences of a passage, verbatim."""

    text: str
    highlights: tuple[tuple[int, int], ...]  # spans of query words in ``text``
    cut_before: bool  # the passage goes on before the excerpt
    cut_after: bool


@dataclass(frozen=True, slots=True)
class Hit:
    article: Article
    passage: Passage
    excerpt: Excerpt
    score: float  # the engine's BM25 score
    relevance: float  # share of the question's (idf-weighted) words the passage has
    similarity: float | None = None  # cosine to the question (hybrid retrieval only)

    @property
    def url(self) -> str:
        return self.article.url


@dataclass(frozen=True, slots=True)
class Suggestions:
    """Help for a question the articles don't answer."""

    articles: tuple[Article, ...] = ()
    words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    status: AnswerStatus
    hits: tuple[Hit, ...] = ()
    offset: int = 0  # how many relevant hits came before these (paging)
    has_more: bool = False
    suggestions: Suggestions = field(default_factory=Suggestions)
    limit: int = 0  # the length limit, for TOO_LONG
    mode: str = RETRIEVAL_BM25  # which retrieval answered
    followup_of: str | None = None  # the earlier question it was taken as following up

    @property
    def answered(self) -> bool:
        return self.status is AnswerStatus.ANSWERED


@dataclass(frozen=True, slots=True)
class PassageView:
    """A whole passage opened from a link, with its neighbours for ◀ ▶."""

    article: Article
    passage: Passage
    previous_id: str | None
    next_id: str | None
    position: int  # 1-based
    count: int  # passages in the article
