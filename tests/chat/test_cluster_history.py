"""What only the cluster's chat history does (``ClusterHistory``, against osmem-server):
its index and mapping, two replicas sharing it, a newer or foreign index refused, the
deleted questions merged away, and the cluster unreachable. The behaviour it shares with
the SQLite history is in ``test_chat_state.py``."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from bot import Settings
from bot.chat.app import open_history
from bot.chat.cluster_history import LAYOUT_VERSION, ClusterHistory, chat_index_body
from bot.chat.history import History, Stats
from bot.chat.refs import ChatRef
from bot.errors import HistoryTooNew, SearchUnavailable
from bot.search.opensearch_engine import OpenSearchConfig
from tests.search.conftest import closed_port

opensearchpy = pytest.importorskip("opensearchpy", reason="the opensearch extra is not installed")


def client(config: OpenSearchConfig) -> Any:
    return opensearchpy.OpenSearch(hosts=[config.url])


def test_the_index_is_named_after_the_alias_with_an_explicit_strict_mapping(
    chat_cluster: OpenSearchConfig,
) -> None:
    history = ClusterHistory(chat_cluster)
    assert history.index == "passages.chat"  # never one of the alias's passages-* generations

    stored = client(chat_cluster).indices.get(index="passages.chat")["passages.chat"]
    mapping = stored["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["_meta"] == {"chat_layout": LAYOUT_VERSION}
    properties = mapping["properties"]
    assert properties == chat_index_body(chat_cluster)["mappings"]["properties"]
    # what is looked up or grouped by is a keyword or a number, never analyzed text
    assert {properties[name]["type"] for name in ("kind", "status", "text", "key")} == {"keyword"}
    assert {properties[name]["type"] for name in ("id", "chat_id", "message_id")} == {"long"}
    assert properties["token"]["index"] is False  # read by id, never searched
    assert stored["settings"]["index"]["refresh_interval"] == "1s"
    with pytest.raises(opensearchpy.RequestError, match="strict"):
        client(chat_cluster).index(index="passages.chat", body={"kind": "question", "x": 1})


def test_a_question_is_a_document_with_its_id_and_a_vote_one_per_person(
    chat_cluster: OpenSearchConfig,
) -> None:
    history = ClusterHistory(chat_cluster)
    ref = history.record_question(chat_id=5, user_id=6, text=" 날씨 어때", status="not_found")
    assert history.record_feedback(ref, chat_id=5, user_id=7, up=True)
    assert history.record_feedback(ref, chat_id=5, user_id=7, up=False)

    question = client(chat_cluster).get(index="passages.chat", id=str(ref.id))["_source"]
    vote = client(chat_cluster).get(index="passages.chat", id=f"v:{ref.id}:7")["_source"]
    assert question["token"] == ref.token and question["key"] == "날씨 어때"
    assert vote["up"] is False and vote["asked_at"] == question["asked_at"]
    assert client(chat_cluster).count(index="passages.chat")["count"] == 2


def test_two_replicas_on_one_cluster_share_questions_votes_and_follow_ups(
    chat_cluster: OpenSearchConfig,
) -> None:
    replica_a, replica_b = ClusterHistory(chat_cluster), ClusterHistory(chat_cluster)
    ref = replica_a.record_question(
        chat_id=-5, user_id=1, text="비밀 질문", status="answered", passages=["p1"]
    )
    replica_a.note_reply(ref, 42)
    replica_b.record_question(chat_id=9, user_id=2, text="다른 질문", status="not_found")

    found = replica_b.find_question(ref, chat_id=-5)  # B checks A's button
    assert found is not None and found.text == "비밀 질문"
    assert replica_b.find_question(ref, chat_id=9) is None  # another user's chat: refused
    assert replica_b.find_question(ChatRef(ref.id, "A" * 11), chat_id=-5) is None
    assert not replica_b.record_feedback(ref, chat_id=9, user_id=2, up=False)
    replied = replica_b.replied_question(-5, 42, max_age=60)  # a reply to A's answer
    assert replied is not None and replied.id == ref.id and replied.turn is not None
    last = replica_b.last_question(-5, max_age=60)
    assert last is not None and last.id == ref.id
    assert replica_a.record_feedback(ref, chat_id=-5, user_id=1, up=True)
    assert replica_b.record_feedback(ref, chat_id=-5, user_id=3, up=False)
    assert (
        replica_a.stats() == replica_b.stats() == Stats(2, 1, 1, 1, 1, replica_a.stats().unanswered)
    )
    assert [q.text for q in replica_b.stats().unanswered] == ["다른 질문"]


def test_an_index_from_a_newer_bot_is_refused_and_left_as_it_is(
    chat_cluster: OpenSearchConfig,
) -> None:
    body = chat_index_body(chat_cluster)
    body["mappings"]["_meta"] = {"chat_layout": LAYOUT_VERSION + 1}
    client(chat_cluster).indices.create(index="passages.chat", body=body)

    with pytest.raises(HistoryTooNew, match="newer version of the bot"):
        ClusterHistory(chat_cluster)

    mapping = client(chat_cluster).indices.get_mapping(index="passages.chat")
    assert mapping["passages.chat"]["mappings"]["_meta"]["chat_layout"] == LAYOUT_VERSION + 1


def test_refusing_a_newer_index_at_start_closes_the_client(
    chat_cluster: OpenSearchConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.chat.cluster_history as module

    body = chat_index_body(chat_cluster)
    body["mappings"]["_meta"] = {"chat_layout": LAYOUT_VERSION + 1}
    client(chat_cluster).indices.create(index="passages.chat", body=body)
    made: list[Any] = []

    def making(config: OpenSearchConfig, **options: Any) -> Any:
        made.append(client(config))
        closing = made[-1].close
        made[-1].closed = False

        def close() -> None:
            made[-1].closed = True
            closing()

        made[-1].close = close
        return made[-1]

    monkeypatch.setattr(module, "make_client", making)
    with pytest.raises(HistoryTooNew):
        ClusterHistory(chat_cluster)
    assert len(made) == 1 and made[0].closed


def test_a_newer_index_found_after_start_is_unavailability_said_once(
    chat_cluster: OpenSearchConfig, caplog: pytest.LogCaptureFixture
) -> None:
    # The cluster is unreachable at start; when it answers, its index is a newer bot's:
    # the handlers, which send the answer without buttons when the history is
    # unavailable, must not meet an error they don't expect.
    unreachable = OpenSearchConfig(url=f"http://127.0.0.1:{closed_port()}", index="passages")
    history = ClusterHistory(chat_cluster, client=client(unreachable))
    body = chat_index_body(chat_cluster)
    body["mappings"]["_meta"] = {"chat_layout": LAYOUT_VERSION + 1}
    client(chat_cluster).indices.create(index="passages.chat", body=body)
    history.client = client(chat_cluster)
    with caplog.at_level(logging.ERROR):
        for _ in range(2):
            with pytest.raises(SearchUnavailable, match="newer version of the bot"):
                history.record_question(chat_id=1, user_id=1, text="q", status="answered")
            with pytest.raises(SearchUnavailable, match="newer version of the bot"):
                history.last_question(1, max_age=60)
    assert caplog.text.count("newer version of the bot") == 1
    assert client(chat_cluster).count(index="passages.chat")["count"] == 0


def test_an_index_the_bot_did_not_make_is_never_written(
    chat_cluster: OpenSearchConfig, caplog: pytest.LogCaptureFixture
) -> None:
    client(chat_cluster).indices.create(
        index="passages.chat", body={"mappings": {"properties": {"x": {"type": "keyword"}}}}
    )
    with caplog.at_level(logging.WARNING):
        history = ClusterHistory(chat_cluster)
    assert "not made by this bot" in caplog.text
    with pytest.raises(SearchUnavailable, match="not made by this bot"):
        history.record_question(chat_id=1, user_id=1, text="q", status="answered")
    assert client(chat_cluster).count(index="passages.chat")["count"] == 0


def test_retention_merges_the_deleted_questions_away(chat_cluster: OpenSearchConfig) -> None:
    now = [1_800_000_000.0]
    history = ClusterHistory(chat_cluster, retention_days=1, clock=lambda: now[0])
    old = history.record_question(chat_id=1, user_id=1, text="옛 질문", status="answered")
    assert history.record_feedback(old, chat_id=1, user_id=2, up=True)
    merged: list[dict[str, Any]] = []
    forcemerge = history.client.indices.forcemerge

    def recording(**options: Any) -> Any:
        merged.append(options)
        return forcemerge(**options)

    history.client.indices.forcemerge = recording
    assert history.prune() == 0 and not merged  # nothing old enough: nothing to merge
    now[0] += 86_400 + 1

    assert history.prune() == 1
    assert merged == [{"index": "passages.chat", "only_expunge_deletes": True}]
    assert client(chat_cluster).count(index="passages.chat")["count"] == 0  # its vote too


def test_the_hourly_pruning_runs_off_the_question_path_and_once(
    chat_cluster: OpenSearchConfig,
) -> None:
    now = [1_800_000_000.0]
    history = ClusterHistory(chat_cluster, retention_days=1, clock=lambda: now[0])
    old = history.record_question(chat_id=1, user_id=1, text="옛 질문", status="answered")
    now[0] += 86_400 + 1
    pruned_in: list[threading.Thread] = []
    release = threading.Event()
    delete_by_query = history.client.delete_by_query

    def deleting(**options: Any) -> Any:
        pruned_in.append(threading.current_thread())
        if threading.current_thread() is not threading.main_thread():
            assert release.wait(30)  # held until the questions below are recorded
        return delete_by_query(**options)

    history.client.delete_by_query = deleting
    history.record_question(chat_id=1, user_id=1, text="새 질문", status="answered")
    history.record_question(chat_id=1, user_id=1, text="또 질문", status="answered")
    release.set()
    history.wait_for_pruning()
    assert len(pruned_in) == 1 and pruned_in[0] is not threading.current_thread()
    assert history.find_question(old, chat_id=1) is None
    assert history.stats().asked == 2
    history.close()


def test_the_history_is_opened_in_the_cluster_with_search_engine_opensearch(
    chat_cluster: OpenSearchConfig, tmp_path: Any
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        search_engine="opensearch",
        opensearch_url=chat_cluster.url,
        opensearch_index="passages",
        history_retention_days=7,
    )
    history = open_history(settings)
    assert isinstance(history, ClusterHistory) and history.index == "passages.chat"
    assert history._retention_seconds == 7 * 86_400
    local = open_history(Settings(data_dir=tmp_path))
    assert isinstance(local, History)  # the local engines keep SQLite
    local.close()


def test_an_unreachable_cluster_is_said_and_each_call_fails_clearly_until_it_comes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    osmem = pytest.importorskip("osmem_server", reason="osmem-server is not installed")
    port = closed_port()
    config = OpenSearchConfig(url=f"http://127.0.0.1:{port}", index="passages", wait_seconds=0)
    with caplog.at_level(logging.WARNING):
        history = ClusterHistory(config)  # the bot starts without it
    assert f"OPENSEARCH_URL=http://127.0.0.1:{port} is unreachable" in caplog.text
    calls = [
        lambda: history.record_question(chat_id=1, user_id=1, text="q", status="answered"),
        lambda: history.find_question(ChatRef(1, "A" * 11), chat_id=1),
        lambda: history.last_question(1, max_age=60),
        lambda: history.stats(),
    ]
    for attempt in calls:
        with pytest.raises(SearchUnavailable, match="is unreachable"):
            attempt()
    try:
        server = osmem.OsmemServer.start(
            japanese=False, addr=f"127.0.0.1:{port}", startup_timeout=15
        )
    except (osmem.OsmemError, OSError) as error:
        pytest.skip(f"osmem-server could not start on port {port}: {error}")
    try:
        ref = history.record_question(chat_id=1, user_id=1, text="q", status="answered")
        assert history.find_question(ref, chat_id=1) is not None  # back, without a restart
    finally:
        server.close()
