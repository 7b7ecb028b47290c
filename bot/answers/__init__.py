"""Answers made of quoted excerpts, and "nothing relevant" as a first-class answer."""

from .answer import Answer, AnswerStatus, Excerpt, Hit, PassageView, Suggestions
from .excerpts import best_excerpt, best_sentence_share
from .relevance import MIN_RELEVANCE, QuestionWeights
from .service import MAX_QUESTION_CHARS, AnswerService

__all__ = [
    "MAX_QUESTION_CHARS",
    "MIN_RELEVANCE",
    "Answer",
    "AnswerService",
    "AnswerStatus",
    "Excerpt",
    "Hit",
    "PassageView",
    "QuestionWeights",
    "Suggestions",
    "best_excerpt",
    "best_sentence_share",
]
