"""The OpenSearch engine's contract, against osmem-server (an in-memory OpenSearch-compatible
server bundled in a wheel).

osmem accepts per-field BM25 similarities but scores with its own fixed BM25 (checked by
hand: changing k1 and b changes none of its scores), so these tests check what the bot
sends (mapping, similarity parameters, query shape, bulk updates, aliases), never the
cluster's exact scores; that the query shape reproduces our scores under Lucene's BM25
is checked by computing Lucene's formula here. Skipped when osmem-server can't start.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot import Library, Settings, SettingsError
from bot.errors import SearchUnavailable
from bot.search import cluster_store
from bot.search.bm25_engine import BM25Engine
from bot.search.engine import Field, TermBag
from bot.search.engines import make_engine
from bot.search.opensearch_engine import (
    META_ID,
    OpenSearchConfig,
    OpenSearchEngine,
    query_body,
)

from .conftest import closed_port, on_cluster

opensearchpy = pytest.importorskip("opensearchpy", reason="the opensearch extra is not installed")

PROJECT = Path(__file__).resolve().parents[2]
# Different k1 and b per field, so a mapping that mixed them up would show.
FIELDS = (Field("word", 1.0, 0.3, 0.75), Field("gram", 0.5, 0.9, 0.5))
CORPUS: dict[str, TermBag] = {
    "seoul": {"word": ["서울", "서울", "인구"], "gram": ["서울", "서울"]},
    "both": {"word": ["서울", "부산", "인구", "교통"], "gram": ["서울", "부산", "교통"]},
    "busan": {"word": ["부산", "항구"], "gram": ["부산", "항구"]},
    "daejeon": {"word": ["대전", "과학"], "gram": []},
}


def client(config: OpenSearchConfig) -> Any:
    return opensearchpy.OpenSearch(hosts=[config.url])


def aliased(config: OpenSearchConfig) -> list[str]:
    return sorted(client(config).indices.get_alias(name=config.index))


def ids(engine: OpenSearchEngine, query: TermBag, k: int = 10) -> list[str]:
    return [hit.id for hit in engine.search(query, k)]


# -- what the bot asks the cluster for -------------------------------------------------


def test_the_mapping_gives_each_field_its_own_bm25(cluster: OpenSearchConfig) -> None:
    engine = OpenSearchEngine(FIELDS, cluster)
    assert aliased(cluster) == [engine.index]
    assert engine.index.startswith("passages-")
    stored = client(cluster).indices.get(index=engine.index)[engine.index]
    settings = stored["settings"]["index"]
    mapping = stored["mappings"]
    assert mapping["dynamic"] == "strict"
    properties = mapping["properties"]
    assert set(properties) == {"word", "gram", "kind", "article_id", "ordinal", "position", "data"}
    # What views read is kept, not indexed; what they filter and sort on is a keyword/number.
    assert properties["data"] == {"type": "object", "enabled": False}
    assert properties["kind"]["type"] == properties["article_id"]["type"] == "keyword"
    for field in FIELDS:
        prop = mapping["properties"][field.name]
        assert prop["type"] == "text"
        assert prop["index_options"] == "freqs"  # no positions: BM25 doesn't use them
        similarity = settings["similarity"][prop["similarity"]]
        assert similarity["type"] == "BM25"
        assert float(similarity["k1"]) == field.k1
        assert float(similarity["b"]) == field.b
        analyzer = settings["analysis"]["analyzer"][prop["analyzer"]]
        assert analyzer == {"type": "custom", "tokenizer": "whitespace"}  # no filters


def test_the_query_is_one_boosted_term_clause_per_term_and_field() -> None:
    fields = (*FIELDS, Field("title", 0.0))
    body = query_body(fields, {"word": ["서울", "서울", "부산"], "gram": ["서울"]}, 5)
    assert body == {
        "size": 5,
        "_source": False,
        "track_total_hits": False,
        "query": {
            "bool": {
                "should": [
                    {"term": {"word": {"value": "서울", "boost": pytest.approx(2 * 1.3)}}},
                    {"term": {"word": {"value": "부산", "boost": pytest.approx(1.3)}}},
                    {"term": {"gram": {"value": "서울", "boost": pytest.approx(0.5 * 1.9)}}},
                ]
            }
        },
    }
    assert query_body(fields, {"title": ["제목"]}, 5) is None  # weight 0: never asked
    assert query_body(fields, {"word": ["서울"]}, 0) is None
    assert query_body(fields, {}, 5) is None


def test_the_engine_sends_that_query(cluster: OpenSearchConfig) -> None:
    engine = OpenSearchEngine(FIELDS, cluster)
    engine.update(CORPUS.items(), ())
    sent: list[dict[str, Any]] = []
    search = engine.client.search

    def recording(**kwargs: Any) -> Any:
        sent.append(kwargs)
        return search(**kwargs)

    engine.client.search = recording
    hits = engine.search({"word": ["항구"]}, 3)
    assert [hit.id for hit in hits] == ["busan"]
    assert hits[0].score > 0
    assert sent == [{"index": engine.index, "body": query_body(FIELDS, {"word": ["항구"]}, 3)}]


def lucene_scores(
    fields: tuple[Field, ...], corpus: dict[str, TermBag], query: TermBag
) -> dict[str, float]:
    """What Lucene's BM25 (no (k1 + 1) factor) gives for ``query_body``'s clauses over
    ``corpus`` indexed as the engine writes it (an empty field: one placeholder term)."""
    body = query_body(fields, query, 10)
    assert body is not None
    by_field = {f.name: f for f in fields}
    total: dict[str, float] = {}
    for clause in body["query"]["bool"]["should"]:
        ((name, spec),) = clause["term"].items()
        field, term, boost = by_field[name], spec["value"], spec["boost"]
        docs = {i: list(bag.get(name, ())) or ["\x00"] for i, bag in corpus.items()}
        average = sum(map(len, docs.values())) / len(docs)
        n = sum(term in d for d in docs.values())
        idf = math.log(1 + (len(docs) - n + 0.5) / (n + 0.5))
        for i, d in docs.items():
            tf = d.count(term)
            if tf:
                norm = field.k1 * (1 - field.b + field.b * len(d) / average)
                total[i] = total.get(i, 0.0) + boost * idf * tf / (tf + norm)
    return total


def test_under_lucene_the_query_scores_as_our_bm25_engine() -> None:
    reference = BM25Engine(FIELDS, CORPUS.items())
    for query in ({"word": ["서울", "인구"], "gram": ["서울"]}, {"word": ["부산", "부산"]}):
        expected = {hit.id: hit.score for hit in reference.search(query, 10)}
        assert lucene_scores(FIELDS, CORPUS, query) == pytest.approx(expected)


# -- updates -----------------------------------------------------------------------------


def test_updates_and_deletions_are_visible_at_once(cluster: OpenSearchConfig) -> None:
    engine = OpenSearchEngine(FIELDS, cluster)
    engine.update(CORPUS.items(), ())
    assert engine.size == 4
    assert set(ids(engine, {"word": ["서울"]})) == {"seoul", "both"}

    engine.update([("busan", {"word": ["부산", "영화제"]})], ())  # replaces
    assert engine.size == 4
    assert ids(engine, {"word": ["항구"]}) == []
    assert ids(engine, {"word": ["영화제"]}) == ["busan"]

    engine.update([("seoul", {"word": ["수도"]})], ["seoul", "daejeon", "never-added"])
    assert engine.size == 3
    assert ids(engine, {"word": ["수도"]}) == ["seoul"]
    assert ids(engine, {"word": ["과학"]}) == []
    assert ids(engine, {"gram": ["\x00"]}) == []  # the placeholder is never asked for


def test_document_frequency_counts_live_passages(cluster: OpenSearchConfig) -> None:
    engine = OpenSearchEngine(FIELDS, cluster)
    engine.update(CORPUS.items(), ())
    assert engine.document_frequency("word", "서울") == 2  # not 3 occurrences
    assert engine.document_frequency("gram", "교통") == 1
    assert engine.document_frequency("word", "없는말") == 0
    assert engine.document_frequency("unknown", "서울") == 0
    assert engine.document_frequency("word", "서울 부산") == 0
    engine.update((), ["seoul"])
    assert engine.document_frequency("word", "서울") == 1


def test_a_rebuild_is_switched_in_through_the_alias(cluster: OpenSearchConfig) -> None:
    first = OpenSearchEngine(FIELDS, cluster)
    first.update(CORPUS.items(), ())
    rebuild = make_engine("opensearch", FIELDS, remote=cluster, fresh=True)
    assert isinstance(rebuild, OpenSearchEngine)
    assert aliased(cluster) == [first.index]  # nobody reads the new index yet
    rebuild.update([("jeju", {"word": ["제주"]})], ())
    assert aliased(cluster) == [rebuild.index]
    assert ids(first, {"word": ["서울"]})  # kept for a view still reading it
    reopened = OpenSearchEngine(FIELDS, cluster)
    assert reopened.index == rebuild.index
    assert reopened.size == 1

    again = OpenSearchEngine(FIELDS, cluster, fresh=True)
    again.update([("ulsan", {"word": ["울산"]})], ())
    names = set(client(cluster).indices.get(index="passages-*"))
    assert names == {rebuild.index, again.index}  # two generations at most


def test_a_rebuild_deletes_only_this_alias_generations(cluster: OpenSearchConfig) -> None:
    # Another deployment's alias starts the same: "passages-eu" and its own generation.
    other = "passages-eu-20260101000000-abcdef"
    client(cluster).indices.create(index=other)
    client(cluster).indices.put_alias(index=other, name="passages-eu")
    for _ in range(3):
        OpenSearchEngine(FIELDS, cluster, fresh=True).update(CORPUS.items(), ())
    assert client(cluster).indices.exists(index=other)
    assert len(client(cluster).indices.get(index="passages-2*")) == 2


def test_the_probe_asks_the_alias_not_a_replaced_index(cluster: OpenSearchConfig) -> None:
    old = OpenSearchEngine(FIELDS, cluster)
    old.update(CORPUS.items(), ())
    for _ in range(2):  # two rebuilds by another process: the old index is deleted
        OpenSearchEngine(FIELDS, cluster, fresh=True).update(CORPUS.items(), ())
    with pytest.raises(SearchUnavailable):
        _ = old.size
    assert old.probe() == len(CORPUS)


def test_written_records_are_what_views_read(cluster: OpenSearchConfig) -> None:
    from bot.corpus import Article, Passage
    from bot.search.cluster_store import ClusterStore, article_record, passage_record
    from bot.search.opensearch_engine import ClusterWrite

    engine = OpenSearchEngine(FIELDS, cluster)
    article = Article("a1", "서울 이야기", "", publisher="신문", url="https://example.org/a")
    passages = [Passage(f"a1#{n}", "a1", n, f"서울 문단 {n}") for n in range(3)]
    bag = {"word": ["서울"], "gram": ["서울"], "spans": [[0, 2]]}
    stamp = engine.write(
        ClusterWrite(
            [(p.id, bag, passage_record(p, bag)) for p in passages],
            articles=[("a1", article_record(article, "digest-1", 0))],
            meta={"analyzer": "v", "synonyms": [["서울", "Seoul"]]},
        )
    )
    assert stamp == f"{engine.index}:1" == engine.stamp
    store = ClusterStore(engine)
    assert store.size == 3  # passages only, not the article or meta documents
    assert store.articles() == [article] and store.article("a1") == article
    assert store.digests() == {"a1": "digest-1"}
    assert store.at("a1", 1) == passages[1]
    assert store.article_passages("a1", 2) == passages[:2]
    assert store.passage("a1#2") == passages[2] and store.passage("nope") is None
    assert store.terms("a1#0") == {"word": ["서울"], "spans": [[0, 2]]}
    searched: list[dict[str, Any]] = []
    search = engine.client.search
    engine.client.search = lambda **options: searched.append(options["body"]) or search(**options)
    texts = [row for batch in store.texts(batch=2) for row in batch]
    assert texts == [(p.id, "서울 이야기", p.text) for p in passages]
    assert searched[-1]["_source"] == ["article_id", "data.text"]  # not the terms and spans
    engine.client.search = search
    assert set(ids(engine, {"word": ["서울"]})) == {p.id for p in passages}
    assert engine.document_frequencies("word", ["서울", "없음", "서울 부산"]) == {
        "서울": 3,
        "없음": 0,
        "서울 부산": 0,
    }
    engine.write(ClusterWrite(removed=["a1#2"], removed_articles=["a1"]))
    assert engine.stamp == f"{engine.index}:2"
    assert ClusterStore(engine).size == 2 and store.article("a1") is None


def test_an_index_made_for_other_fields_is_not_reused(cluster: OpenSearchConfig) -> None:
    OpenSearchEngine(FIELDS, cluster).update(CORPUS.items(), ())
    other = OpenSearchEngine((Field("word", 1.0, 1.2, 0.75), Field("gram")), cluster)
    assert other.size == 0
    assert aliased(cluster) == [other.index]


# -- failures ----------------------------------------------------------------------------


def test_an_unreachable_cluster_is_named_by_its_setting() -> None:
    url = f"http://admin:secret@127.0.0.1:{closed_port()}"
    with pytest.raises(SearchUnavailable) as raised:
        OpenSearchEngine(FIELDS, OpenSearchConfig(url=url, wait_seconds=0))
    message = str(raised.value)
    assert "OPENSEARCH_URL=http://127.0.0.1:" in message
    assert "unreachable" in message
    assert "secret" not in message


def test_settings_require_the_url_with_the_opensearch_engine() -> None:
    with pytest.raises(SettingsError, match="OPENSEARCH_URL"):
        Settings.from_env({"SEARCH_ENGINE": "opensearch"})
    with pytest.raises(SettingsError, match="OPENSEARCH_INDEX"):
        Settings.from_env({"OPENSEARCH_INDEX": "Passages"})
    settings = Settings.from_env(
        {"SEARCH_ENGINE": "opensearch", "OPENSEARCH_URL": "https://a:9200,https://b:9200"}
    )
    assert settings.opensearch_verify_certs is True
    assert settings.opensearch_index == "article-qa-passages"


# -- end to end ----------------------------------------------------------------------------


def test_the_bot_answers_from_the_cluster(
    cluster: OpenSearchConfig, analyzer: Any, tmp_path: Path
) -> None:
    settings = Settings(
        corpus_dir=PROJECT / "corpus",
        data_dir=tmp_path / "data",
        **on_cluster(cluster),
    )
    library = Library(settings, analyzer=analyzer)
    try:
        service = library.open_service()
        answer = service.ask("DeepSeek v3 훈련 비용은 얼마였나요?")
        assert answer.answered
        assert "558만 달러에 불과한" in answer.hits[0].passage.text

        # A misspelt question: its typo correction asks for hundreds of neighbours'
        # frequencies, in a batch, not in a request each.
        requests: list[str] = []
        engine_client = service.index.engine.client
        for method in ("count", "search", "msearch", "mget", "get"):
            real = getattr(engine_client, method)
            setattr(engine_client, method, _counting(requests, method, real))
        misspelt = service.ask("딥시크 훈련 비융 얼마")
        assert misspelt.answered and "비용" in misspelt.hits[0].passage.text
        assert len(requests) < 15, requests
        served = aliased(cluster)
        passages = service.index.size
    finally:
        library.close()
    assert passages == OpenSearchEngine(library.analyzer.fields, cluster).size

    # A restart reuses the cluster's index: the store agrees with it, nothing is rebuilt.
    again = Library(settings, analyzer=analyzer)
    try:
        service = again.open_service()
        assert again.home.view is not None and again.home.view.engine.name == "opensearch"
        assert "558만 달러" in service.ask("DeepSeek v3 훈련 비용").hits[0].passage.text
        assert aliased(cluster) == served
    finally:
        again.close()

    # A cluster that lost the index (here: another alias) is refilled from the corpus.
    elsewhere = Library(replace(settings, opensearch_index="elsewhere"), analyzer=analyzer)
    try:
        service = elsewhere.open_service()
        assert "558만 달러" in service.ask("DeepSeek v3 훈련 비용").hits[0].passage.text
        moved = replace(cluster, index="elsewhere")
        assert OpenSearchEngine(library.analyzer.fields, moved).size == passages
    finally:
        elsewhere.close()


def _counting(requests: list[str], name: str, method: Any) -> Any:
    def counted(**kwargs: Any) -> Any:
        requests.append(name)
        return method(**kwargs)

    return counted


class _Recording:
    """The client, recording each write request (bulk, index, refresh) in order."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.indices = _RecordingIndices(inner.indices, self.calls)

    def bulk(self, **kwargs: Any) -> Any:
        self.calls.append(("bulk", kwargs))
        return self._inner.bulk(**kwargs)

    def index(self, **kwargs: Any) -> Any:
        self.calls.append(("index", kwargs))
        return self._inner.index(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _RecordingIndices:
    def __init__(self, inner: Any, calls: list[tuple[str, dict[str, Any]]]) -> None:
        self._inner = inner
        self._calls = calls

    def refresh(self, **kwargs: Any) -> Any:
        self._calls.append(("refresh", kwargs))
        return self._inner.refresh(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_the_new_generation_is_written_only_once_searches_show_the_change(
    cluster: OpenSearchConfig,
) -> None:
    # The index refreshes only when told (refresh_interval -1), and a replica reads the
    # generation with a real-time get: a generation written before the refresh lets it
    # build a view from searches that still show the old data, and never rebuild it.
    recording = _Recording(client(cluster))
    engine = OpenSearchEngine(FIELDS, cluster, client=recording)
    for change in (CORPUS.items(), [("busan", {"word": ["영화제"]})]):
        recording.calls.clear()
        engine.update(change, ())
        kinds = [kind for kind, _ in recording.calls]
        meta = next(
            n for n, (kind, kwargs) in enumerate(recording.calls) if kwargs.get("id") == META_ID
        )
        assert "bulk" not in kinds[meta:]
        assert "refresh" in kinds[kinds.index("bulk") : meta]  # the data is searchable first
        assert recording.calls[meta][1].get("refresh") is True  # and so is the stamp


@pytest.mark.parametrize(
    "source",
    [
        {},
        {"data": "not a record"},
        {"data": {"article": ["not", "a", "mapping"]}},
        {"data": {"article": {"title": "no id"}}},
        {"data": {"article": {"id": 7, "title": "an id that is no text"}}},
    ],
)
def test_an_article_document_the_bot_cannot_read_is_no_article(source):
    assert cluster_store._article({"_id": "a", "_source": source}) is None


def test_an_article_document_from_another_version_keeps_the_fields_this_one_knows():
    record = {"id": "a1", "title": "딥시크", "body": "ignored", "colour": "from a newer bot"}
    article = cluster_store._article({"_id": "a1", "_source": {"data": {"article": record}}})
    assert article is not None and (article.id, article.title, article.body) == ("a1", "딥시크", "")
