"""The composition root: settings → corpus folder and index home → answer service.

Both front ends (terminal and Telegram) start here: open the index (at once when
the one in the data folder is valid; a background catch-up then indexes what
changed while stopped), and answer. Every change to the index goes through
``IndexHome.sync`` (``sync`` here), and this is the only place that swaps a new
view into the answer service.

With an OpenSearch cluster, the running bot (``open_service(degraded=True)``) starts
even when the cluster is unreachable: it serves a stand-in view whose questions are
answered "unavailable" (``AnswerService.search_problem`` says why, and /healthz), and a
background thread retries with backoff until the cluster answers, then opens the index
and swaps it in. A cluster lost later is retried the same way after a failed search.
The running bot also polls the cluster (OPENSEARCH_POLL_SECONDS): when another process
has updated the index or switched the alias, a new view of it is swapped in the same way.
Every sync into the cluster (start-up indexing, catch-up, ``index``) holds the cluster's
refresh lock, as a refresh does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .answers import AnswerService
from .answers.answer import RETRIEVAL_HYBRID
from .corpus import CorpusStore
from .errors import SearchUnavailable, SettingsError
from .locks import FileLock, RefreshLock
from .progress import Progress, no_progress
from .search import (
    DenseIndex,
    EmbedderUnavailable,
    IndexHome,
    KoreanAnalyzer,
    OpenSearchConfig,
    SearchIndex,
    SemanticIndexer,
    Synced,
    TokenCache,
    load_embedder,
)
from .settings import Settings
from .sources import FetchPolicy

__all__ = ["Library"]

log = logging.getLogger(__name__)

# Retrying an unreachable search cluster: the first try after this many seconds, then
# twice as long each time, up to the second figure.
SEARCH_RETRY_SECONDS = (1.0, 30.0)
# How long a sync into the cluster waits for another process's refresh lock.
CLUSTER_LOCK_WAIT_SECONDS = 900.0


class Library:
    def __init__(self, settings: Settings, analyzer: KoreanAnalyzer | None = None) -> None:
        self.settings = settings
        self.store = CorpusStore(settings.corpus_dir, max_chars=settings.article_max_chars)
        self.analyzer = analyzer or KoreanAnalyzer()
        remote = opensearch_config(settings)
        self.home = IndexHome(
            settings.data_dir,
            self.store,
            self.analyzer,
            engine=settings.search_engine,
            remote=remote,
            refresh_enabled=settings.refresh_enabled,
            exclusive=self._cluster_exclusive if remote is not None else None,
        )
        # How often the running bot asks the cluster for another process's changes.
        self.poll_seconds = settings.opensearch_poll_seconds
        self.lock_wait_seconds = CLUSTER_LOCK_WAIT_SECONDS
        self._polling: _Poller | None = None
        self._closing = threading.Event()
        self.catching_up: threading.Thread | None = None
        self._semantic: SemanticIndexer | None = None
        self._semantic_checked = False
        self._embedding = _EmbeddingWorker()
        # The served view and the cluster's count of vectors when some of its passages
        # had none (a replica fetches them again when that count changes).
        self._short_of_vectors: tuple[SearchIndex, int] | None = None
        self._reconnecting = _Reconnector(SEARCH_RETRY_SECONDS)

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def token_cache(self) -> TokenCache:
        return self.home.token_cache

    @property
    def index_dir(self) -> Path:
        return self.home.directory

    def sync(self, progress: Progress = no_progress, *, locked: bool = False) -> Synced:
        """Bring the index up to the corpus folder (only what changed) and say what
        changed since the last report; the new view is not served yet (see swap).
        ``locked``: the caller holds the refresh lock (a refresh); otherwise a sync into
        the cluster takes it first."""
        return self.home.sync(progress, locked=locked)

    @property
    def can_refresh(self) -> bool:
        """Whether this process changes the index (see ``IndexHome.can_refresh``)."""
        return self.home.can_refresh

    @contextmanager
    def _cluster_exclusive(self) -> Iterator[None]:
        """The cluster's refresh lock, waited for while another process holds it."""
        lock = self.refresh_lock()
        deadline = time.monotonic() + self.lock_wait_seconds
        said = False
        while not lock.acquire():
            if time.monotonic() > deadline:
                raise SearchUnavailable(
                    "another process has held the cluster's refresh lock for over "
                    f"{self.lock_wait_seconds:.0f} s: not indexing now"
                )
            if not said:
                log.info("another process is changing the cluster's index: waiting for it")
                said = True
            if self._closing.wait(1.0):  # a stoppable wait for the other process
                raise SearchUnavailable("stopped while waiting for the cluster's refresh lock")
        try:
            yield
        finally:
            lock.release()

    def build_index(self, progress: Progress = no_progress) -> SearchIndex:
        """The index of the corpus folder as it is now (``sync``'s view)."""
        return self.sync(progress).view

    @property
    def semantic(self) -> SemanticIndexer | None:
        """The semantic side RETRIEVAL asks for: None with ``bm25``, or with ``auto`` where
        the model can't be loaded (said once in the log)."""
        if not self._semantic_checked:
            self._semantic_checked = True
            if self.settings.retrieval != "bm25":
                try:
                    embedder = load_embedder()
                except EmbedderUnavailable as error:
                    if self.settings.retrieval == "hybrid":
                        raise SettingsError(f"RETRIEVAL=hybrid, but {error}") from error
                    log.warning(
                        "semantic retrieval is unavailable (%s): answering with BM25", error
                    )
                else:
                    self._semantic = self.home.semantic_component(embedder)
        return self._semantic

    def embed(self, index: SearchIndex, progress: Progress = no_progress) -> DenseIndex | None:
        """Embed the passages of ``index`` that have no vector yet (at once: the CLI's
        ``index`` and ``refresh``); None without the semantic side."""
        semantic = self.semantic
        if semantic is None:
            return None
        vectors = semantic.vectors(index, progress=progress)
        log.info("semantic vectors ready: %d of %d passages", vectors.size, vectors.total)
        semantic.embed_everyday()
        semantic.embed_sentences(index, progress=progress)
        semantic.embed_words(index, progress=progress)
        self._prune_vectors(semantic, index)
        return vectors

    def embed_for(self, service: AnswerService, progress: Progress = no_progress) -> None:
        """``embed`` the service's index, then answer with the vectors."""
        index = service.index
        vectors = self.embed(index, progress)
        semantic = self.semantic
        if vectors is not None and semantic is not None:
            _use_vectors(service, semantic, vectors, index)

    @property
    def embedding_in_background(self) -> bool:
        """Whether ``embed_in_background`` was asked for (a long-running bot)."""
        return self._embedding.started

    def embed_in_background(self, service: AnswerService) -> None:
        """Like ``embed``, in a background thread; a call while it runs makes it run again
        when done (after a refresh), so the latest index always gets its vectors."""
        if self.semantic is not None:
            self._embedding.request(lambda stop: self._embed_until(service, stop))

    def wait_for_embedding(self) -> None:
        """Until the background embedding asked for so far is done (tests, benchmarks)."""
        self._embedding.join()

    def _embed_until(self, service: AnswerService, stop: threading.Event) -> None:
        semantic = self.semantic
        assert semantic is not None
        index = service.index
        if service.mode != RETRIEVAL_HYBRID and index.size > semantic.exact_limit:
            # Before embedding what is new and building the graph (minutes at a large
            # corpus), the vectors made already answer, searched exactly.
            made = semantic.vectors(index, embed=False, graph=False)
            _use_vectors(service, semantic, made, index)
        vectors = semantic.vectors(index, stop=stop.is_set)
        # A newer view swapped in meanwhile keeps its own: a job for it runs next.
        if _use_vectors(service, semantic, vectors, index):
            log.info("semantic vectors: %d of %d passages", vectors.size, vectors.total)
            # The sentences and words take as long again: a newer view's job doesn't wait.
            superseded = self._superseded(service, index, stop)
            self._sentences_and_words_for(semantic, index, True, superseded)
            if not superseded():
                self._prune_vectors(semantic, index)

    @staticmethod
    def _sentences_and_words_for(
        semantic: SemanticIndexer, index: SearchIndex, embed: bool, stop: Callable[[], bool]
    ) -> None:
        """``embed_everyday``, ``embed_sentences`` and ``embed_words``, in a background job: a
        cluster out of reach leaves them for a later job (answers rank as without them
        meanwhile)."""
        try:
            semantic.embed_everyday(embed=embed)
            semantic.embed_sentences(index, embed=embed, stop=stop)
            semantic.embed_words(index, embed=embed, stop=stop)
        except SearchUnavailable as error:
            log.warning("the sentences' or words' vectors could not be fetched: %s", error)

    def _superseded(
        self, service: AnswerService, index: SearchIndex, stop: threading.Event
    ) -> Callable[[], bool]:
        """Whether an embedding job for ``index`` should end: asked to, or another view is
        served, or another job waits (a refresh's or a poll's)."""
        return lambda: stop.is_set() or self._embedding.pending or service.index is not index

    def _prune_vectors(self, semantic: SemanticIndexer, index: SearchIndex) -> None:
        """The refreshing process deletes the cluster's vectors of texts ``index`` no
        longer has (changed, removed, or a whole corpus rebuilt): see cluster_vectors.py."""
        from .search.cluster_vectors import ClusterVectorCache

        cache = semantic.cache
        if not isinstance(cache, ClusterVectorCache) or not cache.write:
            return
        try:
            removed = cache.prune(semantic.keys(index))
        except SearchUnavailable as error:  # the next sync prunes them
            log.warning("could not prune the cluster's passage vectors: %s", error)
            return
        if removed:
            log.info("pruned %d passage vectors no passage has any more from the cluster", removed)

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

    def open_service(
        self,
        progress: Progress = no_progress,
        *,
        degraded: bool = False,
        vectors_now: bool = True,
    ) -> AnswerService:
        """The answer service, answering as soon as it can.

        Kiwi loads in the background. A valid index in the data folder is served at
        once, without even listing the corpus folder; a background thread then checks
        the folder and indexes what changed while the bot was stopped (``catching_up``;
        its changes are kept for the next refresh report).

        ``degraded`` (the running bot): an unreachable OpenSearch cluster is not waited
        for; the service answers "unavailable" until the cluster is back (see the module
        docstring). Otherwise (one-shot commands) its error is raised, after
        OPENSEARCH_WAIT_SECONDS.

        Without ``vectors_now`` (a bot that calls ``embed_in_background`` next), a large
        corpus' vectors are not read before the first answer (about 26 s at a million
        passages): BM25 answers meanwhile, and the embedding job swaps them in.
        """
        self.preload_analyzer()
        try:
            # Not waited for by the bot: retried in the background (home.remote is left as
            # it is, for the syncs and locks that follow).
            index = self.home.open(progress, verify=False, wait=not degraded)
        except SearchUnavailable as error:
            if not degraded:
                raise
            log.error(
                "the search engine (SEARCH_ENGINE=%s) is unavailable: %s; answering "
                "'unavailable' and trying again in the background",
                self.settings.search_engine,
                error,
            )
            reason = str(error)
            service = AnswerService(
                self.home.stand_in(reason),
                top=self.settings.results_per_answer,
                unavailable=reason,
            )
            self._watch_search(service)
            self._reconnecting.request(lambda: self._reconnect(service))
            self._poll(service)
            return service
        service = AnswerService(index, top=self.settings.results_per_answer)
        self._serve(service, index, vectors_now=vectors_now)
        if degraded:
            self._watch_search(service)
            self._poll(service)
        return service

    def _poll(self, service: AnswerService) -> None:
        """With the cluster, the running bot checks for other processes' changes."""
        if self.home.remote is not None and self._polling is None:
            self._polling = _Poller(self.poll_seconds, lambda: self._follow_cluster(service))
            self._polling.start()

    def _follow_cluster(self, service: AnswerService) -> bool:
        """One poll: a new view swapped in when the cluster's index is not the one served
        (another process updated or rebuilt it); whether one was."""
        from .search.opensearch_engine import current_stamp

        remote = self.home.remote
        if remote is None or service.standing_in or self.home.busy:
            return False  # reconnecting, or this process is writing it now
        client = self.home.cluster_client()
        if current_stamp(remote, client) in ("", service.index.stamp):
            return self._refetch_vectors(service)
        # Not waited for (OPENSEARCH_WAIT_SECONDS): a poll that outlived ``close``'s join
        # would use the client being closed; the next poll tries again.
        view = self.home.cluster_view(wait=False)
        if view.stamp == service.index.stamp or _older(view.stamp, service.index.stamp):
            return False  # a newer view was swapped in meanwhile (a sync, a reconnect)
        service.swap(view)
        if self.semantic is not None:
            self._vectors_for(service, view)
        log.info(
            "the cluster's index changed (%s): answering from %d passages", view.stamp, view.size
        )
        return True

    def _vectors_for(self, service: AnswerService, view: SearchIndex) -> None:
        """The vectors of ``view``, swapped in by a poll, made in the embedding thread (not
        the poller's: building them takes a while at a large corpus). A process that
        refreshes embeds what is new (when it embeds in the background); a replica only
        takes what is cached or in the cluster, and takes it again at a later poll while
        some are missing and the cluster's count of vectors has changed (the process that
        refreshes embeds them)."""
        semantic = self.semantic
        assert semantic is not None
        embed = self.can_refresh and self.embedding_in_background

        def job(stop: threading.Event) -> None:
            stored = _stored_vectors(semantic)  # before: what is written meanwhile is new
            vectors = semantic.vectors(view, embed=embed, stop=stop.is_set)
            if _use_vectors(service, semantic, vectors, view):
                self._short_of_vectors = (view, stored) if vectors.size < vectors.total else None
                # The sentences' the cluster has come with each view's vectors (not with
                # every poll: the writer embeds them for as long again as the passages).
                self._sentences_and_words_for(
                    semantic, view, embed, self._superseded(service, view, stop)
                )

        self._embedding.request(job, asked=False)

    def _refetch_vectors(self, service: AnswerService) -> bool:
        """A poll with no new view: a replica whose served view lacks vectors fetches
        them again once the cluster holds more (``_vectors_for``); whether it does."""
        short = self._short_of_vectors
        if short is None or short[0] is not service.index or self.semantic is None:
            return False
        if _stored_vectors(self.semantic) == short[1]:
            return False
        self._short_of_vectors = None  # the job says again if some are still missing
        self._vectors_for(service, service.index)
        return True

    def _serve(
        self, service: AnswerService, index: SearchIndex, *, vectors_now: bool = True
    ) -> None:
        """What follows opening ``index`` for ``service``: its vectors (unless they are
        left to the embedding job: see ``open_service``), and the catch-up."""
        unverified = not self.home.verified
        if unverified:  # served without reading the folder: say what it held last time
            for problem in self.home.corpus_problems:
                log.warning("corpus %s (when last indexed): %s", self.store.root, problem)
        semantic = self.semantic
        if semantic is not None and (vectors_now or index.size <= semantic.exact_limit):
            # The vectors already made; embedding is asked for. Not waiting for a graph
            # to be built (minutes at a million passages): the embedding job builds it.
            vectors = semantic.vectors(index, embed=False, graph=False)
            _use_vectors(service, semantic, vectors, index)
        if unverified:
            self.catching_up = threading.Thread(
                target=self._catch_up, args=(service,), name="catch-up", daemon=True
            )
            self.catching_up.start()

    def _watch_search(self, service: AnswerService) -> None:
        """A failed search starts the background retries (until the engine answers)."""
        if self.home.remote is not None:
            service.on_search_failure = lambda _reason: self._reconnecting.request(
                lambda: self._reconnect(service)
            )

    def _reconnect(self, service: AnswerService) -> None:
        """One try: open the index and swap it in (a stand-in served), or ask the served
        engine how many passages it holds; raises ``SearchUnavailable`` while it can't."""
        if service.standing_in:
            index = self.home.open(verify=False, wait=False)
            service.swap(index)
            self._serve(service, index)
            if self.embedding_in_background:
                self.embed_in_background(service)
            log.info("the search engine is reachable: answering from %d passages", index.size)
        else:
            engine = service.index.engine
            # A request to the cluster, through the alias: the index this view reads may
            # have been replaced (and deleted) by another process meanwhile.
            probe = getattr(engine, "probe", None)
            _ = probe() if callable(probe) else engine.size
            service.search_recovered()

    def wait_for_search(self, timeout: float) -> bool:
        """Until the background retries have reached the search engine (tests); whether
        they have."""
        return self._reconnecting.wait(timeout)

    def refresh_lock(self) -> RefreshLock:
        """One refresh at a time: per data folder (a lock file), or, with an OpenSearch
        cluster, across every process and machine using it (a lock document there)."""
        remote = self.home.remote
        if remote is not None:
            from .search.cluster_lock import ClusterLock

            return ClusterLock(remote, client=self.home.cluster_client())  # the home's
        return FileLock(self.data_dir / "refresh.lock")

    def _catch_up(self, service: AnswerService) -> None:
        try:
            if not self.home.matches():
                service.swap(self.home.sync(reported=False).view)
                if self.embedding_in_background:
                    self.embed_in_background(service)
        except Exception:
            log.exception("could not index the corpus changes made while stopped")

    def close(self) -> None:
        self._closing.set()
        if self._polling is not None:
            self._polling.stop()
        self._reconnecting.stop()
        self._embedding.stop()
        self.home.close()


def _older(stamp: str, than: str) -> bool:
    """Whether ``stamp`` is an earlier generation of the same index as ``than`` (stamps
    are ``<index>:<generation>``): never swapped in over it."""
    index, _, generation = stamp.rpartition(":")
    served, _, served_generation = than.rpartition(":")
    if index != served or not (generation.isdigit() and served_generation.isdigit()):
        return False  # another index: the alias moved (indexes are compared by nothing else)
    return int(generation) < int(served_generation)


def _stored_vectors(semantic: SemanticIndexer) -> int:
    """How many vectors the cluster holds (0 when they are kept only locally)."""
    from .search.cluster_vectors import ClusterVectorCache

    cache = semantic.cache
    return cache.stored() if isinstance(cache, ClusterVectorCache) else 0


def opensearch_config(settings: Settings) -> OpenSearchConfig | None:
    """The cluster's settings, with SEARCH_ENGINE=opensearch (the index's, the refresh
    lock's and the chat history's)."""
    if settings.search_engine != "opensearch":
        return None
    return OpenSearchConfig(
        url=settings.opensearch_url,
        index=settings.opensearch_index,
        username=settings.opensearch_username,
        password=settings.opensearch_password,
        verify_certs=settings.opensearch_verify_certs,
        ca_certs=settings.opensearch_ca_certs,
        wait_seconds=settings.opensearch_wait_seconds,
    )


class _EmbeddingWorker:
    """One background thread for embedding jobs; a request while one runs is kept and
    run next (only the latest), and ``stop`` ends the current job at its next batch."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: Callable[[threading.Event], None] | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.started = False

    def request(self, job: Callable[[threading.Event], None], *, asked: bool = True) -> None:
        """``asked`` False: a job of the library's own (a poll's), which does not make
        the process one that embeds in the background."""
        with self._lock:
            self.started = self.started or asked
            self._pending = job
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="embedding", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                job, self._pending = self._pending, None
                if job is None:
                    self._thread = None
                    return
            try:
                job(self._stop)
            except Exception:
                log.exception("embedding the passages failed: answering with BM25 meanwhile")

    @property
    def pending(self) -> bool:
        """A job waits for the current one to end."""
        return self._pending is not None

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=10)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the jobs asked for so far (tests, benchmarks)."""
        while (thread := self._thread) is not None and thread.is_alive():
            thread.join(timeout)
            if timeout is not None:
                return


class _Poller:
    """A background thread running ``job`` every ``seconds`` until stopped; a failure is
    logged (the reconnect path deals with an unreachable cluster) and polling goes on."""

    def __init__(self, seconds: float, job: Callable[[], bool]) -> None:
        self.seconds = seconds
        self.job = job
        # Polls that changed something (a view swapped in, vectors fetched again), for
        # tests waiting on a condition.
        self.swapped = 0
        self.changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cluster-poll", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                swapped = self.job()
            except SearchUnavailable as error:
                log.debug("polling the cluster: %s", error)
                continue
            except Exception:
                log.exception("polling the cluster failed")
                continue
            if swapped:
                with self.changed:
                    self.swapped += 1
                    self.changed.notify_all()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)


class _Reconnector:
    """One background thread retrying a job with backoff until it stops raising
    ``SearchUnavailable``; a request while one runs is the same retry."""

    def __init__(self, delays: tuple[float, float]) -> None:
        self.delays = delays  # the first delay, and the longest
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._done = threading.Event()

    def request(self, job: Callable[[], None]) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._done.clear()
            self._thread = threading.Thread(
                target=self._run, args=(job,), name="search-reconnect", daemon=True
            )
            self._thread.start()

    def _run(self, job: Callable[[], None]) -> None:
        delay, longest = self.delays
        while not self._stop.wait(delay):  # a stoppable wait, not a sleep
            try:
                job()
            except SearchUnavailable as error:
                delay = min(delay * 2, longest)
                log.warning("%s; trying again in %.0f s", error, delay)
                continue
            except Exception:
                delay = min(delay * 2, longest)
                log.exception("reopening the index failed; trying again in %.0f s", delay)
                continue
            self._done.set()
            return

    def wait(self, timeout: float) -> bool:
        return self._done.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=10)


def _use_vectors(
    service: AnswerService, semantic: SemanticIndexer, vectors: DenseIndex, index: SearchIndex
) -> bool:
    """``service.use_vectors`` with the views of the sentences', words' and everyday
    topics' vectors."""
    return service.use_vectors(
        semantic.embedder,
        vectors,
        index=index,
        sentences=semantic.sentences,
        words=semantic.words,
        everyday=semantic.everyday,
    )
