"""Answer questions about a collection of articles, grounded in their text.

The core (corpus → search → answers) runs without Telegram; ``bot.chat`` and
the command line are thin front ends over ``AnswerService``.
"""

from .answers import Answer, AnswerService, AnswerStatus, Excerpt, Hit, PassageView, Suggestions
from .corpus import Article, Corpus, CorpusStore, Passage
from .errors import BotError, CorpusError, HistoryTooNew, ImportFailed, SettingsError
from .library import Library
from .search import KoreanAnalyzer, SearchIndex
from .settings import Settings

__all__ = [
    "Answer",
    "AnswerService",
    "AnswerStatus",
    "Article",
    "BotError",
    "Corpus",
    "CorpusError",
    "CorpusStore",
    "Excerpt",
    "HistoryTooNew",
    "Hit",
    "ImportFailed",
    "KoreanAnalyzer",
    "Library",
    "Passage",
    "PassageView",
    "SearchIndex",
    "Settings",
    "SettingsError",
    "Suggestions",
]
