"""Answers made of quoted excerpts, and "nothing relevant" as a first-class answer."""

from .answer import Answer, AnswerStatus, Excerpt, Hit, PassageView, Suggestions
from .excerpts import best_excerpt, best_sentence_share
from .followup import FollowUp, Turn, content_words, follow_up, is_follow_up
from .relevance import MIN_RELEVANCE, QuestionWeights
from .service import MAX_QUESTION_CHARS, AnswerService

__all__ = [
    "MAX_QUESTION_CHARS",
    "MIN_RELEVANCE",
    "Answer",
    "AnswerService",
    "AnswerStatus",
    "Excerpt",
    "FollowUp",
    "Hit",
    "PassageView",
    "QuestionWeights",
    "Suggestions",
    "Turn",
    "best_excerpt",
    "best_sentence_share",
    "content_words",
    "follow_up",
    "is_follow_up",
]
