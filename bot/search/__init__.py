"""Korean analysis and BM25 search over passages."""

from .analyzer import KoreanAnalyzer, Term
from .approximate import ApproximateVectorIndex
from .bm25_engine import BM25Engine
from .embedder import E5Embedder, Embedder, EmbedderUnavailable, load_embedder
from .engine import Field, ScoredId, SearchEngine, TermBag
from .engines import ENGINES, make_engine
from .everyday import EverydayTopics
from .home import IndexChanges, IndexHome, Synced
from .index import Query, SearchHit, SearchIndex
from .language import text_language
from .opensearch_engine import OpenSearchConfig, OpenSearchEngine
from .semantic import SemanticIndexer
from .sentence_vectors import SentenceVectors
from .token_cache import TokenCache
from .vectors import DenseIndex, VectorCache, VectorIndex
from .word_vectors import WordVectors

__all__ = [
    "ENGINES",
    "ApproximateVectorIndex",
    "BM25Engine",
    "DenseIndex",
    "E5Embedder",
    "Embedder",
    "EmbedderUnavailable",
    "EverydayTopics",
    "Field",
    "IndexChanges",
    "IndexHome",
    "KoreanAnalyzer",
    "OpenSearchConfig",
    "OpenSearchEngine",
    "Query",
    "ScoredId",
    "SearchEngine",
    "SearchHit",
    "SearchIndex",
    "SemanticIndexer",
    "SentenceVectors",
    "Synced",
    "Term",
    "TermBag",
    "TokenCache",
    "VectorCache",
    "VectorIndex",
    "WordVectors",
    "load_embedder",
    "make_engine",
    "text_language",
]
