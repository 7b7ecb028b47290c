"""Korean analysis and BM25 search over passages."""

from .analyzer import KoreanAnalyzer, Term
from .bm25_engine import BM25Engine
from .engine import Field, ScoredId, SearchEngine, TermBag
from .engines import ENGINES, make_engine
from .index import Query, SearchHit, SearchIndex
from .token_cache import TokenCache

__all__ = [
    "ENGINES",
    "BM25Engine",
    "Field",
    "KoreanAnalyzer",
    "Query",
    "ScoredId",
    "SearchEngine",
    "SearchHit",
    "SearchIndex",
    "Term",
    "TermBag",
    "TokenCache",
    "make_engine",
]
