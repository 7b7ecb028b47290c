"""The corpus folder and data folder behind an answer service.

Both front ends (terminal and Telegram) start here: read the corpus, build the
index from cached tokens, and answer. Refreshes build a new index here too.
"""

from __future__ import annotations

import logging
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
        self.store = CorpusStore(settings.corpus_dir)
        self.analyzer = analyzer or KoreanAnalyzer()
        self._cache: TokenCache | None = None

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def token_cache(self) -> TokenCache:
        if self._cache is None:
            self._cache = TokenCache(self.data_dir / "tokens.sqlite")
        return self._cache

    def build_index(
        self, progress: Progress = no_progress, corpus: Corpus | None = None
    ) -> SearchIndex:
        """Index the corpus (read from its folder unless given), analyzing only passages
        not seen before."""
        corpus = corpus if corpus is not None else self.store.load()
        index = SearchIndex.build(
            corpus,
            self.analyzer,
            engine=self.settings.search_engine,
            cache=self.token_cache,
            progress=progress,
        )
        log.info("indexed %d articles, %d passages", len(corpus.articles), index.size)
        return index

    def fetch_policy(self) -> FetchPolicy:
        return FetchPolicy(
            timeout=self.settings.fetch_timeout_seconds,
            max_bytes=self.settings.fetch_max_bytes,
            allow_private_addresses=self.settings.fetch_allow_private_addresses,
        )

    def open_service(self, progress: Progress = no_progress) -> AnswerService:
        return AnswerService(self.build_index(progress), top=self.settings.results_per_answer)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None
