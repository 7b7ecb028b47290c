"""Refresh the corpus and add articles by URL, without interrupting answers.

A refresh re-fetches every article that has a URL (conditionally, so an
unchanged page costs one 304), polls the feeds and pages in ``sources.txt`` for
new articles, re-reads the corpus folder, updates the index in place in a worker
thread (only changed articles; terms from cached tokens), and swaps the new view
into the answer service at once. Questions asked meanwhile are answered from the
previous view.

Nothing is lost on failure: a source that can't be fetched or extracted keeps
its previous file, every file is written atomically, and a crash mid-way leaves
a corpus of whole files (old or new) that the next start indexes as usual.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

from ..answers import AnswerService
from ..corpus import Article, Corpus
from ..corpus.importer import article_from_extracted
from ..corpus.limits import limit_article
from ..errors import BotError, ImportFailed
from ..library import Library
from ..locks import RefreshLock
from ..progress import Progress, no_progress
from ..search import IndexChanges
from ..search.home import ReadOnlyIndex
from ..sources import (
    FeedEntry,
    Fetcher,
    FetchError,
    FetchResult,
    canonical_url,
    extract_article,
    looks_like_feed,
    normalize_url,
    parse_feed,
)
from .documents import DocumentDraft
from .fetch_state import FetchState, Validators
from .report import Change, ChangeKind, RefreshReport
from .sources_list import add_source, read_sources

__all__ = ["AddResult", "RefreshInProgress", "RefreshObserver", "Refresher"]

log = logging.getLogger(__name__)

# A feed can list hundreds of entries; one refresh adds at most this many from each.
MAX_NEW_PER_FEED = 30

RefreshObserver = Callable[[str, RefreshReport | None], None]
"""Told how each refresh ended: "ok", "partial" (some sources failed), "error" (it
raised) or "busy" (another was running); with the report when there is one."""


class RefreshInProgress(BotError):
    """Another refresh or add is running (in this process or another)."""

    def __init__(self) -> None:
        super().__init__("a refresh is already running; try again when it has finished")


@dataclass(frozen=True, slots=True)
class AddResult:
    change: Change
    article: Article | None = None
    sample: str = ""  # a passage of the new article, to show what was added
    report: RefreshReport | None = None


class Refresher:
    def __init__(
        self,
        library: Library,
        service: AnswerService,
        *,
        fetcher_factory: Callable[[], Fetcher] | None = None,
        observer: RefreshObserver | None = None,
        lock: RefreshLock | None = None,
    ) -> None:
        """``lock`` keeps other processes from refreshing at the same time (default:
        the library's, per data folder or per OpenSearch cluster)."""
        self.library = library
        self.service = service
        self._refresh_lock = lock if lock is not None else library.refresh_lock()
        self._fetcher_factory = fetcher_factory or (lambda: Fetcher(library.fetch_policy()))
        self._observer = observer or (lambda _result, _report: None)
        self._lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._lock.locked()

    async def refresh(self, progress: Progress = no_progress) -> RefreshReport:
        async with self._observed(), self._exclusive():
            report = await self._refresh(progress)
            self._observer("partial" if report.count(ChangeKind.FAILED) else "ok", report)
            return report

    async def add(self, url: str, progress: Progress = no_progress) -> AddResult:
        """Download ``url``, save its article (or, for a feed, subscribe to it), reindex."""
        async with self._exclusive():
            try:
                url = normalize_url(url)
            except FetchError as error:
                return AddResult(Change(ChangeKind.FAILED, url, url, error.reason))
            corpus = self.library.store.load()
            progress("fetching", 0, 1)
            async with self._fetcher_factory() as fetcher:
                try:
                    page = await fetcher.fetch(url)
                except FetchError as error:
                    return AddResult(Change(ChangeKind.FAILED, url, url, error.reason))
                progress("fetching", 1, 1)
                if looks_like_feed(page.content_type, page.text):
                    add_source(self.library.store.sources_file, url)
                    report = await self._refresh_with(fetcher, progress)
                    added = report.of(ChangeKind.ADDED)
                    kind = ChangeKind.ADDED if added else ChangeKind.UNCHANGED
                    return AddResult(Change(kind, url, url), report=report)
                try:
                    article, cut = self._article_of(page)
                except (FetchError, ImportFailed) as error:
                    reason = getattr(error, "reason", None) or error.user_message
                    return AddResult(Change(ChangeKind.FAILED, url, url, reason))
            duplicate = _find_duplicate(corpus, article)
            if duplicate is not None:
                change = Change(ChangeKind.UNCHANGED, duplicate.title, duplicate.url or url)
                return AddResult(change, duplicate)
            self.library.store.save_article(article)
            state = self._fetch_state()
            state.set(article.url, Validators(page.etag, page.last_modified))
            state.save()
            return await self._added(article, progress, [cut] if cut else [])

    async def add_document(
        self, draft: DocumentDraft, progress: Progress = no_progress
    ) -> AddResult:
        """Save a document's article (``draft_document``) and reindex; the same text
        already in the corpus (the same file sent again) is reported unchanged."""
        async with self._exclusive():
            article = draft.article
            duplicate = _find_duplicate(self.library.store.load(), article)
            if duplicate is not None:
                change = Change(ChangeKind.UNCHANGED, duplicate.title, draft.file_name)
                return AddResult(change, duplicate)
            self.library.store.save_article(article)
            cuts = []
            if draft.cut is not None:
                cut = draft.cut
                cuts.append(Change.cut(cut))
            return await self._added(article, progress, cuts)

    async def _added(self, article: Article, progress: Progress, cuts: list[Change]) -> AddResult:
        """After saving ``article``: reindex, and report it with a passage of it."""
        report = await self._reindex(progress, cuts)
        passages = self.service.index.article_passages(article.id)
        sample = passages[0].text if passages else ""
        change = Change(ChangeKind.ADDED, article.title, article.url)
        return AddResult(change, article, sample, report)

    # -- the refresh itself -------------------------------------------------------

    async def _refresh(self, progress: Progress) -> RefreshReport:
        async with self._fetcher_factory() as fetcher:
            return await self._refresh_with(fetcher, progress)

    async def _refresh_with(self, fetcher: Fetcher, progress: Progress) -> RefreshReport:
        started = time.monotonic()
        store = self.library.store
        state = self._fetch_state()
        failures: list[Change] = []
        fetched = self._articles_with_urls()
        feeds = read_sources(store.sources_file)
        total = len(fetched) + len(feeds)
        progress("refreshing", 0, total)
        for done, article in enumerate(fetched, start=1):
            failure = await self._refetch(fetcher, state, article)
            if failure:
                failures.append(failure)
            progress("refreshing", done, total)
        known = {_key(a.url) for a in fetched}
        for done, source in enumerate(feeds, start=len(fetched) + 1):
            failures += await self._poll(fetcher, state, source, known)
            progress("refreshing", done, total)
        state.save()
        report = await self._reindex(progress, failures)
        report.seconds = time.monotonic() - started
        log.info("refresh: %s", report.summary())
        return report

    def _articles_with_urls(self) -> list[Article]:
        """The indexed articles that have a URL, read again from their files (only
        those: a corpus of local files is not read here at all)."""
        files = self.library.home.known_files()
        found = []
        for file in files.values():
            if file.article.url:
                article = self.library.store.read_file(file.name)
                if article is not None and article.url:
                    found.append(article)
        return found

    async def _refetch(
        self, fetcher: Fetcher, state: FetchState, article: Article
    ) -> Change | None:
        """Fetch an article's URL again; save it if it changed. A failure leaves it as it
        was; the change returned is the failure, or the cut of a page too long."""
        validators = state.get(article.url)
        try:
            page = await fetcher.fetch(
                article.url, etag=validators.etag, last_modified=validators.last_modified
            )
            if page.not_modified:
                return None
            fresh, cut = self._article_of(page)
        except (FetchError, ImportFailed) as error:
            reason = getattr(error, "reason", None) or error.user_message
            return Change(ChangeKind.FAILED, article.title, article.url, reason)
        state.set(article.url, Validators(page.etag, page.last_modified))
        updated = replace(
            article,
            title=fresh.title or article.title,
            body=fresh.body,
            author=fresh.author or article.author,
            published=fresh.published or article.published,
        )
        if updated != article:
            self.library.store.save_article(updated)
        return cut

    async def _poll(
        self, fetcher: Fetcher, state: FetchState, source: str, known: set[str]
    ) -> list[Change]:
        """Add what a feed (or a listed page) has that the corpus doesn't."""
        validators = state.get(source)
        try:
            page = await fetcher.fetch(
                source, etag=validators.etag, last_modified=validators.last_modified
            )
        except FetchError as error:
            return [Change(ChangeKind.FAILED, source, source, error.reason)]
        if page.not_modified:
            return []
        state.set(source, Validators(page.etag, page.last_modified))
        if not looks_like_feed(page.content_type, page.text):
            return self._save_new([(source, page)], known, state)
        try:
            entries = parse_feed(page.text, page.final_url)
        except FetchError as error:
            return [Change(ChangeKind.FAILED, source, source, error.reason)]
        fresh = [e for e in entries if _key(e.url) not in known][:MAX_NEW_PER_FEED]
        pages: list[tuple[str, FetchResult | Change]] = []
        for entry in fresh:
            pages.append((entry.url, await _fetch_entry(fetcher, entry)))
        return self._save_new(pages, known, state)

    def _save_new(
        self, pages: list[tuple[str, FetchResult | Change]], known: set[str], state: FetchState
    ) -> list[Change]:
        failures: list[Change] = []
        corpus = self.library.store.load()
        for url, page in pages:
            if isinstance(page, Change):
                failures.append(page)
                continue
            try:
                article, cut = self._article_of(page)
            except (FetchError, ImportFailed) as error:
                reason = getattr(error, "reason", None) or error.user_message
                failures.append(Change(ChangeKind.FAILED, url, url, reason))
                continue
            known.add(_key(url))
            if _find_duplicate(corpus, article) is None and _key(article.url) not in {
                _key(a.url) for a in corpus.articles if a.url
            }:
                if cut is not None:
                    failures.append(cut)
                self.library.store.save_article(article)
                state.set(article.url, Validators(page.etag, page.last_modified))
                corpus = Corpus((*corpus.articles, article), corpus.synonyms)
            known.add(_key(article.url))
        return failures

    async def _reindex(self, progress: Progress, failures: list[Change]) -> RefreshReport:
        """Index the corpus folder as it is now and swap the new view in; the report says
        what the index changed (since the last report), then ``failures``, then what
        the folder holds that could not be used as it is."""
        served = self.service.index
        # Under the refresh lock already (``_exclusive``).
        sync = functools.partial(self.library.sync, progress, locked=True)
        synced = await asyncio.to_thread(sync)
        corpus, changes = synced.corpus, synced.changes
        renewed = synced.view.engine is not served.engine or synced.view.synonyms != served.synonyms
        if changes or renewed:
            self.service.swap(synced.view)  # (the same articles: nothing to prepare anew)
            if self.library.embedding_in_background:  # a running bot: vectors for new passages
                self.library.embed_in_background(self.service)
        listed = [
            *(Change(ChangeKind.ADDED, a.title, a.url) for a in changes.added),
            *(Change(ChangeKind.UPDATED, a.title, a.url) for a in changes.updated),
            *(Change(ChangeKind.REMOVED, a.title, a.url) for a in changes.removed),
        ]
        problems = [Change(ChangeKind.FAILED, s.name, "", s.reason) for s in corpus.skipped]
        problems += [Change.cut(t) for t in corpus.truncated]
        return RefreshReport(
            changes=listed + failures + problems,
            articles=len(corpus.articles),
            passages=synced.view.size,
            # An article whose page failed is kept as it was: counted as failed, not also
            # as unchanged, so the counts add up to the articles.
            unchanged=changes.unchanged - _kept_after_failing(corpus, changes, failures),
            rebuilt=changes.rebuilt,
        )

    def _article_of(self, page: FetchResult) -> tuple[Article, Change | None]:
        """The page's article, cut to ARTICLE_MAX_CHARS; the cut as a change, if any."""
        extracted = extract_article(page.text, page.final_url, content_type=page.content_type)
        article = article_from_extracted(extracted)
        article, cut = limit_article(article, self.library.settings.article_max_chars, page.url)
        if cut is None:
            return article, None
        log.warning("%s: %s", page.url, cut.reason)
        return article, Change.cut(cut, article.url or page.url)

    def _fetch_state(self) -> FetchState:
        return FetchState(self.library.data_dir / "fetch_state.json")

    # -- one at a time ------------------------------------------------------------

    @asynccontextmanager
    async def _observed(self) -> AsyncIterator[None]:
        """Tells the observer of a refresh that didn't run ("busy") or failed ("error")."""
        try:
            yield
        except RefreshInProgress:
            self._observer("busy", None)
            raise
        except Exception:
            self._observer("error", None)
            raise

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        if not self.library.can_refresh:
            raise ReadOnlyIndex()  # a replica: the process with the corpus refreshes
        if self._lock.locked():
            raise RefreshInProgress()
        async with self._lock:  # this process; the refresh lock: every other one
            if not await asyncio.to_thread(self._refresh_lock.acquire):
                raise RefreshInProgress()
            try:
                yield
            finally:
                await asyncio.to_thread(self._refresh_lock.release)


async def _fetch_entry(fetcher: Fetcher, entry: FeedEntry) -> FetchResult | Change:
    try:
        return await fetcher.fetch(entry.url)
    except FetchError as error:
        return Change(ChangeKind.FAILED, entry.title or entry.url, entry.url, error.reason)


def _key(url: str) -> str:
    try:
        return canonical_url(url)
    except FetchError:
        return url


def _find_duplicate(corpus: Corpus, article: Article) -> Article | None:
    """The same article already in the corpus: same canonical URL, or the same text."""
    key = _key(article.url) if article.url else None
    for existing in corpus.articles:
        if key and existing.url and _key(existing.url) == key:
            return existing
        if existing.body == article.body:
            return existing
    return None


def _kept_after_failing(corpus: Corpus, changes: IndexChanges, failures: list[Change]) -> int:
    """How many of the unchanged articles are there only because their page failed."""
    failed = {_key(c.source) for c in failures if c.kind is ChangeKind.FAILED and c.source}
    changed = {a.id for a in (*changes.added, *changes.updated)}
    return sum(
        1 for a in corpus.articles if a.url and a.id not in changed and _key(a.url) in failed
    )
