"""Articles, their files, and the passages they are cut into."""

from .documents import Article, article_id_for, normalize_text, parse_article, render_article
from .passages import Passage, article_id_of, split_article
from .sentences import sentence_spans, split_sentences
from .store import Corpus, CorpusStore, KnownFile, write_atomically
from .synonyms import Synonyms, load_synonyms

__all__ = [
    "Article",
    "Corpus",
    "CorpusStore",
    "KnownFile",
    "Passage",
    "Synonyms",
    "article_id_for",
    "article_id_of",
    "load_synonyms",
    "normalize_text",
    "parse_article",
    "render_article",
    "sentence_spans",
    "split_article",
    "split_sentences",
    "write_atomically",
]
