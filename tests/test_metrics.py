"""Health and metrics: what /healthz says and when, and the Prometheus text of /metrics,
over real HTTP requests to the server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from bot.errors import SettingsError
from bot.health_server import HealthServer
from bot.metrics import CONTACT_MAX_AGE, Metrics
from bot.settings import split_listen


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def get(server: HealthServer, path: str) -> tuple[int, str, str]:
    host, port = server.address
    try:
        with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def metrics(clock: Clock) -> Metrics:
    return Metrics(clock=clock, wall_clock=lambda: 1_700_000_000.0)


@pytest.fixture
def server(metrics: Metrics) -> Iterator[HealthServer]:
    server = HealthServer(metrics, "127.0.0.1", 0).start()
    yield server
    server.stop()


def test_healthz_is_503_until_the_index_is_loaded_and_telegram_answered(server, metrics, service):
    status, content_type, body = get(server, "/healthz")
    assert (status, content_type) == (503, "application/json")
    why = json.loads(body)
    assert why["status"] == "unhealthy" and why["index_loaded"] is False
    assert "the index is not loaded yet" in why["problems"]
    assert "no successful call for updates yet" in why["problems"]

    metrics.watch(service)
    metrics.telegram_contact("getUpdates")
    status, _, body = get(server, "/healthz")
    assert status == 200
    assert json.loads(body) == {
        "status": "ok",
        "index_loaded": True,
        "last_update_contact_seconds_ago": 0.0,
        "problems": [],
        "retrieval": service.mode,
        "search": {"engine": service.index.engine.name, "up": True, "problem": None},
    }


def test_healthz_turns_503_two_minutes_after_the_last_contact(server, metrics, clock, service):
    metrics.watch(service)
    metrics.telegram_contact("getUpdates")
    clock.now += CONTACT_MAX_AGE
    assert get(server, "/healthz")[0] == 200
    clock.now += 1
    status, _, body = get(server, "/healthz")
    assert status == 503
    assert json.loads(body)["problems"] == [
        "the last successful getUpdates was 121 s ago (more than 120 s)"
    ]


def test_metrics_are_served_in_the_prometheus_text_format(server, metrics, service):
    metrics.watch(service)
    metrics.question("answered", seconds=0.02)
    metrics.question("answered", seconds=0.03)
    metrics.question("throttled")
    metrics.refreshed("ok")
    metrics.refreshed("busy")
    metrics.telegram_error("flood")
    metrics.telegram_retry()

    status, content_type, text = get(server, "/metrics")
    assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
    lines = set(text.splitlines())
    articles = len(service.index.corpus.articles)
    for line in (
        'article_qa_questions_total{outcome="answered"} 2.0',
        'article_qa_questions_total{outcome="throttled"} 1.0',
        'article_qa_questions_total{outcome="dropped"} 0.0',
        "article_qa_answer_seconds_count 2.0",
        'article_qa_answer_seconds_bucket{le="0.025"} 1.0',
        'article_qa_refreshes_total{result="ok"} 1.0',
        'article_qa_refreshes_total{result="busy"} 1.0',
        "article_qa_last_refresh_success_timestamp_seconds 1.7e+09",
        'article_qa_telegram_api_errors_total{kind="flood"} 1.0',
        "article_qa_telegram_api_retries_total 1.0",
        f"article_qa_corpus_articles {articles:.1f}",
        f"article_qa_corpus_passages {service.index.size:.1f}",
        f'article_qa_retrieval_mode{{mode="{service.mode}"}} 1.0',
        f'article_qa_search_up{{engine="{service.index.engine.name}"}} 1.0',
    ):
        assert line in lines, line


def test_other_paths_are_not_found(server):
    assert get(server, "/")[0] == 404


def test_an_address_in_use_is_a_settings_error(server):
    host, port = server.address
    with pytest.raises(SettingsError, match=f"METRICS_LISTEN: can't listen on {host}:{port}"):
        HealthServer(Metrics(), host, port)


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_an_ipv6_address_is_served(metrics):
    host, port = split_listen("[::1]:0")
    server = HealthServer(metrics, host, port).start()
    try:
        _, bound = server.address
        with urllib.request.urlopen(f"http://[::1]:{bound}/healthz", timeout=10) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    finally:
        server.stop()
    assert status == 503  # the server answered: nothing loaded yet
