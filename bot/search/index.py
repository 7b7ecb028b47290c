"""The searchable corpus: passages, their analyzed terms, and an engine.

A ``SearchIndex`` is immutable once built: a refresh builds a new one and the
answer service swaps it in at once, so a question is always answered from one
complete index, never a half-built one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import unescape

from ..corpus import Article, Corpus, Passage
from ..progress import Progress, no_progress
from .analyzer import KoreanAnalyzer, Term, passage_terms
from .engine import SearchEngine, TermBag
from .engines import make_engine
from .token_cache import TokenCache, cache_key

__all__ = ["Query", "SearchHit", "SearchIndex"]

_TAG = re.compile(r"<[^>]{0,200}>")
_BATCH = 256


@dataclass(frozen=True, slots=True)
class Query:
    """A question as the index understands it."""

    text: str  # the question with markup removed
    bag: TermBag  # what is searched (synonyms included)
    words: frozenset[str]  # the question's own word terms, for relevance and highlights
    alternatives: Mapping[str, frozenset[str]]  # own word -> equivalent words from synonyms
    kinds: Mapping[str, str] = field(default_factory=dict)  # own word -> Term.kind

    def forms(self, word: str) -> frozenset[str]:
        """A question word and its synonyms' words."""
        return self.alternatives.get(word, frozenset()) | {word}

    @property
    def all_words(self) -> frozenset[str]:
        return self.words.union(*self.alternatives.values())


@dataclass(frozen=True, slots=True)
class SearchHit:
    passage: Passage
    article: Article
    score: float


class SearchIndex:
    def __init__(
        self,
        corpus: Corpus,
        analyzer: KoreanAnalyzer,
        engine: SearchEngine,
        bags: dict[str, TermBag],
    ) -> None:
        self.corpus = corpus
        self.analyzer = analyzer
        self.engine = engine
        self.articles = {a.id: a for a in corpus.articles}
        self._passages: dict[str, Passage] = {}
        self._by_article: dict[str, list[Passage]] = {}
        for passage in corpus.passages():
            self._passages[passage.id] = passage
            self._by_article.setdefault(passage.article_id, []).append(passage)
        self._bags = bags

    # -- building ---------------------------------------------------------------

    @classmethod
    def build(
        cls,
        corpus: Corpus,
        analyzer: KoreanAnalyzer,
        *,
        engine: str = "auto",
        cache: TokenCache | None = None,
        progress: Progress = no_progress,
    ) -> SearchIndex:
        """Analyze every passage (reusing cached terms) and index them."""
        cache = cache or TokenCache(None)
        titles = {a.id: a.title for a in corpus.articles}
        passages = corpus.passages()
        keys = {p.id: cache_key(analyzer.version, titles[p.article_id], p.text) for p in passages}
        cached = cache.get_many(keys.values())
        missing = [p for p in passages if keys[p.id] not in cached]
        total = len(missing)
        progress("indexing", 0, total)
        for start in range(0, total, _BATCH):
            batch = missing[start : start + _BATCH]
            items = [(p.text, titles[p.article_id]) for p in batch]
            fresh = {
                keys[p.id]: bag for p, bag in zip(batch, analyzer.analyze_many(items), strict=True)
            }
            cache.put_many(fresh)
            cached.update(fresh)
            progress("indexing", min(start + _BATCH, total), total)
        bags = {p.id: cached[keys[p.id]] for p in passages}
        search_engine = make_engine(engine, analyzer.fields, size=len(passages))
        search_engine.update(bags.items(), ())
        return cls(corpus, analyzer, search_engine, bags)

    # -- asking -----------------------------------------------------------------

    def query(self, question: str) -> Query:
        """The question's terms, plus its synonyms' where the corpus lacks its own words."""
        text = " ".join(unescape(_TAG.sub("", question)).split())
        analysis = self.analyzer.query_analysis(text)
        bag: dict[str, list[str]] = {name: list(terms) for name, terms in analysis.bag.items()}
        words = frozenset(analysis.bag.get("word", ()))
        kinds = {t.text: t.kind for t in analysis.words}
        alternatives: dict[str, frozenset[str]] = {}
        for present, others in self.corpus.synonyms.expand(text):
            mentioned = {t for m in present for t in self._words_of(m)} & words
            added: set[str] = set()
            for member in others:
                member_bag = self.analyzer.analyze_query(member)
                added.update(member_bag.get("word", ()))
                # Searching for a synonym too only helps when the corpus lacks the
                # question's own word (딥시크 → DeepSeek); otherwise it dilutes the query.
                if any(self.document_frequency(t) == 0 for t in mentioned):
                    for name, terms in member_bag.items():
                        bag.setdefault(name, []).extend(terms)
            for word in mentioned:
                alternatives[word] = alternatives.get(word, frozenset()) | frozenset(added)
        return Query(text, bag, words, alternatives, kinds)

    def _words_of(self, text: str) -> list[str]:
        return self.analyzer.analyze_query(text).get("word", [])

    def search(self, query: Query, k: int) -> list[SearchHit]:
        hits = []
        for scored in self.engine.search(query.bag, k):
            passage = self._passages[scored.id]
            hits.append(SearchHit(passage, self.articles[passage.article_id], scored.score))
        return hits

    # -- looking things up -----------------------------------------------------

    @property
    def size(self) -> int:
        return len(self._passages)

    def passage(self, passage_id: str) -> Passage | None:
        return self._passages.get(passage_id)

    def article_passages(self, article_id: str) -> Sequence[Passage]:
        return self._by_article.get(article_id, ())

    def neighbours(self, passage: Passage) -> tuple[Passage | None, Passage | None]:
        siblings = self._by_article.get(passage.article_id, [])
        before = siblings[passage.ordinal - 1] if passage.ordinal > 0 else None
        after = siblings[passage.ordinal + 1] if passage.ordinal + 1 < len(siblings) else None
        return before, after

    def passage_terms(self, passage_id: str) -> list[Term]:
        """The word terms of a passage's text, with their spans in it (no Kiwi needed)."""
        bag = self._bags.get(passage_id)
        return passage_terms(bag) if bag else []

    def passage_words(self, passage_id: str) -> frozenset[str]:
        """The word terms of a passage's own text (not its article title)."""
        return frozenset(t.text for t in self.passage_terms(passage_id))

    def document_frequency(self, term: str) -> int:
        return self.engine.document_frequency("word", term)
