"""The index's home in the data folder, and the one object that writes it.

    DATA_DIR/
      index/passages.sqlite   passages, article metadata, the files they came from
      index/tantivy/          the tantivy engine (rank-bm25 lives in memory, OpenSearch
                              in its cluster: see opensearch_engine.py)
      tokens.sqlite           analyzed terms by text (Kiwi analyzes a text once)
      vectors.sqlite          the semantic component: one vector per passage text
      vectors.usearch         ... and its HNSW graph above 50,000 passages

``IndexHome`` alone opens, changes and closes these files. Everyone else gets
``SearchIndex`` views, which only read. ``sync`` is the only way in for changes: it
reads the corpus folder (only the files whose name, size, time or inode changed),
updates the store and engine in place, and returns the new view with exactly what
changed. Changes made by a sync nobody reported (the start-up catch-up) are kept,
even across restarts, and handed to the next sync that is reported (a refresh), so
a refresh report is true wherever it runs.

Store and engine are changed in one engine commit and one store transaction. A store
left ``dirty`` (the process died between the two), made by another analyzer version
or disagreeing with the engine's count is rebuilt when opened.

With OpenSearch the cluster is the index: views read it (``cluster_store.py``), and a
process that doesn't refresh (REFRESH_ENABLED=false, or no corpus folder) needs nothing
in its data folder. The cluster's index is trusted when its meta document says it was
made by this analyzer; the refreshing process's local store is only its record of what
it wrote, valid while it names the cluster's current stamp (index and generation), and
every sync into the cluster runs under the cluster's refresh lock (``exclusive``).
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..corpus import (
    Article,
    Corpus,
    CorpusStore,
    KnownFile,
    Passage,
    Synonyms,
    split_article,
)
from ..errors import BotError, SearchUnavailable
from ..progress import Progress, no_progress
from .analyzer import KoreanAnalyzer
from .derived import SQLITE_COMPANIONS, damaged, move_aside
from .embedder import Embedder
from .engine import ScoredId, SearchEngine, TermBag
from .engines import make_engine, resolve_engine
from .index import SearchIndex
from .semantic import SemanticIndexer
from .store import PassageStore, article_digest
from .token_cache import TokenCache, cache_key
from .vectors import VectorCache

if TYPE_CHECKING:
    from .cluster_store import ClusterStore
    from .cluster_vectors import ClusterVectorCache
    from .opensearch_engine import OpenSearchConfig

__all__ = ["IndexChanges", "IndexHome", "NoClusterIndex", "ReadOnlyIndex", "Synced"]

_BATCH = 1024  # passages analyzed (on every core) and indexed at a time
_STORE_FILE = "passages.sqlite"
_ENGINE_DIR = "tantivy"
_UNREPORTED_KEPT = 10_000  # changes kept for the next report; beyond, a rebuild is said
_ENGINES = ("bm25", "tantivy", "opensearch")  # what a store may have been made for

log = logging.getLogger(__name__)


class NoClusterIndex(SearchUnavailable):
    """The cluster answers but holds no index this bot can serve (yet)."""


class ReadOnlyIndex(BotError):
    """This process only reads the cluster's index (REFRESH_ENABLED=false, or no corpus
    folder): another process changes it."""

    def __init__(self) -> None:
        super().__init__(
            "this bot only answers from the cluster's index (REFRESH_ENABLED=false, or no "
            "corpus folder): the process with REFRESH_ENABLED=true and the corpus refreshes it"
        )


@dataclass(frozen=True, slots=True)
class IndexChanges:
    """What a sync changed in the index, article by article (metadata only)."""

    added: tuple[Article, ...] = ()
    updated: tuple[Article, ...] = ()
    removed: tuple[Article, ...] = ()
    articles: int = 0  # articles indexed afterwards
    rebuilt: bool = False  # the index was made afresh (nothing to compare with)

    @property
    def unchanged(self) -> int:
        return self.articles - len(self.added) - len(self.updated)

    def __bool__(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def then(self, later: IndexChanges) -> IndexChanges:
        """These changes followed by ``later`` ones, as one set of changes."""
        kinds: dict[str, tuple[str, Article]] = {}
        for kind, articles in (("added", self.added), ("updated", self.updated)):
            kinds.update((a.id, (kind, a)) for a in articles)
        kinds.update((a.id, ("removed", a)) for a in self.removed)
        for article in later.added:
            earlier = kinds.get(article.id)
            kind = "updated" if earlier and earlier[0] == "removed" else "added"
            kinds[article.id] = (kind, article)
        for article in later.updated:
            earlier = kinds.get(article.id)
            kinds[article.id] = (earlier[0] if earlier else "updated", article)
        for article in later.removed:
            earlier = kinds.get(article.id)
            if earlier and earlier[0] == "added":
                del kinds[article.id]  # came and went between two reports
            else:
                kinds[article.id] = ("removed", article)
        grouped: dict[str, list[Article]] = {"added": [], "updated": [], "removed": []}
        for kind, article in kinds.values():
            grouped[kind].append(article)
        return IndexChanges(
            tuple(grouped["added"]),
            tuple(grouped["updated"]),
            tuple(grouped["removed"]),
            later.articles,
            self.rebuilt or later.rebuilt,
        )

    def to_json(self) -> str:
        def rows(articles: Sequence[Article]) -> list[list[str]]:
            return [[a.id, a.title, a.url] for a in articles]

        return json.dumps(
            {
                "added": rows(self.added),
                "updated": rows(self.updated),
                "removed": rows(self.removed),
                "rebuilt": self.rebuilt,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str | None) -> IndexChanges:
        try:
            data = json.loads(text or "{}")
            if not isinstance(data, dict):
                return cls()

            def articles(key: str) -> tuple[Article, ...]:
                return tuple(Article(i, t, "", url=u) for i, t, u in data.get(key, []))

            return cls(
                articles("added"),
                articles("updated"),
                articles("removed"),
                rebuilt=bool(data.get("rebuilt")),
            )
        except (ValueError, TypeError):
            return cls()


@dataclass(frozen=True, slots=True)
class Synced:
    """A sync's result: the new view, what changed, and the corpus as it was read
    (its skipped and truncated files)."""

    view: SearchIndex
    changes: IndexChanges
    corpus: Corpus = field(repr=False)


class IndexHome:
    """Owns the index's files in ``data_dir`` (see the module docstring)."""

    def __init__(
        self,
        data_dir: Path,
        corpus_store: CorpusStore,
        analyzer: KoreanAnalyzer,
        *,
        engine: str = "auto",
        remote: OpenSearchConfig | None = None,
        refresh_enabled: bool = True,
        exclusive: Callable[[], AbstractContextManager[None]] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.corpus_store = corpus_store
        self.analyzer = analyzer
        self.engine = engine  # SEARCH_ENGINE: auto, bm25, tantivy or opensearch
        self.remote = remote  # the cluster, for opensearch
        self.refresh_enabled = refresh_enabled  # REFRESH_ENABLED
        # Held around every sync into the cluster (the refresh lock, from the Library).
        self.exclusive = exclusive
        # The one client for this process's requests to the cluster (views, syncs, the
        # refresh lock, vectors), closed by ``close``.
        self._client: Any = None
        self._client_lock = threading.Lock()
        self._cache: TokenCache | None = None
        self._files: _IndexFiles | None = None
        self._view: SearchIndex | None = None
        self._lock = threading.Lock()
        self.verified = False  # the served view was checked against the corpus folder
        # The semantic component, when RETRIEVAL has one: its vectors follow the views
        # (embedded after a sync, by whoever asks: see Library.embed).
        self.semantic: SemanticIndexer | None = None
        # The files of the last sync, kept to skip reading them (metadata only).
        self._known: Mapping[str, KnownFile] | None = None
        self._known_of: _IndexFiles | None = None
        self._stand_in_dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def directory(self) -> Path:
        return self.data_dir / "index"

    @property
    def token_cache(self) -> TokenCache:
        if self._cache is None:
            self._cache = TokenCache(self.data_dir / "tokens.sqlite")
        return self._cache

    @property
    def view(self) -> SearchIndex | None:
        """The latest view, once opened."""
        return self._view

    @property
    def can_refresh(self) -> bool:
        """Whether this process changes the index: always with a local engine; with the
        cluster, only with REFRESH_ENABLED and the corpus folder there."""
        if self.remote is None:
            return True
        return self.refresh_enabled and self.corpus_store.root.is_dir()

    @property
    def busy(self) -> bool:
        """A sync (or an open) is running in this process."""
        return self._lock.locked()

    # -- opening ----------------------------------------------------------------

    def open(
        self, progress: Progress = no_progress, *, verify: bool = True, wait: bool = True
    ) -> SearchIndex:
        """The view of the stored index: at once when it is valid (and, with ``verify``,
        made from the corpus folder as it is now, by its files' names, sizes and
        times); otherwise the folder is indexed first (a reported sync). With
        ``verify`` False, ``verified`` stays False until ``sync`` or ``matches``.
        ``wait`` False: an unreachable cluster fails at once (OPENSEARCH_WAIT_SECONDS
        is for one-shot commands)."""
        with self._lock:
            if self._view is not None:
                return self._view
            if self.remote is not None:
                served = self._open_cluster(verify, wait)
                if served is not None:
                    return served
            else:
                stored = self._stored(verify)
                if stored is not None:
                    self._view = stored
                    self.verified = verify
                    return stored
        return self.sync(progress).view

    def _open_cluster(self, verify: bool, wait: bool) -> SearchIndex | None:
        """The cluster's view, if it holds an index for this analyzer; None when this
        process must (and can) index the corpus into it first."""
        try:
            view = self.cluster_view(wait=wait)
        except NoClusterIndex:
            if not self.can_refresh:
                raise
            return None
        if not self.can_refresh:  # nothing here to check it against
            self._view, self.verified = view, True
            return view
        self._adopt_local(view.stamp)
        if verify and not self.matches():
            return None
        self._view, self.verified = view, verify
        return view

    def cluster_client(self) -> Any:
        """One client for this process's requests to the cluster (made when first asked)."""
        from .opensearch_engine import make_client

        assert self.remote is not None
        with self._client_lock:  # asked from several threads (poller, embedding, syncs)
            if self._client is None:
                self._client = make_client(self.remote)
            return self._client

    def cluster_view(self, *, wait: bool = True) -> SearchIndex:
        """A view of the index behind the alias now (another process may have changed
        it); ``NoClusterIndex`` when there is none for this analyzer."""
        from .cluster_store import ClusterStore
        from .opensearch_engine import OpenSearchEngine

        assert self.remote is not None
        remote = self.remote if wait else replace(self.remote, wait_seconds=0)
        try:
            engine = OpenSearchEngine(
                self.analyzer.fields, remote, create=False, client=self.cluster_client()
            )
        except SearchUnavailable as error:
            if "has no index" in str(error):
                raise NoClusterIndex(str(error)) from None
            raise
        meta = engine.meta()
        generation = int(meta.get("generation", 0))
        if meta.get("analyzer") != self.analyzer.version or not generation:
            raise NoClusterIndex(
                f"the OpenSearch index {engine.index} behind OPENSEARCH_INDEX="
                f"{self.remote.index} was made by another analyzer version, or is not "
                "complete yet: a process with REFRESH_ENABLED=true and the corpus rebuilds it"
            )
        return SearchIndex(
            ClusterStore(engine),
            engine,
            self.analyzer,
            None,
            None,
            synonyms=_synonyms(meta.get("synonyms")),
            fingerprint=str(meta.get("fingerprint", "")),
            stamp=f"{engine.index}:{generation}",
        )

    def _adopt_local(self, stamp: str) -> None:
        """Keep the local store as this process's record if it was the last to write the
        cluster's index (same stamp); otherwise the next sync indexes afresh."""
        path = self.directory / _STORE_FILE
        if not path.exists():
            return
        store = _open_store(path)
        if (
            store.meta("state") != "clean"
            or store.meta("engine") != "opensearch"
            or store.meta("analyzer") != self.analyzer.version
            or store.meta("cluster") != stamp
        ):
            store.close()
            return
        self._files = self._index_files("opensearch", store)

    def _stored(self, verify: bool) -> SearchIndex | None:
        """The stored index's view, if it is valid for SEARCH_ENGINE (and up to date)."""
        if not (self.directory / _STORE_FILE).exists():
            return None
        store = _open_store(self.directory / _STORE_FILE)
        engine = store.meta("engine") or ""
        files = None
        if (
            engine in _ENGINES
            and resolve_engine(self.engine, store.size) == engine
            and (not verify or store.meta("scan") == self.corpus_store.scan())
        ):
            try:
                files = self._index_files(engine, store)
            except SearchUnavailable:
                store.close()
                raise
        if files is None or not files.valid():
            store.close()
            return None
        self._files = files
        return files.view(
            None,
            None,
            synonyms=self.corpus_store.load_synonyms(),
            fingerprint=store.meta("fingerprint") or "",
        )

    def matches(self) -> bool:
        """Whether the corpus folder is as it was when the index was last synced (by
        its files' names, sizes and times; nothing is read)."""
        files = self._files
        return files is not None and files.store.meta("scan") == self.corpus_store.scan()

    def known_files(self) -> Mapping[str, KnownFile]:
        """The corpus files the index was made from, by name (to skip reading them)."""
        files = self._files
        return self._known_files(files) if files is not None else {}

    def _known_files(self, files: _IndexFiles) -> Mapping[str, KnownFile]:
        if self._known is None or self._known_of is not files:
            self._known, self._known_of = files.store.known_files(), files
        return self._known

    @property
    def corpus_problems(self) -> list[str]:
        """The corpus files skipped or cut when the index was last synced."""
        files = self._files
        if files is None:
            return []
        try:
            problems = json.loads(files.store.meta("problems") or "[]")
        except ValueError:
            return []
        return [str(p) for p in problems] if isinstance(problems, list) else []

    # -- changing ---------------------------------------------------------------

    def sync(
        self, progress: Progress = no_progress, *, reported: bool = True, locked: bool = False
    ) -> Synced:
        """Bring the index up to the corpus folder as it is now.

        Only files whose name, size, time or inode changed are read; their articles
        are re-split and analyzed (terms come from the token cache when the text was
        seen before). ``reported`` False (the start-up catch-up) keeps the changes for
        the next reported sync instead of returning them. With the cluster, the sync
        runs under ``exclusive`` (the refresh lock) unless the caller holds it
        (``locked``); a process that only reads raises ``ReadOnlyIndex``."""
        if self.remote is not None:
            if not self.can_refresh:
                raise ReadOnlyIndex()
            if self.exclusive is not None and not locked:
                with self.exclusive():
                    return self._sync(progress, reported)
        return self._sync(progress, reported)

    def _sync(self, progress: Progress, reported: bool) -> Synced:
        with self._lock:
            files, corpus = self._files, None
            if files is not None and self.remote is not None and not files.valid():
                # Another process wrote the cluster since: this record of it is stale.
                log.info("the cluster's index changed since this process wrote it: indexing afresh")
                files.reset()
                self._known = None
            if files is None:
                files, corpus = self._open_files()
            if corpus is None:  # unchanged files are not read again
                corpus = self.corpus_store.load(self._known_files(files))
            scan = corpus.scan
            changes, digests = files.sync(corpus, scan, self.token_cache, progress)
            view = files.view(corpus, digests)
            wanted = resolve_engine(self.engine, view.size)
            if wanted != files.engine_name:
                log.info("%d passages: switching to the %s engine", view.size, wanted)
                # Changes not reported yet survive the switch (the new store starts empty).
                unreported = files.store.meta("unreported") or ""
                files.abandon()
                files = _IndexFiles(
                    self.analyzer,
                    wanted,
                    self.directory,
                    self.token_cache,
                    files.close_engine(),  # the same store, no second connection to it
                    remote=self.remote,
                    fresh=True,
                )
                if unreported:
                    files.store.set_meta({"unreported": unreported})
                corpus = self.corpus_store.load()
                _, digests = files.sync(corpus, scan, self.token_cache, progress)
                view = files.view(corpus, digests)
            self._files, self._view, self.verified = files, view, True
            self._known, self._known_of = _known_of(corpus, view), files
            changes = self._account(files.store, changes, reported)
        log.info("indexed %d articles, %d passages", len(view.articles), view.size)
        return Synced(view, changes, corpus)

    def _open_files(self) -> tuple[_IndexFiles, Corpus | None]:
        """The files for SEARCH_ENGINE, rebuilt unless valid; with ``auto`` and nothing
        stored, the corpus read to count its passages (to choose the engine)."""
        store = _open_store(self.directory / _STORE_FILE)
        corpus = None
        if self.engine != "auto":
            engine = self.engine
        elif store.meta("engine") in ("bm25", "tantivy") and store.meta("state") == "clean":
            engine = resolve_engine("auto", store.size)
        else:
            corpus = self.corpus_store.load()
            engine = resolve_engine("auto", sum(len(split_article(a)) for a in corpus.articles))
        recorded = store.meta("state") == "clean" and store.meta("cluster")
        if engine == "opensearch" and not recorded:
            # Nothing this process wrote to check the cluster against: a new index at once
            # (opening the alias first would make an empty one when there is none).
            files = self._index_files(engine, store, fresh=True)
            return files, corpus
        try:
            files = self._index_files(engine, store)
        except SearchUnavailable:
            store.close()
            raise
        if not files.valid():
            files.reset()
        return files, corpus

    def _index_files(
        self, engine: str, store: PassageStore | None = None, *, fresh: bool = False
    ) -> _IndexFiles:
        return _IndexFiles(
            self.analyzer,
            engine,
            self.directory,
            self.token_cache,
            store,
            remote=self.remote,
            # Made here if not yet (the CLI's ``index``): never one the engine makes and
            # nobody closes.
            client=self.cluster_client() if self.remote is not None else None,
            fresh=fresh,
        )

    def _account(self, store: PassageStore, changes: IndexChanges, reported: bool) -> IndexChanges:
        """Changes since the last report: kept in the store until one is made."""
        earlier = IndexChanges.from_json(store.meta("unreported"))
        if changes.rebuilt:
            # Everything was indexed afresh: "all added" says nothing of what changed.
            combined = IndexChanges(articles=changes.articles, rebuilt=True)
        else:
            combined = earlier.then(changes)
        if reported:
            if store.meta("unreported"):
                store.set_meta({"unreported": ""})
            return combined
        kept = len(combined.added) + len(combined.updated) + len(combined.removed)
        if kept > _UNREPORTED_KEPT:
            combined = IndexChanges(articles=combined.articles, rebuilt=True)
        if combined or combined.rebuilt:
            store.set_meta({"unreported": combined.to_json()})
        if changes:
            log.info(
                "the corpus changed while stopped: added %d, updated %d, removed %d",
                len(changes.added),
                len(changes.updated),
                len(changes.removed),
            )
        return IndexChanges(articles=changes.articles)

    def stand_in(self, reason: str) -> SearchIndex:
        """An empty view to serve while the engine can't be opened (an unreachable
        cluster): its engine, named like the real one, fails every search with
        ``reason``. Its store is an empty file in a temporary folder, never DATA_DIR's."""
        with self._lock:
            if self._stand_in_dir is None:
                self._stand_in_dir = tempfile.TemporaryDirectory(prefix="article-qa-stand-in-")
            store = PassageStore(Path(self._stand_in_dir.name) / _STORE_FILE)
        engine = _UnreachableEngine(resolve_engine(self.engine, 0), reason)
        return SearchIndex(store, engine, self.analyzer, Corpus(()), {})

    def semantic_component(self, embedder: Embedder) -> SemanticIndexer:
        """The semantic component over this home's vector files (made once)."""
        if self.semantic is None:
            local = VectorCache(self.data_dir / "vectors.sqlite")
            cache: VectorCache | ClusterVectorCache = local
            if self.remote is not None:  # shared through the cluster (cluster_vectors.py)
                from .cluster_vectors import ClusterVectorCache

                cache = ClusterVectorCache(
                    local, self.remote, self.cluster_client(), write=self.can_refresh
                )
            self.semantic = SemanticIndexer(
                embedder, cache, graph=self.data_dir / "vectors.usearch"
            )
        return self.semantic

    def close(self) -> None:
        with self._lock:
            if self._cache is not None:
                self._cache.close()
                self._cache = None
            if self.semantic is not None:
                self.semantic.cache.close()
                self.semantic = None
            if self._stand_in_dir is not None:
                self._stand_in_dir.cleanup()
                self._stand_in_dir = None
        with self._client_lock:
            if self._client is not None:
                self._client.close()  # its connection pool
                self._client = None


class _UnreachableEngine:
    """The engine of a stand-in view: holds nothing, and every search fails."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason

    @property
    def size(self) -> int:
        return 0

    def search(self, query: TermBag, k: int) -> list[ScoredId]:
        raise SearchUnavailable(self.reason)

    def document_frequency(self, field: str, term: str) -> int:
        return 0  # asked for suggestions too: none, rather than a failure

    def update(self, added: Iterable[tuple[str, TermBag]], removed: Iterable[str]) -> None:
        raise SearchUnavailable(self.reason)


def _known_of(corpus: Corpus, view: SearchIndex) -> dict[str, KnownFile]:
    """``corpus``' files with the view's metadata-only articles (no bodies kept)."""
    known = {}
    for article_id, file in corpus.files.items():
        if not file.article.body:  # not read this time: already metadata only
            known[file.name] = file
        elif (article := view.article(article_id)) is not None:
            known[file.name] = replace(file, article=article)
    return known


class _IndexFiles:
    """The store and the engine in one directory. rank-bm25 lives in memory: at each
    start it is filled again from the store's passages and the token cache."""

    def __init__(
        self,
        analyzer: KoreanAnalyzer,
        engine: str,
        directory: Path,
        cache: TokenCache,
        store: PassageStore | None = None,
        *,
        remote: OpenSearchConfig | None = None,
        client: Any = None,
        fresh: bool = False,
    ) -> None:
        """``fresh``: start empty at once (``reset``), without opening the engine there."""
        self.analyzer = analyzer
        self.engine_name = engine
        self.directory = directory
        self.remote = remote if engine == "opensearch" else None
        self._client = client
        self.store = store or _open_store(directory / _STORE_FILE)
        if fresh:
            self.reset()
            return
        self.engine = self._make_engine()
        if self.store.meta("state") == "dirty" and self.store.meta("pending"):
            self._recover()
        if engine == "bm25" and self._complete():  # the only engine kept in memory alone
            self._fill_from_store(cache)

    def _make_engine(self, *, fresh: bool = False) -> SearchEngine:
        """The engine; ``fresh``: an empty one (tantivy's directory is emptied first, an
        OpenSearch rebuild gets a new index that its first update switches in)."""
        path = self.directory / _ENGINE_DIR if self.engine_name == "tantivy" else None
        if self.remote is not None:
            from .opensearch_engine import OpenSearchEngine

            return OpenSearchEngine(
                self.analyzer.fields, self.remote, fresh=fresh, client=self._client
            )
        return make_engine(
            self.engine_name, self.analyzer.fields, path=path, remote=self.remote, fresh=fresh
        )

    def close_engine(self) -> PassageStore:
        """Let the engine go for another's (its files are removed by the next ``reset``);
        the store, to be reused."""
        close = getattr(self.engine, "close", None)
        if callable(close):
            close()
        return self.store

    def _fill_from_store(self, cache: TokenCache) -> None:
        """The in-memory engine, from the stored passages' cached terms; left empty
        (so the store is rebuilt) when the cache lacks some."""
        documents: list[tuple[str, TermBag]] = []
        for batch in self.store.cache_keys():
            bags = cache.get_many(key for _, key in batch)
            if len(bags) < len({key for _, key in batch}):
                log.info("the token cache lacks some passages: indexing afresh")
                return
            documents.extend((pid, bags[key]) for pid, key in batch)
        self.engine.update(documents, ())

    def view(
        self,
        corpus: Corpus | None,
        digests: Mapping[str, str] | None,
        *,
        synonyms: Synonyms | None = None,
        fingerprint: str = "",
    ) -> SearchIndex:
        store: PassageStore | ClusterStore = self.store
        stamp = ""
        if self.remote is not None:  # views read the cluster, as every other process does
            from .cluster_store import ClusterStore
            from .opensearch_engine import OpenSearchEngine

            assert isinstance(self.engine, OpenSearchEngine)
            store, stamp = ClusterStore(self.engine), self.store.meta("cluster") or ""
        return SearchIndex(
            store,
            self.engine,
            self.analyzer,
            corpus,
            digests,
            synonyms=synonyms,
            fingerprint=fingerprint,
            stamp=stamp,
        )

    def _recover(self) -> None:
        """After a crash between the engine's commit and the store's: take the articles
        the update touched out of both (the next sync indexes them again, incrementally)
        instead of rebuilding everything."""
        store = self.store
        if store.meta("analyzer") != self.analyzer.version:
            return  # rebuilt anyway
        try:
            pending = json.loads(store.meta("pending") or "{}")
            articles, passages = list(pending["articles"]), list(pending["passages"])
        except (ValueError, KeyError, TypeError):
            return
        log.warning(
            "the last index update did not finish: re-indexing the %d articles it touched",
            len(articles),
        )
        if self.engine_name != "bm25":  # rank-bm25 starts empty: nothing to take out
            self.engine.update((), passages)
        earlier = IndexChanges.from_json(store.meta("unreported"))
        known = tuple(a for a in (store.article(i) for i in articles) if a is not None)
        # Indexed again by the next sync, they are reported as updated, not added.
        unreported = earlier.then(IndexChanges(removed=known))
        store.begin()
        try:
            store.remove_articles(articles)
            store.set_meta_in_transaction(
                {"state": "clean", "pending": "", "scan": "", "unreported": unreported.to_json()}
            )
            store.commit()
        except BaseException:
            store.rollback()
            raise

    def _complete(self) -> bool:
        store = self.store
        return (
            store.meta("state") == "clean"
            and store.meta("analyzer") == self.analyzer.version
            and store.meta("engine") == self.engine_name
        )

    def valid(self) -> bool:
        """The store is complete, made by this analyzer for this engine, and agrees with it
        (with the cluster: it names the stamp the alias's index has now, i.e. this
        process was the last to write it)."""
        if not self._complete():
            return False
        if self.remote is not None:
            from .opensearch_engine import OpenSearchEngine, current_stamp

            assert isinstance(self.engine, OpenSearchEngine)
            stamp = current_stamp(self.remote, self.engine.client)
            return bool(stamp) and self.store.meta("cluster") == stamp
        return self.store.size == self.engine.size

    def reset(self) -> None:
        """Empty store, empty engine (a rebuild)."""
        self.store.clear()
        self.store = _open_store(self.store.path)
        shutil.rmtree(self.directory / _ENGINE_DIR, ignore_errors=True)
        self.engine = self._make_engine(fresh=True)
        self.store.set_meta({"rebuilt": "1"})

    def abandon(self) -> None:
        """Give the files up for another engine's (``reset`` follows)."""
        self.store.set_meta({"state": "dirty"})

    def sync(
        self, corpus: Corpus, scan: str, cache: TokenCache, progress: Progress
    ) -> tuple[IndexChanges, dict[str, str]]:
        """Make store and engine hold ``corpus``; what changed, and each article's digest."""
        store = self.store
        old = store.digests()
        rebuilt = store.meta("rebuilt") == "1"
        digests = {
            a.id: old[a.id] if a.id in corpus.unread and a.id in old else article_digest(a)
            for a in corpus.articles
        }
        changed = [a for a in corpus.articles if old.get(a.id) != digests[a.id]]
        gone = [article_id for article_id in old if article_id not in digests]
        meta = {
            "state": "clean",
            "analyzer": self.analyzer.version,
            "engine": self.engine_name,
            "fingerprint": corpus.fingerprint,
            "scan": scan,
            "rebuilt": "",
            "pending": "",
            # Logged at a start that reads nothing of the folder (see corpus_problems).
            "problems": json.dumps(_problems(corpus), ensure_ascii=False),
        }
        removed = tuple(a for a in (store.article(i) for i in gone) if a is not None)
        changes = IndexChanges(
            tuple(a for a in changed if a.id not in old),
            tuple(a for a in changed if a.id in old),
            removed,
            len(corpus.articles),
            rebuilt,
        )
        reread = len(corpus.unread) < len(corpus.articles)  # files to record anew
        cluster = self._cluster_changes(corpus, digests, changed, store)
        if not changed and not gone and not reread:  # nothing to index, nothing to commit
            if cluster is not None and cluster[2]:  # but the cluster lacks the synonyms…
                articles, cluster_meta, _ = cluster
                meta.update(
                    self._write_cluster((), (), articles, (), cluster_meta, cache, progress)
                )
            if any(store.meta(key) != value for key, value in meta.items()):
                store.set_meta(meta)
            return changes, digests
        replaced = [*gone, *(a.id for a in changed if a.id in old)]
        passages = [pid for article_id in replaced for pid in store.passage_ids(article_id)]
        dirty = {"state": "dirty"}
        if old:  # an update, not a first build: say what it touches, to recover just that
            touched = [*gone, *(a.id for a in changed)]
            fresh = [p.id for a in changed for p in split_article(a)]
            dirty["pending"] = json.dumps({"articles": touched, "passages": passages + fresh})
        store.set_meta(dirty)
        store.begin()
        try:
            store.remove_articles(replaced)
            if self.remote is not None:
                assert cluster is not None
                articles, cluster_meta, _ = cluster
                meta.update(
                    self._write_cluster(
                        changed, passages, articles, gone, cluster_meta, cache, progress
                    )
                )
            elif changed or passages:
                added = ((p.id, bag) for p, bag in self._added(changed, cache, progress))
                self.engine.update(added, passages)
            store.put_articles(((a, digests[a.id]) for a in corpus.articles), corpus.files)
            store.set_meta_in_transaction(meta)
            store.commit()
        except BaseException:
            store.rollback()
            raise
        if changes:
            log.info("indexed %d changed articles, removed %d", len(changed), len(gone))
        return changes, digests

    def _cluster_changes(
        self,
        corpus: Corpus,
        digests: Mapping[str, str],
        changed: Sequence[Article],
        store: PassageStore,
    ) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any], bool] | None:
        """With the cluster: the article documents to write (changed or moved), its meta
        values, and whether either differs from what it holds (by this store)."""
        if self.remote is None:
            return None
        from .cluster_store import article_record

        positions = store.positions()
        touched = {a.id for a in changed}
        articles = [
            (a.id, article_record(a, digests[a.id], n))
            for n, a in enumerate(corpus.articles)
            if a.id in touched or positions.get(a.id) != n
        ]
        cluster_meta = {
            "analyzer": self.analyzer.version,
            # No fingerprint: it differs with how much of the folder was read, and no
            # view needs it.
            "synonyms": [list(group) for group in corpus.synonyms.groups],
            "problems": _problems(corpus),
        }
        recorded = store.meta("cluster_meta")
        same_meta = recorded == json.dumps(cluster_meta, ensure_ascii=False, sort_keys=True)
        return articles, cluster_meta, bool(articles or not same_meta or not store.meta("cluster"))

    def _write_cluster(
        self,
        changed: Sequence[Article],
        removed: Sequence[str],
        articles: Sequence[tuple[str, dict[str, Any]]],
        gone: Sequence[str],
        cluster_meta: dict[str, Any],
        cache: TokenCache,
        progress: Progress,
    ) -> dict[str, str]:
        """One write into the cluster; the store's meta values recording it."""
        from .cluster_store import passage_record
        from .opensearch_engine import ClusterWrite, OpenSearchEngine

        assert isinstance(self.engine, OpenSearchEngine)
        added = (
            (p.id, bag, passage_record(p, bag)) for p, bag in self._added(changed, cache, progress)
        )
        stamp = self.engine.write(ClusterWrite(added, removed, articles, gone, cluster_meta))
        return {
            "cluster": stamp,
            "cluster_meta": json.dumps(cluster_meta, ensure_ascii=False, sort_keys=True),
        }

    def _added(
        self, articles: Sequence[Article], cache: TokenCache, progress: Progress
    ) -> Iterator[tuple[Passage, TermBag]]:
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
    ) -> Iterable[tuple[Passage, TermBag]]:
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
        return [(p, bags[k]) for p, k in zip(passages, keys, strict=True)]


def _synonyms(groups: Any) -> Synonyms:
    """Synonyms as the cluster's meta document holds them (lists of members)."""
    if not isinstance(groups, list):
        return Synonyms()
    return Synonyms(tuple(tuple(str(m) for m in g) for g in groups if isinstance(g, list)))


def _problems(corpus: Corpus) -> list[str]:
    """The corpus files skipped or cut, one line each."""
    lines = [f"skipped {problem}" for problem in corpus.skipped]
    return lines + [f"{cut.source}: {cut.reason}" for cut in corpus.truncated]


def _open_store(path: Path) -> PassageStore:
    """The store at ``path``; an unreadable one is moved aside and started afresh."""
    try:
        return PassageStore(path)
    except sqlite3.DatabaseError as error:
        if not damaged(error):  # locked by another process, read-only: not broken
            raise
        move_aside(path, "the passage store", error, SQLITE_COMPANIONS)
        return PassageStore(path)
