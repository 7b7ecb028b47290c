"""`python -m bot refresh` says exactly what changed in the corpus folder, with each engine,
in a fresh process, and so does the first refresh after a start-up that caught up.

The first refresh is a process of its own; the commands after it run in this process
(``bot_cli``), each with a library of its own, as a new process would."""

from __future__ import annotations

import asyncio
import json
import re
import shutil

import pytest

from bot import Library, Settings
from bot.corpus import Article, CorpusStore
from bot.refresh import ChangeKind, Refresher
from tests.conftest import PROJECT
from tests.test_cli import run_cli

WIND = Article(
    id="a0000000001",
    title="누리시 풍력",
    body="가상의 도시 누리시는 2031년에 해상 풍력 발전소를 세웠다. 발전소는 바다 위에 있다.",
)
CORAL = Article(
    id="a0000000002",
    title="누리시 산호",
    body="누리시 앞바다에는 붉은 산호 군락이 자란다. 잠수부들이 산호를 지킨다.",
)
KELP = Article(
    id="a0000000003",
    title="누리시 해초",
    body="누리시 바다에는 푸른 해초 숲이 있다. 해초 숲은 물고기의 집이다.",
)


def counts(line: str) -> dict[str, int]:
    """The counts of a report's summary line ("refresh finished in 1 s: added 1, …; …")."""
    changes = line.split(": ", 1)[1].split(";")[0]
    return {kind: int(n) for kind, n in re.findall(r"(\w+) (\d+)", changes)}


@pytest.fixture
def folders(tmp_path, analyzer, request):
    """A corpus of the bundled articles plus two, indexed with the engine asked for."""
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT / "corpus", corpus)
    store = CorpusStore(corpus)
    store.save_article(WIND)
    store.save_article(CORAL)
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data", search_engine=request.param)
    library = Library(settings, analyzer=analyzer)
    library.build_index()
    library.close()
    return settings, store


@pytest.mark.parametrize("folders", ["bm25", "tantivy"], indirect=True)
def test_refresh_reports_what_changed_in_a_fresh_process(folders, bot_cli):
    settings, store = folders
    env = {"CORPUS_DIR": str(settings.corpus_dir), "SEARCH_ENGINE": settings.search_engine}
    store.save_article(KELP)  # added
    store.save_article(WIND.with_changes(body=WIND.body.replace("2031", "2035")))  # updated
    store.remove_article(CORAL.id)  # removed

    first = run_cli("refresh", env=env, data_dir=settings.data_dir)
    assert first.returncode == 0, first.stderr
    summary, *lines = first.stdout.splitlines()
    assert counts(summary) == {"added": 1, "updated": 1, "removed": 1, "unchanged": 2, "failed": 0}
    assert "4 articles" in summary
    assert {line.strip() for line in lines} >= {
        "added: 누리시 해초",
        "updated: 누리시 풍력",
        "removed: 누리시 산호",
    }

    asked = bot_cli(  # one process, one question a line
        "ask",
        "--json",
        env=env,
        data_dir=settings.data_dir,
        stdin="누리시 풍력 발전소는 언제 세웠나?\n붉은 산호 군락\n",
    )
    changed, gone = (json.loads(line) for line in asked.stdout.splitlines())
    assert "2035" in changed["results"][0]["passage"]
    assert all("산호" not in r["passage"] for r in gone["results"])

    second = bot_cli("refresh", env=env, data_dir=settings.data_dir)
    assert counts(second.stdout.splitlines()[0]) == {
        "added": 0,
        "updated": 0,
        "removed": 0,
        "unchanged": 4,
        "failed": 0,
    }

    # `index` (what `make run` does first) says what it changed, too.
    store.save_article(KELP.with_changes(title="누리시 해초 숲"))
    indexed = bot_cli("index", env=env, data_dir=settings.data_dir)
    assert indexed.stdout.rstrip().endswith("added 0, updated 1, removed 0, unchanged 3")


@pytest.mark.parametrize("folders", ["bm25", "tantivy"], indirect=True)
def test_the_first_refresh_after_a_catch_up_reports_the_changes_made_while_stopped(
    folders, analyzer
):
    settings, store = folders
    store.save_article(KELP)
    store.remove_article(CORAL.id)

    library = Library(settings, analyzer=analyzer)
    service = library.open_service()
    assert library.catching_up is not None
    library.catching_up.join(timeout=60)
    assert KELP.id in service.index.articles  # caught up: answers see the new article
    library.close()

    # Another start, then a refresh: the changes were never reported, so they are now.
    restarted = Library(settings, analyzer=analyzer)
    refresher = Refresher(restarted, restarted.open_service())
    report = asyncio.run(refresher.refresh())
    assert [c.title for c in report.of(ChangeKind.ADDED)] == ["누리시 해초"]
    assert [c.title for c in report.of(ChangeKind.REMOVED)] == ["누리시 산호"]
    assert report.count(ChangeKind.UNCHANGED) == 3

    again = asyncio.run(refresher.refresh())
    assert not again.of(ChangeKind.ADDED) and not again.of(ChangeKind.REMOVED)
