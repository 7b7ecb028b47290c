"""The corpus folder and data folder behind an answer service.

Both front ends (terminal and Telegram) start here: open the index (at once when
the one in the data folder matches the corpus folder; otherwise bring it up to date
from cached tokens), and answer. Refreshes update the same index in place here.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from .answers import AnswerService
from .corpus import Corpus, CorpusStore
from .progress import Progress, no_progress
from .search import KoreanAnalyzer, SearchIndex, TokenCache
from .settings import Settings
from .sources import FetchPolicy

__all__ = ["Library"]

log = logging.getLogger(__name__)


class Library:
    def __init__(self, settings: Settings, analyzer: KoreanAnalyzer | None = None) -> None:
        self.settings = settings
        self.store = CorpusStore(settings.corpus_dir, max_chars=settings.article_max_chars)
        self.analyzer = analyzer or KoreanAnalyzer()
        self._cache: TokenCache | None = None
        self._index: SearchIndex | None = None
        self._index_lock = threading.Lock()
        self.catching_up: threading.Thread | None = None

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def token_cache(self) -> TokenCache:
        if self._cache is None:
            self._cache = TokenCache(self.data_dir / "tokens.sqlite")
        return self._cache

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    def build_index(
        self, progress: Progress = no_progress, corpus: Corpus | None = None, scan: str = ""
    ) -> SearchIndex:
        """The index of the corpus (read from its folder unless given; ``scan`` is the
        folder's ``CorpusStore.scan()`` from before it was read), analyzing only
        passages not seen before. The first call opens the index in the data folder;
        later ones update it in place and return a new view of it."""
        with self._index_lock:
            if self._index is None and corpus is None:
                index = SearchIndex.open(
                    self.store,
                    self.analyzer,
                    directory=self.index_dir,
                    engine=self.settings.search_engine,
                    cache=self.token_cache,
                    progress=progress,
                )
            elif self._index is None:
                index = SearchIndex.build(
                    corpus,
                    self.analyzer,
                    engine=self.settings.search_engine,
                    cache=self.token_cache,
                    progress=progress,
                    directory=self.index_dir,
                    scan=scan,
                )
            else:
                if corpus is None:
                    scan = self.store.scan()
                    corpus = self.store.load()
                index = self._index.updated(
                    corpus,
                    engine=self.settings.search_engine,
                    cache=self.token_cache,
                    progress=progress,
                    scan=scan,
                )
            self._index = index
        log.info("indexed %d articles, %d passages", len(index.articles), index.size)
        return index

    def preload_analyzer(self) -> threading.Thread:
        """Load Kiwi in the background (it takes seconds), while the index opens."""
        thread = threading.Thread(
            target=self.analyzer.words, args=("시작",), name="load-kiwi", daemon=True
        )
        thread.start()
        return thread

    def fetch_policy(self) -> FetchPolicy:
        return FetchPolicy(
            timeout=self.settings.fetch_timeout_seconds,
            max_bytes=self.settings.fetch_max_bytes,
            allow_private_addresses=self.settings.fetch_allow_private_addresses,
        )

    def open_service(self, progress: Progress = no_progress) -> AnswerService:
        """The answer service, answering as soon as it can.

        Kiwi loads in the background. A valid index in the data folder is served at
        once, without even listing the corpus folder; a background thread then checks
        the folder and indexes what changed while the bot was stopped (``catching_up``).
        """
        self.preload_analyzer()
        with self._index_lock:
            if self._index is None:
                self._index = SearchIndex.open(
                    self.store,
                    self.analyzer,
                    directory=self.index_dir,
                    engine=self.settings.search_engine,
                    cache=self.token_cache,
                    progress=progress,
                    verify=False,
                )
            index = self._index
            unverified = not index.verified
            index.verified = True
        if unverified:  # served without reading the folder: say what it held last time
            for problem in index.corpus_problems:
                log.warning("corpus %s (when last indexed): %s", self.store.root, problem)
        service = AnswerService(index, top=self.settings.results_per_answer)
        if unverified:
            self.catching_up = threading.Thread(
                target=self._catch_up, args=(service, index), name="catch-up", daemon=True
            )
            self.catching_up.start()
        return service

    def _catch_up(self, service: AnswerService, index: SearchIndex) -> None:
        try:
            if not index.matches(self.store):
                log.info("the corpus changed while stopped: indexing the changes")
                service.swap(self.build_index())
        except Exception:
            log.exception("could not index the corpus changes made while stopped")

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None
