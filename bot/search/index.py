"""The searchable corpus: passages, their analyzed terms, and an engine.

One store (passages and article metadata in SQLite, see ``store.py``) and one
engine serve the whole life of the process, under ``DATA_DIR/index/`` for tantivy
(rank-bm25, for small corpora, lives in memory with a temporary store and is
rebuilt at each start from the token cache). Nothing in memory grows with the
number of passages but the article list.

A refresh changes them in place: articles whose digest changed are re-split, their
passages' terms come from the token cache (Kiwi analyzes only new texts), and the
engine gets one ``update`` (one atomic commit), then the store one transaction.
A ``SearchIndex`` is a view of them with the article list of one corpus: the
answer service swaps a new view in at once. A question running meanwhile may see
the engine's new snapshot before the store's commit; a hit the store doesn't hold
(yet, or any more) is skipped.

At start-up, a store whose corpus scan (file names, sizes, times) matches the
corpus folder is used as it is: nothing is read, split or analyzed. A store left
``dirty`` (the process died between the engine's commit and the store's), made by
another analyzer version or disagreeing with the engine's count is rebuilt.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import shutil
import sqlite3
import tempfile
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from html import unescape
from pathlib import Path

from ..corpus import (
    Article,
    Corpus,
    CorpusStore,
    Passage,
    Synonyms,
    split_article,
)
from ..progress import Progress, no_progress
from .analyzer import KoreanAnalyzer, Term, passage_terms
from .derived import SQLITE_COMPANIONS, move_aside
from .engine import SearchEngine, TermBag
from .engines import make_engine, resolve_engine
from .store import PassageStore, article_digest
from .token_cache import TokenCache, cache_key
from .typos import corrections

__all__ = ["Query", "SearchHit", "SearchIndex"]

_TAG = re.compile(r"<[^>]{0,200}>")
_BATCH = 1024  # passages analyzed (on every core) and indexed at a time
_STORE_FILE = "passages.sqlite"
_ENGINE_DIR = "tantivy"

log = logging.getLogger(__name__)


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


class _Backing:
    """The store and the engine, shared by every view of one process."""

    def __init__(self, analyzer: KoreanAnalyzer, engine: str, directory: Path | None) -> None:
        self.analyzer = analyzer
        self.engine_name = engine
        self.home = directory  # where a persistent index goes
        self.persistent = directory is not None and engine == "tantivy"
        if self.persistent:
            assert directory is not None
            self.directory = directory
        else:
            self.directory = Path(tempfile.mkdtemp(prefix="bot-index-"))
            weakref.finalize(self, shutil.rmtree, self.directory, True)
        self.store = _open_store(self.directory / _STORE_FILE)
        self.engine = self._make_engine()
        self.lock = threading.Lock()

    def _make_engine(self) -> SearchEngine:
        path = self.directory / _ENGINE_DIR if self.persistent else None
        return make_engine(self.engine_name, self.analyzer.fields, path=path)

    def valid(self) -> bool:
        """The store is complete, made by this analyzer for this engine, and agrees with it."""
        store = self.store
        return (
            store.meta("state") == "clean"
            and store.meta("analyzer") == self.analyzer.version
            and store.meta("engine") == self.engine_name
            and store.size == self.engine.size
        )

    def reset(self) -> None:
        """Empty store, empty engine (a rebuild, at start-up only)."""
        self.store.clear()
        self.store = _open_store(self.store.path)
        if self.persistent:
            shutil.rmtree(self.directory / _ENGINE_DIR, ignore_errors=True)
        self.engine = self._make_engine()

    def abandon(self) -> None:
        if self.persistent:
            self.store.set_meta({"state": "dirty"})

    # -- bringing store and engine up to a corpus ------------------------------------

    def sync(
        self, corpus: Corpus, scan: str, cache: TokenCache, progress: Progress
    ) -> dict[str, str]:
        """Make store and engine hold ``corpus``; its articles' digests."""
        with self.lock:
            store = self.store
            old = store.digests()
            digests = {a.id: article_digest(a) for a in corpus.articles}
            changed = [a for a in corpus.articles if old.get(a.id) != digests[a.id]]
            gone = [article_id for article_id in old if article_id not in digests]
            meta = {
                "state": "clean",
                "analyzer": self.analyzer.version,
                "engine": self.engine_name,
                "fingerprint": corpus.fingerprint,
                "scan": scan,
                # Logged at a start that reads nothing of the folder (see corpus_problems).
                "problems": json.dumps(_problems(corpus), ensure_ascii=False),
            }
            if not changed and not gone:  # nothing to index, nothing to commit
                if any(store.meta(key) != value for key, value in meta.items()):
                    store.set_meta(meta)
                return digests
            replaced = [*gone, *(a.id for a in changed if a.id in old)]
            removed = [pid for article_id in replaced for pid in store.passage_ids(article_id)]
            store.set_meta({"state": "dirty"})
            store.begin()
            try:
                store.remove_articles(replaced)
                self.engine.update(self._added(changed, cache, progress), removed)
                store.put_articles(enumerate(corpus.articles))
                store.set_meta_in_transaction(meta)
                store.commit()
            except BaseException:
                store.rollback()
                raise
            log.info("indexed %d changed articles, removed %d", len(changed), len(gone))
            return digests

    def _added(
        self, articles: Sequence[Article], cache: TokenCache, progress: Progress
    ) -> Iterator[tuple[str, TermBag]]:
        """Split ``articles`` and stream their passages' bags, storing each batch."""
        titles = {a.id: a.title for a in articles}
        progress("indexing", 0, len(articles))
        batch: list[Passage] = []
        for done, article in enumerate(articles, 1):
            batch.extend(split_article(article))
            if len(batch) >= _BATCH or done == len(articles):
                yield from self._index_batch(batch, titles, cache)
                batch = []
                progress("indexing", done, len(articles))

    def _index_batch(
        self, passages: Sequence[Passage], titles: Mapping[str, str], cache: TokenCache
    ) -> Iterable[tuple[str, TermBag]]:
        version = self.analyzer.version
        keys = [cache_key(version, titles[p.article_id], p.text) for p in passages]
        bags = cache.get_many(keys)
        missing = {k: p for p, k in zip(passages, keys, strict=True) if k not in bags}
        if missing:
            items = [(p.text, titles[p.article_id]) for p in missing.values()]
            fresh = dict(zip(missing, self.analyzer.analyze_many(items), strict=True))
            cache.put_many(fresh)
            bags.update(fresh)
        self.store.put_passages((p, k, bags[k]) for p, k in zip(passages, keys, strict=True))
        return [(p.id, bags[k]) for p, k in zip(passages, keys, strict=True)]


def _problems(corpus: Corpus) -> list[str]:
    """The corpus files skipped or cut, one line each."""
    lines = [f"skipped {problem}" for problem in corpus.skipped]
    return lines + [f"{cut.source}: {cut.reason}" for cut in corpus.truncated]


def _open_store(path: Path) -> PassageStore:
    """The store at ``path``; an unreadable one is moved aside and started afresh."""
    try:
        return PassageStore(path)
    except sqlite3.DatabaseError as error:
        move_aside(path, "the passage store", error, SQLITE_COMPANIONS)
        return PassageStore(path)


class SearchIndex:
    """One corpus' articles over the shared store and engine."""

    def __init__(
        self,
        backing: _Backing,
        corpus: Corpus | None,
        digests: Mapping[str, str] | None,
        *,
        synonyms: Synonyms | None = None,
        fingerprint: str = "",
    ) -> None:
        """A view of ``corpus``; with ``corpus`` None, of the articles the store holds,
        read from it only when needed (start-up reads nothing of the corpus)."""
        self._backing = backing
        self._store = backing.store
        self.analyzer = backing.analyzer
        self.engine = backing.engine
        self._lock = threading.Lock()
        self._corpus: Corpus | None = None
        self._articles: dict[str, Article] | None = None
        self._digests = dict(digests) if digests is not None else None
        self._synonyms = synonyms if synonyms is not None else Synonyms()
        self._fingerprint = fingerprint
        self._looked_up: dict[str, Article | None] = {}
        self.verified = True  # False: opened without checking the corpus folder
        if corpus is not None:
            self._set_corpus(corpus)
        self._size = self._store.size

    def _set_corpus(self, corpus: Corpus) -> None:
        # Metadata only: bodies are in the store, cut into passages.
        articles = tuple(replace(a, body="") if a.body else a for a in corpus.articles)
        self._articles = {a.id: a for a in articles}
        self._corpus = replace(corpus, articles=articles)

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
    def corpus_problems(self) -> list[str]:
        """The corpus files skipped or cut when the index was last brought up to date."""
        try:
            problems = json.loads(self._store.meta("problems") or "[]")
        except ValueError:
            return []
        return [str(p) for p in problems] if isinstance(problems, list) else []

    @property
    def synonyms(self) -> Synonyms:
        return self._corpus.synonyms if self._corpus is not None else self._synonyms

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
        directory: Path | None = None,
        scan: str = "",
    ) -> SearchIndex:
        """Index ``corpus`` into ``directory`` (None: a temporary one), reusing what a
        valid index there already holds and cached terms."""
        cache = cache or TokenCache(None)
        size = sum(len(split_article(a)) for a in corpus.articles)
        backing = _Backing(analyzer, resolve_engine(engine, size), directory)
        if not backing.valid():
            backing.reset()
        digests = backing.sync(corpus, scan, cache, progress)
        return cls(backing, corpus, digests)

    @classmethod
    def open(
        cls,
        corpus_store: CorpusStore,
        analyzer: KoreanAnalyzer,
        *,
        directory: Path,
        engine: str = "auto",
        cache: TokenCache | None = None,
        progress: Progress = no_progress,
        verify: bool = True,
    ) -> SearchIndex:
        """The index of the corpus folder: at once if the stored one matches it.

        With ``verify`` False, a valid stored index is used without checking that the
        folder is unchanged (``verified`` is then False: see ``matches``).
        """
        if engine != "bm25" and (directory / _STORE_FILE).exists():
            backing = _Backing(analyzer, "tantivy", directory)
            store = backing.store
            if (
                backing.valid()
                and (not verify or store.meta("scan") == corpus_store.scan())
                and resolve_engine(engine, store.size) == "tantivy"
            ):
                view = cls(
                    backing,
                    None,
                    None,
                    synonyms=corpus_store.load_synonyms(),
                    fingerprint=store.meta("fingerprint") or "",
                )
                view.verified = verify
                return view
            backing.store.close()
            del backing
        scan = corpus_store.scan()
        corpus = corpus_store.load()
        return cls.build(
            corpus,
            analyzer,
            engine=engine,
            cache=cache,
            progress=progress,
            directory=directory,
            scan=scan,
        )

    def matches(self, corpus_store: CorpusStore) -> bool:
        """Whether the corpus folder is as it was when this index was last brought up
        to date (by the files' names, sizes and times; nothing is read)."""
        return self._store.meta("scan") == corpus_store.scan()

    def updated(
        self,
        corpus: Corpus,
        *,
        engine: str = "auto",
        cache: TokenCache | None = None,
        progress: Progress = no_progress,
        scan: str = "",
    ) -> SearchIndex:
        """A view of ``corpus``: the shared store and engine updated in place (only
        what changed), unless the corpus' size now calls for the other engine."""
        cache = cache or TokenCache(None)
        backing = self._backing
        digests = backing.sync(corpus, scan, cache, progress)
        view = SearchIndex(backing, corpus, digests)
        wanted = resolve_engine(engine, view.size)
        if wanted == backing.engine_name:
            return view
        log.info("%d passages: switching to the %s engine", view.size, wanted)
        backing.abandon()
        fresh = _Backing(backing.analyzer, wanted, backing.home)
        if not fresh.valid():
            fresh.reset()
        return SearchIndex(fresh, corpus, fresh.sync(corpus, scan, cache, progress))

    # -- asking -----------------------------------------------------------------

    def query(self, question: str) -> Query:
        """The question's terms, plus its synonyms' where the corpus lacks its own words."""
        text = " ".join(unescape(_TAG.sub("", question)).split())
        analysis = self.analyzer.query_analysis(text)
        bag: dict[str, list[str]] = {name: list(terms) for name, terms in analysis.bag.items()}
        words = frozenset(analysis.bag.get("word", ()))
        kinds = {t.text: t.kind for t in analysis.words}
        alternatives: dict[str, frozenset[str]] = {}
        for present, others in self.synonyms.expand(text):
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
        for word, correction in corrections(analysis.words, self.document_frequency):
            if any(self.document_frequency(f) for f in alternatives.get(word, ())):
                continue  # a synonym already has it
            alternatives[word] = alternatives.get(word, frozenset()) | {correction}
            for name, terms in self._member(correction).items():
                bag.setdefault(name, []).extend(terms)
        return Query(text, bag, words, alternatives, kinds)

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
            passage, bag = stored.get(pid, (None, None))
            article = self.article(passage.article_id) if passage else None
            if passage is None or article is None:
                continue
            hits.append(SearchHit(passage, article, score, passage_terms(bag)))
        return hits

    def passage_texts(self) -> Iterator[list[tuple[str, str]]]:
        """Every passage's (id, text), in batches (for embedding)."""
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
        return self.engine.document_frequency("word", term)
