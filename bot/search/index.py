"""A read-only view of the index: what answering needs.

The store (passages and article metadata in SQLite, see ``store.py``) and the engine
belong to ``IndexHome`` (``home.py``), which alone changes them. A ``SearchIndex``
is a view of them with the article list of one corpus: the answer service swaps a
new view in at once after a sync. A question running meanwhile may see the engine's
new snapshot before the store's commit; a hit the store doesn't hold (yet, or any
more) is skipped. Nothing in memory grows with the number of passages but the
article list.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from html import unescape

from ..corpus import Article, Corpus, Passage, Synonyms, article_id_of
from .analyzer import KoreanAnalyzer, Term, passage_terms, title_words
from .cluster_store import ClusterStore
from .engine import SearchEngine, TermBag
from .store import PassageStore
from .typos import corrections, glued, rejoined, spaced

__all__ = ["Query", "SearchHit", "SearchIndex"]

_FREQUENCIES_KEPT = 200_000  # cached document frequencies per view, at most
_TAG = re.compile(r"<[^>]{0,200}>")
# Code pasted with markup is not part of the question ("<script>alert(1)</script>").
_CODE = re.compile(r"<(script|style)\b[^>]{0,200}>.{0,2000}?</\1\s*>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Query:
    """A question as the index understands it."""

    text: str  # the question with markup removed
    bag: TermBag  # what is searched (synonyms included)
    words: frozenset[str]  # the question's own word terms, for relevance and highlights
    alternatives: Mapping[str, frozenset[str]]  # own word -> equivalent words from synonyms
    kinds: Mapping[str, str] = field(default_factory=dict)  # own word -> Term.kind
    # Word -> how much it counts (1 unless listed): a follow-up's earlier words count less.
    scale: Mapping[str, float] = field(default_factory=dict)
    # Own word -> as the question writes it ("announced" for announc): what the model reads.
    written: Mapping[str, str] = field(default_factory=dict)
    # The question as the model reads it: words split by a space joined (출 시: 출시),
    # words typed together spaced ("": as ``text``).
    rewritten: str = ""

    @property
    def for_model(self) -> str:
        return self.rewritten or self.text

    def forms(self, word: str) -> frozenset[str]:
        """A question word and its synonyms' words."""
        return self.alternatives.get(word, frozenset()) | {word}

    @property
    def all_words(self) -> frozenset[str]:
        return self.words.union(*self.alternatives.values())


@functools.lru_cache(maxsize=4096)
def _analyze_member(analyzer: KoreanAnalyzer, member: str) -> dict[str, list[str]]:
    return analyzer.analyze_query(member)


@dataclass(frozen=True, slots=True)
class SearchHit:
    passage: Passage
    article: Article
    score: float
    terms: Sequence[Term] = ()  # the passage text's word terms with spans
    title_words: frozenset[str] = frozenset()  # its article title's word terms


class SearchIndex:
    """A read-only view: one corpus' articles over the store and engine that
    ``IndexHome`` owns (and alone changes)."""

    def __init__(
        self,
        store: PassageStore | ClusterStore,
        engine: SearchEngine,
        analyzer: KoreanAnalyzer,
        corpus: Corpus | None,
        digests: Mapping[str, str] | None,
        *,
        synonyms: Synonyms | None = None,
        fingerprint: str = "",
        stamp: str = "",
    ) -> None:
        """A view of ``corpus``; with ``corpus`` None, of the articles the store holds,
        read from it only when needed (start-up reads nothing of the corpus). ``stamp``:
        the cluster's index and generation it shows (OpenSearch), compared by the poll."""
        self._store = store
        self.stamp = stamp
        self.analyzer = analyzer
        self.engine = engine
        self._lock = threading.Lock()
        self._corpus: Corpus | None = None
        self._articles: dict[str, Article] | None = None
        self._digests = dict(digests) if digests is not None else None
        self._synonyms = synonyms if synonyms is not None else Synonyms()
        self._fingerprint = fingerprint
        self._looked_up: dict[str, Article | None] = {}
        # Word document frequencies asked for on this view (one engine state: a change
        # makes a new view); a cluster is asked each word once, and in batches.
        self._frequencies: dict[str, int] = {}
        if corpus is not None:
            self._set_corpus(corpus)
        self._size = self._store.size

    def _set_corpus(self, corpus: Corpus) -> None:
        # Metadata only: bodies are in the store, cut into passages.
        articles = tuple(replace(a, body="") if a.body else a for a in corpus.articles)
        self._articles = {a.id: a for a in articles}
        self._corpus = replace(corpus, articles=articles, files={})  # no bodies kept

    @property
    def corpus(self) -> Corpus:
        """The articles (metadata only), synonyms and fingerprint of the indexed corpus."""
        if self._corpus is None:
            with self._lock:
                if self._corpus is None:
                    articles = tuple(self._store.articles())
                    self._set_corpus(Corpus(articles, self._synonyms, self._fingerprint))
        assert self._corpus is not None
        return self._corpus

    @property
    def articles(self) -> Mapping[str, Article]:
        return self._articles if self._articles is not None else self.corpus_articles()

    def corpus_articles(self) -> Mapping[str, Article]:
        self.corpus  # noqa: B018 (loads them)
        assert self._articles is not None
        return self._articles

    def article(self, article_id: str) -> Article | None:
        """One article's metadata (a point query until the article list is loaded)."""
        if self._articles is not None:
            return self._articles.get(article_id)
        if article_id not in self._looked_up:
            if len(self._looked_up) > 10_000:
                self._looked_up.clear()
            self._looked_up[article_id] = self._store.article(article_id)
        return self._looked_up[article_id]

    def first_articles(self, count: int) -> tuple[Article, ...]:
        """The first ``count`` articles, in corpus order."""
        if self._corpus is not None:
            return self._corpus.articles[:count]
        return tuple(self._store.articles(count))

    @property
    def digests(self) -> Mapping[str, str]:
        """Each article's digest, as indexed (what a refresh compares with)."""
        if self._digests is None:
            self._digests = self._store.digests()
        return self._digests

    @property
    def synonyms(self) -> Synonyms:
        return self._corpus.synonyms if self._corpus is not None else self._synonyms

    # -- asking -----------------------------------------------------------------

    def query(self, question: str) -> Query:
        """The question's terms, plus its synonyms' where the corpus lacks its own words."""
        text = " ".join(unescape(_TAG.sub("", _CODE.sub(" ", question))).split())
        # A lone surrogate (a command line's undecodable byte) is no text: the model's
        # tokenizer can't encode it.
        text = text.encode("utf-8", "ignore").decode("utf-8")
        analysis = self.analyzer.query_analysis(text)
        bag: dict[str, list[str]] = {name: list(terms) for name, terms in analysis.bag.items()}
        corrected = list(corrections(analysis.words, self.document_frequencies))
        joins = rejoined(text, analysis.words, self.document_frequencies)  # 출 시: 출시
        corrected += [  # each question word inside the corpus word (연 구소장: not 장)
            (t.text, word)
            for whole, word in joins
            for t in analysis.words
            if whole.start <= t.start and t.end <= whole.start + len(word) + 1
        ]
        rewritten = self._for_model(text, joins)
        own = spaced(text, analysis.words, self.document_frequencies, {w for w, _ in corrected})
        for whole, correction in glued(own, self.document_frequencies):  # 딥식: 딥, 식
            own = [t for t in own if not whole.start <= t.start < t.end <= whole.end] + [whole]
            corrected.append((whole.text, correction))
        # The words a run of them was read as (the question's bigrams already hold theirs).
        bag["word"] = bag.get("word", []) + sorted({t.text for t in own} - set(bag.get("word", ())))
        words = frozenset(t.text for t in own)
        kinds = {t.text: t.kind for t in own}
        alternatives: dict[str, frozenset[str]] = {}
        # A synonym starts a word: in words typed together, a word of the spaced question.
        for present, others in self.synonyms.expand(f"{text} {rewritten}".strip()):
            mentioned = {t for m in present for t in self._member(m).get("word", ())} & words
            added: set[str] = set()
            for member in others:
                member_bag = self._member(member)
                added.update(member_bag.get("word", ()))
                # Searching for a synonym too only helps when the corpus lacks the
                # question's own word (딥시크 → DeepSeek); otherwise it dilutes the query.
                if any(self.document_frequency(t) == 0 for t in mentioned):
                    for name, terms in member_bag.items():
                        bag.setdefault(name, []).extend(terms)
            for word in mentioned:
                alternatives[word] = alternatives.get(word, frozenset()) | frozenset(added)
        for word, correction in corrected:
            if any(self.document_frequency(f) for f in alternatives.get(word, ())):
                continue  # a synonym already has it
            alternatives[word] = alternatives.get(word, frozenset()) | {correction}
            for name, terms in self._member(correction).items():
                bag.setdefault(name, []).extend(terms)
        written = {t.text: text[t.start : t.end] for t in own}
        return Query(text, bag, words, alternatives, kinds, written=written, rewritten=rewritten)

    def _for_model(self, text: str, joins: Sequence[tuple[Term, str]]) -> str:
        """The question as the model reads it best ("" if as written): the words split by
        a space joined (``rejoined``), words typed together spaced."""
        for whole, _ in reversed(joins):  # in order and apart: the spans stay right
            text = text[: whole.start] + whole.text + text[whole.end :]
        rewritten = self.analyzer.respaced(text)
        return "" if rewritten == text and not joins else rewritten

    def _member(self, member: str) -> dict[str, list[str]]:
        """A synonym's analysis: the list is fixed, so each member is analyzed once."""
        return _analyze_member(self.analyzer, member)

    def search(self, query: Query, k: int) -> list[SearchHit]:
        return self.hits((s.id, s.score) for s in self.engine.search(query.bag, k))

    def hits(self, scored: Iterable[tuple[str, float]]) -> list[SearchHit]:
        """Stored passages for (id, score) pairs, in order, with their terms (one query).
        Ids the store doesn't hold (yet, or any more: mid-update) are skipped."""
        scored = list(scored)
        stored = self._store.passages_with_terms([pid for pid, _ in scored])
        hits = []
        for pid, score in scored:
            found = stored.get(pid)
            if found is None:
                continue
            passage, bag = found
            article = self.article(passage.article_id)
            if article is None:
                continue
            hits.append(SearchHit(passage, article, score, passage_terms(bag), title_words(bag)))
        return hits

    def passage_languages(self, passage_ids: Iterable[str]) -> list[str]:
        """The language of each passage's article ("" when not known), from the ids alone."""
        articles = [article_id_of(pid) for pid in passage_ids]
        language = {}
        for article_id in dict.fromkeys(articles):  # each article looked up once
            article = self.article(article_id)
            language[article_id] = article.language if article else ""
        return [language[article_id] for article_id in articles]

    def passage_words(self, passage_ids: Sequence[str]) -> dict[str, list[str]]:
        """The word terms of each of these stored passages, its article title's included."""
        stored = self._store.passages_with_terms(list(passage_ids))
        return {pid: list(bag.get("word", ())) for pid, (_, bag) in stored.items()}

    def passage_texts(self) -> Iterator[list[tuple[str, str, str]]]:
        """Every passage's (id, its article's title, text), in batches (for embedding)."""
        return self._store.texts()

    # -- looking things up -----------------------------------------------------

    @property
    def size(self) -> int:
        return self._size

    def passage(self, passage_id: str) -> Passage | None:
        passage = self._store.passage(passage_id)
        return passage if passage and self.article(passage.article_id) else None

    def article_passages(self, article_id: str, limit: int = -1) -> Sequence[Passage]:
        return self._store.article_passages(article_id, limit)

    def neighbours(self, passage: Passage) -> tuple[Passage | None, Passage | None]:
        before = self._store.at(passage.article_id, passage.ordinal - 1)
        after = self._store.at(passage.article_id, passage.ordinal + 1)
        return before, after

    def passage_terms(self, passage_id: str) -> list[Term]:
        """The word terms of a passage's text, with their spans in it (no Kiwi needed)."""
        bag = self._store.terms(passage_id)
        return passage_terms(bag) if bag else []

    def document_frequency(self, term: str) -> int:
        return self.document_frequencies((term,))[term]

    def document_frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        """In how many passages each word term occurs: the engine is asked only for the
        terms not asked before, all at once where it can (``document_frequencies``)."""
        wanted = list(dict.fromkeys(terms))
        # Read once, into the answer: the cache may be cleared meanwhile (here, when full,
        # or by another thread asking at once), and a known word must not become 0.
        counts = {t: count for t in wanted if (count := self._frequencies.get(t)) is not None}
        missing = [t for t in wanted if t not in counts]
        if missing:
            batch = getattr(self.engine, "document_frequencies", None)
            if callable(batch):
                found = dict(batch("word", missing))
            else:
                found = {t: self.engine.document_frequency("word", t) for t in missing}
            counts.update(found)
            if len(self._frequencies) > _FREQUENCIES_KEPT:
                self._frequencies.clear()
            self._frequencies.update(found)
        return {t: counts.get(t, 0) for t in wanted}
