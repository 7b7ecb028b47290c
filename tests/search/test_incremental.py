"""The persistent index: updated in place, reopened without analysis, rebuilt when broken."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from bot import KoreanAnalyzer, Library, Settings
from bot.corpus import Article, CorpusStore
from bot.search.store import PassageStore
from tests.conftest import PROJECT

PARAGRAPHS = [
    "가상의 도시 누리시는 2031년에 해상 풍력 발전소를 세웠다. 발전소는 바다 위에 있다.",
    "누리시 시장은 풍력 발전으로 전기 요금이 내려갔다고 말했다. 시민들은 환영했다.",
    "발전소 건설에는 모두 삼천 명의 노동자가 참여했다. 공사는 이 년 걸렸다.",
]


def article(article_id: str, title: str, paragraphs: list[str]) -> Article:
    return Article(id=article_id, title=title, body="\n\n".join(paragraphs))


class Counting:
    """Counts the passages the analyzer is asked to analyze."""

    def __init__(self, analyzer: KoreanAnalyzer, monkeypatch: pytest.MonkeyPatch) -> None:
        self.passages = 0
        original = analyzer.analyze_many

        def analyze_many(items):
            items = list(items)
            self.passages += len(items)
            return original(items)

        monkeypatch.setattr(analyzer, "analyze_many", analyze_many)


@pytest.fixture
def settings(tmp_path) -> Settings:
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT / "corpus", corpus)
    CorpusStore(corpus).save_article(article("a0000000001", "누리시 풍력", PARAGRAPHS))
    return Settings(corpus_dir=corpus, data_dir=tmp_path / "data", search_engine="tantivy")


@pytest.fixture
def counting(analyzer, monkeypatch) -> Counting:
    return Counting(analyzer, monkeypatch)


def first_text(library: Library, question: str) -> str | None:
    index = library.home.view or library.open_service().index
    hits = index.search(index.query(question), 3)
    return hits[0].passage.text if hits else None


def test_add_change_and_remove_update_the_engine_in_place(settings, analyzer, counting):
    library = Library(settings, analyzer=analyzer)
    service = library.open_service()
    index = service.index
    engine = index.engine
    assert engine.name == "tantivy"
    before = index.size
    store = library.store

    # change one paragraph of one article, add one article, remove another
    changed = [*PARAGRAPHS[:2], "발전소 건설에는 모두 오천 명의 노동자가 참여했다."]
    store.save_article(article("a0000000001", "누리시 풍력", changed))
    store.save_article(article("a0000000002", "바다 목장", ["누리시 앞바다에는 전복 목장이 있다."]))
    removed = next(a for a in index.corpus.articles if a.id.startswith("f145"))
    removed_passages = [p.id for p in index.article_passages(removed.id)]
    store.remove_article(removed.id)
    counting.passages = 0

    updated = library.build_index()
    service.swap(updated)

    assert updated.engine is engine  # the same engine, updated, not rebuilt
    assert counting.passages == 2  # the changed passage and the new one, nothing else
    assert updated.size == engine.size == before - len(removed_passages) + 1
    assert all(updated.passage(pid) is None for pid in removed_passages)
    assert removed.id not in updated.articles
    answer = service.ask("누리시 발전소 건설에 참여한 노동자는 몇 명인가?")
    assert "오천 명" in answer.hits[0].passage.text
    assert "전복" in service.ask("누리시 앞바다의 전복 목장").hits[0].passage.text
    passages = updated.article_passages("a0000000001")
    assert [p.ordinal for p in passages] == list(range(len(passages)))
    assert updated.neighbours(passages[0])[1] == passages[1]
    assert updated.passage_terms(passages[0].id)


def test_a_refresh_that_changes_nothing_commits_nothing(settings, analyzer, counting, monkeypatch):
    library = Library(settings, analyzer=analyzer)
    index = library.build_index()
    counting.passages = 0

    def no_update(*args):
        raise AssertionError("nothing changed: the engine must not be written")

    monkeypatch.setattr(index.engine, "update", no_update)
    again = library.build_index()
    assert counting.passages == 0
    assert again.size == index.size


def test_restart_reuses_the_store_without_reading_or_analyzing(
    settings, analyzer, counting, monkeypatch
):
    first = Library(settings, analyzer=analyzer)
    expected = first_text(first, "누리시 풍력 발전소는 언제 세웠나?")
    assert expected and "2031" in expected
    first.close()
    counting.passages = 0

    def no_load(*args, **kwargs):
        raise AssertionError("a matching store needs no corpus read")

    monkeypatch.setattr(CorpusStore, "load", no_load)
    second = Library(settings, analyzer=analyzer)
    service = second.open_service()
    assert counting.passages == 0
    assert service.index.size > 0
    assert first_text(second, "누리시 풍력 발전소는 언제 세웠나?") == expected
    assert "a0000000001" in service.index.articles
    assert service.suggestions.words


def test_a_change_while_stopped_is_indexed_at_start(settings, analyzer, counting):
    first = Library(settings, analyzer=analyzer)
    first.build_index()
    CorpusStore(settings.corpus_dir).save_article(
        article("a0000000003", "산호", ["누리시 바다에는 붉은 산호가 자란다."])
    )
    counting.passages = 0
    index = Library(settings, analyzer=analyzer).build_index()
    assert counting.passages == 1
    assert "산호" in index.search(index.query("붉은 산호"), 1)[0].passage.text


def test_a_service_started_on_a_stale_store_catches_up(settings, analyzer):
    Library(settings, analyzer=analyzer).build_index()
    CorpusStore(settings.corpus_dir).save_article(
        article("a0000000004", "해초", ["누리시 바다에는 푸른 해초 숲이 있다."])
    )
    library = Library(settings, analyzer=analyzer)
    service = library.open_service()  # answers at once, from the stored index
    assert library.catching_up is not None
    library.catching_up.join(timeout=60)
    answer = service.ask("누리시 바다의 푸른 해초 숲")
    assert answer.answered and "해초" in answer.hits[0].passage.text
    assert "a0000000004" in service.index.articles


@pytest.mark.parametrize("damage", ["garbage", "dirty", "engine gone", "other analyzer"])
def test_a_broken_or_mismatched_store_is_rebuilt(settings, analyzer, damage):
    first = Library(settings, analyzer=analyzer)
    size = first.build_index().size
    first.close()
    index_dir = first.index_dir
    store_file = index_dir / "passages.sqlite"
    if damage == "garbage":
        for suffix in ("", "-wal", "-shm"):
            (index_dir / f"passages.sqlite{suffix}").unlink(missing_ok=True)
        store_file.write_bytes(b"not a database at all" * 100)
    else:
        with sqlite3.connect(store_file) as db:
            if damage == "dirty":  # the process died between the engine's and the store's commit
                db.execute("UPDATE meta SET value = 'dirty' WHERE key = 'state'")
            elif damage == "other analyzer":
                db.execute("UPDATE meta SET value = 'v0' WHERE key = 'analyzer'")
        if damage == "engine gone":
            shutil.rmtree(index_dir / "tantivy")
    second = Library(settings, analyzer=analyzer)
    index = second.build_index()
    assert index.size == index.engine.size == size
    assert "2031" in index.search(index.query("누리시 풍력 발전소"), 1)[0].passage.text


def test_bm25_lives_in_memory_and_restarts_from_the_store(tmp_path, analyzer, counting):
    settings = Settings(corpus_dir=PROJECT / "corpus", data_dir=tmp_path, search_engine="bm25")
    library = Library(settings, analyzer=analyzer)
    index = library.build_index()
    assert index.engine.name == "bm25"
    assert not (tmp_path / "index" / "tantivy").exists()
    again = library.build_index()
    assert again.engine is index.engine and again.size == index.size
    library.close()

    counting.passages = 0
    restarted = Library(settings, analyzer=analyzer).open_service().index
    assert counting.passages == 0  # the engine is filled from the store and the token cache
    assert restarted.engine is not index.engine and restarted.engine.size == index.size
    hits = restarted.search(restarted.query("딥시크"), 1)
    assert hits and hits[0].passage.id == index.search(index.query("딥시크"), 1)[0].passage.id


def test_a_question_during_an_update_sees_the_index_before_it(settings, analyzer, monkeypatch):
    library = Library(settings, analyzer=analyzer)
    service = library.open_service()
    during = []
    original = analyzer.analyze_many

    def analyze_many(items):
        # Mid-update: the engine has not committed, the store's transaction is open.
        during.append(service.ask("누리시 풍력 발전소는 언제 세웠나?"))
        during.append(service.ask("누리시 바다의 붉은 산호"))
        return original(list(items))

    monkeypatch.setattr(analyzer, "analyze_many", analyze_many)
    CorpusStore(settings.corpus_dir).save_article(
        article("a0000000003", "산호", ["누리시 바다에는 붉은 산호가 자란다."])
    )
    service.swap(library.build_index())
    assert during and "2031" in during[0].hits[0].passage.text
    assert not during[1].answered  # not yet indexed
    assert "산호" in service.ask("누리시 바다의 붉은 산호").hits[0].passage.text


def test_growing_past_the_threshold_switches_to_tantivy(tmp_path, analyzer, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT / "corpus", corpus)
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    library = Library(settings, analyzer=analyzer)
    index = library.build_index()
    assert index.engine.name == "bm25"
    monkeypatch.setattr("bot.search.engines.AUTO_THRESHOLD", index.size + 1)
    CorpusStore(corpus).save_article(article("a0000000001", "누리시 풍력", PARAGRAPHS))
    grown = library.build_index()
    assert grown.engine.name == "tantivy"
    assert grown.size == grown.engine.size == index.size + len(PARAGRAPHS)
    assert "2031" in grown.search(grown.query("누리시 풍력 발전소"), 1)[0].passage.text


def test_an_update_cut_short_is_recovered_incrementally_at_the_next_start(
    settings, analyzer, counting, monkeypatch
):
    first = Library(settings, analyzer=analyzer)
    size = first.build_index().size
    changed = [*PARAGRAPHS[:2], "발전소 건설에는 모두 오천 명의 노동자가 참여했다."]
    first.store.save_article(article("a0000000001", "누리시 풍력", changed))

    def crash(self):
        raise RuntimeError("the process died between the engine's commit and the store's")

    with monkeypatch.context() as patched:
        patched.setattr(PassageStore, "commit", crash)
        with pytest.raises(RuntimeError):
            first.build_index()  # the engine has the new passage; the store does not
    first.close()

    def no_rebuild(self):
        raise AssertionError("only the articles the update touched are indexed again")

    monkeypatch.setattr("bot.search.home._IndexFiles.reset", no_rebuild)
    counting.passages = 0
    second = Library(settings, analyzer=analyzer)
    synced = second.sync()
    index = synced.view
    assert index.size == index.engine.size == size
    assert counting.passages == 0  # every text was analyzed before: the token cache has it
    hits = index.search(index.query("누리시 발전소 건설 노동자"), 1)
    assert "오천 명" in hits[0].passage.text
    assert [a.id for a in synced.changes.updated] == ["a0000000001"]
    assert not synced.changes.added and not synced.changes.removed


def test_a_view_keeps_no_article_bodies(settings, analyzer):
    index = Library(settings, analyzer=analyzer).build_index()
    assert index.corpus.articles and not index.corpus.files
    assert all(not article.body for article in index.corpus.articles)


def test_an_engine_switch_keeps_the_changes_not_reported_yet(tmp_path, analyzer, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT / "corpus", corpus)
    library = Library(Settings(corpus_dir=corpus, data_dir=tmp_path / "data"), analyzer=analyzer)
    index = library.build_index()
    assert index.engine.name == "bm25"
    store = CorpusStore(corpus)
    # Indexed by a catch-up (not reported), then the corpus grows past the threshold.
    store.save_article(article("a0000000002", "바다 목장", ["누리시 앞바다에는 전복 목장이 있다."]))
    library.home.sync(reported=False)
    monkeypatch.setattr("bot.search.engines.AUTO_THRESHOLD", index.size + 2)
    store.save_article(article("a0000000001", "누리시 풍력", PARAGRAPHS))
    synced = library.sync()
    assert synced.view.engine.name == "tantivy"
    assert {a.title for a in synced.changes.added} == {"바다 목장", "누리시 풍력"}
    library.close()
