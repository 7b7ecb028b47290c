"""What the running bot counts, and whether it is healthy, for an operator's monitoring.

``Metrics`` keeps its own Prometheus registry (never the global one, so two bots or two
tests never share counts); the front ends call its small recording methods and know
nothing of Prometheus. ``bot.health_server`` serves it over HTTP (METRICS_LISTEN):

    metrics = Metrics()
    metrics.watch(service)                  # corpus size and retrieval mode, read at scrape
    metrics.question("answered", seconds=0.012)
    metrics.telegram_contact()              # a getUpdates (or webhook delivery) succeeded
    healthy, body = metrics.health()

Healthy means: the index is loaded, its search engine answers (an OpenSearch cluster
can be down: the bot then starts, or goes on, answering "unavailable"), and the last
successful call for updates (or webhook delivery) is at most ``CONTACT_MAX_AGE`` old. A
bot whose event loop is stuck stops polling, so it turns unhealthy even though the HTTP
thread still answers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from .answers import AnswerService
    from .refresh import RefreshReport

__all__ = [
    "CONTACT_MAX_AGE",
    "PROMETHEUS_CONTENT_TYPE",
    "QUESTION_OUTCOMES",
    "REFRESH_RESULTS",
    "Metrics",
]

CONTACT_MAX_AGE = 120.0  # seconds since the last good getUpdates / webhook delivery
PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
QUESTION_OUTCOMES = ("answered", "not_found", "refused", "unavailable", "throttled", "dropped")
REFRESH_RESULTS = ("ok", "partial", "error", "busy")
RETRIEVAL_MODES = ("hybrid", "bm25")
TELEGRAM_ERROR_KINDS = ("flood", "timeout", "network", "bad_request", "forbidden", "other")
# Answer latency buckets, seconds: answers take milliseconds; a slow one a second or more.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The bot's counters, gauges and histograms, and its health."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._service: AnswerService | None = None
        self._last_contact: float | None = None
        self._contact_kind = "getUpdates"
        r = self.registry
        self._questions = Counter(
            "article_qa_questions", "Questions, by outcome.", ["outcome"], registry=r
        )
        for outcome in QUESTION_OUTCOMES:
            self._questions.labels(outcome)
        self._answer_seconds = Histogram(
            "article_qa_answer_seconds",
            "Time to answer a question (search, relevance, excerpts), in seconds.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self._refreshes = Counter(
            "article_qa_refreshes",
            "Corpus refreshes, by result.",
            ["result"],
            registry=r,
        )
        for result in REFRESH_RESULTS:
            self._refreshes.labels(result)
        self._last_refresh = Gauge(
            "article_qa_last_refresh_success_timestamp_seconds",
            "Unix time of the last refresh that finished (0: none yet).",
            registry=r,
        )
        self._telegram_errors = Counter(
            "article_qa_telegram_api_errors", "Failed Bot API calls, by kind.", ["kind"], registry=r
        )
        for kind in TELEGRAM_ERROR_KINDS:
            self._telegram_errors.labels(kind)
        self._telegram_retries = Counter(
            "article_qa_telegram_api_retries",
            "Bot API calls sent again after Too Many Requests.",
            registry=r,
        )
        r.register(_ServiceCollector(self))

    # -- recording ---------------------------------------------------------------------

    def watch(self, service: AnswerService) -> None:
        """Report on ``service``: once set, the index counts as loaded."""
        self._service = service

    def question(self, outcome: str, *, seconds: float | None = None) -> None:
        """One question and what became of it; ``seconds`` is how long answering took."""
        self._questions.labels(outcome).inc()
        if seconds is not None:
            self._answer_seconds.observe(seconds)

    def refreshed(self, result: str, report: RefreshReport | None = None) -> None:
        self._refreshes.labels(result).inc()
        if result in ("ok", "partial"):
            self._last_refresh.set(self._wall_clock())

    def telegram_error(self, kind: str) -> None:
        self._telegram_errors.labels(kind if kind in TELEGRAM_ERROR_KINDS else "other").inc()

    def telegram_retry(self) -> None:
        self._telegram_retries.inc()

    def telegram_contact(self, kind: str = "getUpdates") -> None:
        """Updates could be received just now (a getUpdates answered, a webhook delivery)."""
        with self._lock:
            self._last_contact = self._clock()
            self._contact_kind = kind

    # -- reading -----------------------------------------------------------------------

    def health(self) -> tuple[bool, dict[str, Any]]:
        """Whether the bot is healthy, and a small JSON-able body saying why (not)."""
        with self._lock:
            last, kind = self._last_contact, self._contact_kind
        problems = []
        service = self._service
        search_problem = service.search_problem if service is not None else None
        if service is None:
            problems.append("the index is not loaded yet")
        elif search_problem is not None:
            problems.append(f"search engine {service.index.engine.name}: {search_problem}")
        age = None if last is None else max(0.0, self._clock() - last)
        if age is None:
            problems.append("no successful call for updates yet")
        elif age > CONTACT_MAX_AGE:
            problems.append(
                f"the last successful {kind} was {age:.0f} s ago "
                f"(more than {CONTACT_MAX_AGE:.0f} s)"
            )
        body: dict[str, Any] = {
            "status": "unhealthy" if problems else "ok",
            "index_loaded": service is not None and not service.standing_in,
            "last_update_contact_seconds_ago": None if age is None else round(age, 1),
            "problems": problems,
        }
        if service is not None:
            body["retrieval"] = service.mode
            body["search"] = {
                "engine": service.index.engine.name,
                "up": search_problem is None,
                "problem": search_problem,
            }
        return not problems, body

    def exposition(self) -> bytes:
        """Every metric in the Prometheus text format."""
        return generate_latest(self.registry)

    @property
    def service(self) -> AnswerService | None:
        return self._service


class _ServiceCollector(Collector):
    """Corpus size and retrieval mode, read from the served index at each scrape."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[GaugeMetricFamily]:
        service = self._metrics.service
        articles = GaugeMetricFamily("article_qa_corpus_articles", "Articles served.")
        passages = GaugeMetricFamily("article_qa_corpus_passages", "Passages served.")
        mode = GaugeMetricFamily(
            "article_qa_retrieval_mode",
            "1 for the retrieval answering now: hybrid (BM25 + vectors) or bm25.",
            labels=["mode"],
        )
        search_up = GaugeMetricFamily(
            "article_qa_search_up",
            "1 while the search engine answers (0: an OpenSearch cluster is unreachable).",
            labels=["engine"],
        )
        if service is not None:
            up = service.search_problem is None
            search_up.add_metric([service.index.engine.name], 1.0 if up else 0.0)
            index = service.index
            articles.add_metric([], len(index.corpus.articles))
            passages.add_metric([], index.size)
            for name in RETRIEVAL_MODES:
                mode.add_metric([name], 1.0 if service.mode == name else 0.0)
        yield from (articles, passages, mode, search_up)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())
