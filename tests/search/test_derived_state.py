"""Derived state that can't be opened is moved aside, rebuilt, and a warning says so."""

from __future__ import annotations

import shutil

import pytest

from bot import Library, Settings
from bot.corpus import CorpusStore
from tests.conftest import PROJECT
from tests.search.test_incremental import PARAGRAPHS, article

DAMAGE = {
    "garbage tokens.sqlite": ("tokens.sqlite", b"not a database at all" * 100),
    "garbage tantivy meta.json": ("index/tantivy/meta.json", b'{"segments": [garbage'),
    "garbage passages.sqlite": ("index/passages.sqlite", b"not a database at all" * 100),
}


@pytest.fixture
def settings(tmp_path) -> Settings:
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT / "corpus", corpus)
    CorpusStore(corpus).save_article(article("a0000000001", "누리시 풍력", PARAGRAPHS))
    return Settings(corpus_dir=corpus, data_dir=tmp_path / "data", search_engine="tantivy")


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damaged_state_is_moved_aside_and_rebuilt(settings, analyzer, case, caplog):
    first = Library(settings, analyzer=analyzer)
    size = first.open_service().index.size
    first.close()
    name, garbage = DAMAGE[case]
    damaged = settings.data_dir / name
    for suffix in ("-wal", "-shm"):
        damaged.with_name(damaged.name + suffix).unlink(missing_ok=True)
    damaged.write_bytes(garbage)

    second = Library(settings, analyzer=analyzer)
    service = second.open_service()
    assert service.index.size == size
    assert "2031" in service.ask("누리시 풍력 발전소").hits[0].passage.text
    second.close()
    # Kept for inspection, beside where it was (tantivy: the whole index folder).
    kept = damaged.parent if name.endswith("meta.json") else damaged
    (aside,) = kept.parent.glob(f"{kept.name}.broken-*")
    inside = aside / damaged.name if aside.is_dir() else aside
    assert inside.read_bytes() == garbage
    assert "moved it aside" in caplog.text and str(kept) in caplog.text


def test_a_token_cache_damaged_while_open_starts_afresh(tmp_path, caplog):
    from bot.search import TokenCache

    path = tmp_path / "tokens.sqlite"
    cache = TokenCache(path)
    cache.put_many({"k": {"word": ["a"]}})
    cache._db.execute("DROP TABLE bags")  # what a damaged page looks like to a query
    assert cache.get_many(["k"]) == {}
    cache.put_many({"k": {"word": ["b"]}})
    assert cache.get_many(["k"]) == {"k": {"word": ["b"]}}
    assert list(tmp_path.glob("tokens.sqlite.broken-*"))
    cache.close()
