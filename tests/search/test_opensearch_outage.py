"""The bot without its cluster: it starts, says so in /healthz, the log and its answers,
and recovers by itself when the cluster comes up (an osmem-server started later on the
port the bot was told); a cluster lost later is said the same way."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bot import Library, Settings
from bot.answers import AnswerStatus
from bot.health_server import HealthServer
from bot.metrics import Metrics
from bot.presentation import present_answer
from bot.texts import ENGLISH, KOREAN

from .conftest import closed_port

PROJECT = Path(__file__).resolve().parents[2]
QUESTION = "DeepSeek v3 훈련 비용은 얼마였나요?"


def healthz(server: HealthServer) -> tuple[int, dict[str, Any]]:
    host, port = server.address
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def search_up(metrics: Metrics) -> str:
    (line,) = [
        line
        for line in metrics.exposition().decode().splitlines()
        if line.startswith("article_qa_search_up{")
    ]
    return line


def test_the_bot_starts_without_its_cluster_and_recovers_when_it_comes(
    analyzer: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("opensearchpy", reason="the opensearch extra is not installed")
    osmem = pytest.importorskip("osmem_server", reason="osmem-server is not installed")
    port = closed_port()
    settings = Settings(
        corpus_dir=PROJECT / "corpus",
        data_dir=tmp_path / "data",
        retrieval="bm25",
        search_engine="opensearch",
        opensearch_url=f"http://127.0.0.1:{port}",
        opensearch_index="passages",
        opensearch_wait_seconds=60,  # for one-shot commands; the bot doesn't wait
    )
    library = Library(settings, analyzer=analyzer)
    library._reconnecting.delays = (0.05, 0.2)  # retried quickly here
    metrics = Metrics()
    health = HealthServer(metrics, "127.0.0.1", 0).start()
    server = None
    try:
        with caplog.at_level(logging.INFO):
            service = library.open_service(degraded=True)
        # Not waited for, yet the settings the later syncs and locks use are left as they are.
        assert library.home.remote is not None and library.home.remote.wait_seconds == 60
        metrics.watch(service)
        metrics.telegram_contact()  # Telegram is fine: only the cluster is missing

        status, body = healthz(health)
        assert status == 503
        assert body["index_loaded"] is False
        assert body["search"]["engine"] == "opensearch" and body["search"]["up"] is False
        assert f"OPENSEARCH_URL=http://127.0.0.1:{port} is unreachable" in body["search"]["problem"]
        (problem,) = body["problems"]
        assert problem.startswith("search engine opensearch: OpenSearch at OPENSEARCH_URL=")
        assert any(
            "the search engine (SEARCH_ENGINE=opensearch) is unavailable" in r.getMessage()
            for r in caplog.records
        )
        assert search_up(metrics) == 'article_qa_search_up{engine="opensearch"} 0.0'

        answer = service.ask(QUESTION)
        assert answer.status is AnswerStatus.UNAVAILABLE
        assert present_answer(answer, KOREAN).message == KOREAN.unavailable
        assert "try again shortly" in present_answer(answer, ENGLISH).message

        try:  # the cluster comes up where the bot was told to look
            server = osmem.OsmemServer.start(
                japanese=False, addr=f"127.0.0.1:{port}", startup_timeout=15
            )
        except (osmem.OsmemError, OSError) as error:
            pytest.skip(f"osmem-server could not start on port {port}: {error}")
        assert library.wait_for_search(timeout=60)  # the background retry got through

        answer = service.ask(QUESTION)  # the same service, no restart
        assert answer.answered
        assert "558만 달러에 불과한" in answer.hits[0].passage.text
        status, body = healthz(health)
        assert status == 200, body
        assert body["index_loaded"] is True
        assert body["search"] == {"engine": "opensearch", "up": True, "problem": None}
        assert search_up(metrics) == 'article_qa_search_up{engine="opensearch"} 1.0'

        server.close()  # lost while serving: said at the next question
        server = None
        assert service.ask(QUESTION).status is AnswerStatus.UNAVAILABLE
        status, body = healthz(health)
        assert status == 503 and body["search"]["up"] is False
    finally:
        if server is not None:
            server.close()
        health.stop()
        library.close()
