"""A private copy of the default corpus and a local web to refresh it from."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from bot import AnswerService, KoreanAnalyzer, Library, Settings
from bot.refresh import Refresher
from bot.sources import Fetcher
from tests.conftest import PROJECT
from tests.sources.conftest import loopback_policy, read_page
from tests.sources.local_web import LocalWeb


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with LocalWeb() as server:
        yield server


@pytest.fixture
def settings(tmp_path) -> Settings:
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT / "corpus", corpus)
    return Settings(corpus_dir=corpus, data_dir=tmp_path / "data")


@pytest.fixture
def library(settings: Settings, analyzer: KoreanAnalyzer) -> Library:
    return Library(settings, analyzer=analyzer)


@pytest.fixture
def service(library: Library) -> AnswerService:
    return library.open_service()


@pytest.fixture
def refresher(library: Library, service: AnswerService) -> Refresher:
    """Fetches from 127.0.0.1 only (the test server), refusing every other private address."""
    return Refresher(
        library, service, fetcher_factory=lambda: Fetcher(loopback_policy(timeout=2.0))
    )


def news_page(web: LocalWeb, path: str = "/opinion/editorial/20240315-youth-rent.html") -> str:
    return web.page(path, read_page("news_article.html"))


def feed(web: LocalWeb, name: str, content_type: str) -> str:
    text = read_page(name).replace("{base}", web.base_url)
    return web.page(f"/{name}", text, content_type=content_type)
