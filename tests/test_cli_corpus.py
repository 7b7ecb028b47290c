"""The command line with a corpus folder that holds bad items, or changed while stopped."""

from __future__ import annotations

import functools
import json
import resource
import shutil
import threading

import pytest

from bot import Library, Settings, cli
from bot.corpus import Article, CorpusStore
from tests.conftest import PROJECT
from tests.corpus.test_bad_files import BAD_ITEMS, OTHER, article_bytes, write
from tests.test_cli import run_cli

NEW = Article(
    id="a0000000009",
    title="누리시 바다 목장",
    body="누리시 앞바다의 전복 목장은 2032년에 문을 열었다. 목장에는 해초 숲이 있다.",
)


def limited_memory() -> None:
    """In the child: a runaway read (/dev/zero) fails with MemoryError, not the machine."""
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, resource.RLIM_INFINITY))


@pytest.fixture
def corpus(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT / "corpus", corpus)
    return corpus


def test_index_and_ask_skip_every_bad_item_and_say_why(tmp_path, corpus):
    write(tmp_path / "outside.txt", article_bytes(OTHER))
    for make, _ in BAD_ITEMS.values():
        make(corpus / "articles")
    # A duplicate of a bundled article (the table's duplicates an article not here).
    shutil.copy(corpus / "articles" / "c75d16148f19.txt", corpus / "articles" / "zz-copy.txt")
    env = {"CORPUS_DIR": str(corpus)}
    data = tmp_path / "data"

    indexed = run_cli("index", env=env, data_dir=data, preexec_fn=limited_memory, timeout=60)
    assert indexed.returncode == 0, indexed.stderr
    assert indexed.stdout.startswith("2 articles")
    for name, reason in [
        ("x.txt", "a FIFO"),
        ("zero.txt", "a symlink out of the corpus folder"),
        ("bad\\xff.txt", "the file name is not UTF-8"),
        ("loop.txt", "a symlink loop"),
        ("zz-copy.txt", "id c75d16148f19 is already used"),
    ]:
        assert f"{name}: {reason}" in indexed.stderr
    assert "Traceback" not in indexed.stderr

    asked = run_cli(
        "ask",
        "DeepSeek v3 훈련 비용은?",
        "--json",
        env=env,
        data_dir=data,
        timeout=60,
        preexec_fn=limited_memory,
    )
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["answered"] is True


@pytest.fixture
def stale(tmp_path, corpus, analyzer, monkeypatch) -> Settings:
    """A tantivy index of the corpus, then an article added while nothing ran; the CLI
    in this process, with the loaded analyzer."""
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data", search_engine="tantivy")
    library = Library(settings, analyzer=analyzer)
    library.build_index()
    library.close()
    CorpusStore(corpus).save_article(NEW)
    monkeypatch.setattr(cli, "Library", functools.partial(Library, analyzer=analyzer))
    for name, value in {
        "CORPUS_DIR": str(corpus),
        "DATA_DIR": str(settings.data_dir),
        "SEARCH_ENGINE": "tantivy",
        "TELEGRAM_BOT_TOKEN": "",
    }.items():
        monkeypatch.setenv(name, value)
    return settings


class _JoinOpensGate:
    """The catch-up thread, whose work waits until someone waits for it."""

    def __init__(self, thread: threading.Thread, gate: threading.Event) -> None:
        self._thread = thread
        self._gate = gate

    def join(self, timeout: float | None = None) -> None:
        self._gate.set()
        self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()


def test_ask_brings_the_index_up_to_date_before_answering(stale, monkeypatch, capsys):
    gate = threading.Event()
    catch_up, open_service = Library._catch_up, Library.open_service

    def gated_catch_up(self, *args):
        gate.wait()
        catch_up(self, *args)

    def gated_open_service(self, *args):
        service = open_service(self, *args)
        self.catching_up = _JoinOpensGate(self.catching_up, gate)
        return service

    monkeypatch.setattr(Library, "_catch_up", gated_catch_up)
    monkeypatch.setattr(Library, "open_service", gated_open_service)
    try:
        assert cli.main(["ask", "누리시 전복 목장", "--json"]) == 0
    finally:
        gate.set()  # never leave the thread waiting, whatever happened
    out = capsys.readouterr()
    answer = json.loads(out.out)
    assert answer["answered"] and answer["results"][0]["doc_id"] == NEW.id
    assert "older than" not in out.err and "오래됐어요" not in out.err


def test_ask_says_plainly_when_the_index_is_older_than_the_corpus(
    stale, analyzer, monkeypatch, capsys
):
    # A catch-up that takes longer than ask waits: it goes on once answering began.
    answering = threading.Event()
    catch_up, to_json = Library._catch_up, cli.answer_to_json

    def slow_catch_up(self, *args):
        answering.wait()
        catch_up(self, *args)

    def answering_to_json(answer):
        answering.set()
        return to_json(answer)

    monkeypatch.setattr(Library, "_catch_up", slow_catch_up)
    monkeypatch.setattr(cli, "answer_to_json", answering_to_json)
    monkeypatch.setattr(cli, "CATCH_UP_WAIT_SECONDS", 0.0)
    try:
        assert cli.main(["ask", "누리시 전복 목장", "--json", "--lang", "en"]) == 0
    finally:
        answering.set()
    out = capsys.readouterr()
    assert "the index is older than the corpus" in out.err
    assert json.loads(out.out)["answered"] is False  # answered from the old index, as said
    # ... and the update was finished, not cut short: the next start serves the article.
    again = Library(stale, analyzer=analyzer)
    assert again.open_service().index.article(NEW.id)
    again.close()
