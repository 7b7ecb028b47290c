"""Several bots on one OpenSearch cluster (osmem-server): one indexes and refreshes,
another, with an empty data folder and no corpus folder, answers from the cluster alone
(first in a process of its own), and a running bot sees another's update without a
restart."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot import Library, Settings
from bot.search.home import NoClusterIndex, ReadOnlyIndex
from bot.search.opensearch_engine import OpenSearchConfig
from tests.cli_runner import InProcessCli
from tests.search.conftest import on_cluster, writer_and_replica

PROJECT = Path(__file__).resolve().parents[2]
QUESTION = "DeepSeek v3 훈련 비용은 얼마였나요?"
# An article no bundled one resembles: the replica quotes it only once it reads it.
NEW_ARTICLE = """---
id: jejutangerine01
title: 제주 감귤 수확 소식
publisher: 테스트 신문
published: 2026-11-30
url: https://example.org/jeju-tangerine
---
올해 제주 감귤 수확량은 지난해보다 늘어 약 오십만 톤으로 집계되었습니다.
감귤 농가는 이른 추위에도 당도가 높았다고 말했습니다.
"""
NEW_QUESTION = "제주 감귤 수확량은 얼마인가요?"


def on_cluster_env(cluster: OpenSearchConfig, **env: str) -> dict[str, str]:
    """The environment of a command on ``cluster``, with ``env``."""
    return {
        "TELEGRAM_BOT_TOKEN": "",
        "LOG_LEVEL": "WARNING",
        "RETRIEVAL": "bm25",
        "SEARCH_ENGINE": "opensearch",
        "OPENSEARCH_URL": cluster.url,
        "OPENSEARCH_INDEX": cluster.index,
        "OPENSEARCH_WAIT_SECONDS": "0",
        **env,
    }


def bot(
    cluster: OpenSearchConfig, cwd: Path, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """``python -m bot`` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,  # no .env there
        env={**os.environ, **on_cluster_env(cluster, **env)},
        timeout=180,
    )


def answers(result: Any) -> list[Any]:
    """The answers of one ``ask --json`` run, one a line."""
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_a_replica_with_an_empty_data_folder_answers_from_the_cluster(
    cluster: OpenSearchConfig, tmp_path: Path, bot_cli: InProcessCli
) -> None:
    """The first answers come from a replica in a process of its own; the writer's
    commands and the replica's later ones run in this process, each with a library of
    its own and nothing shared but the cluster (and the analyzer)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT / "corpus", corpus)
    writer = on_cluster_env(cluster, CORPUS_DIR=str(corpus), DATA_DIR=str(tmp_path / "writer-data"))
    replica_data, no_corpus = tmp_path / "replica-data", tmp_path / "no-corpus"
    replica_settings = {
        "CORPUS_DIR": str(no_corpus),
        "DATA_DIR": str(replica_data),
        "REFRESH_ENABLED": "false",
    }
    replica = on_cluster_env(cluster, **replica_settings)

    built = bot_cli("index", env=writer, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "engine opensearch" in built.stdout

    questions = f"{QUESTION}\n{NEW_QUESTION}\n"
    answer, unknown = answers(
        bot(cluster, tmp_path, "ask", "--json", stdin=questions, **replica_settings)
    )
    assert answer["answered"] is True
    first = answer["results"][0]
    assert "558만 달러" in first["passage"]
    assert first["title"] and first["passage_id"]  # metadata and deep-link ids, from the cluster
    assert unknown["answered"] is False

    # The writer adds an article and indexes it (incrementally, under the lock).
    (corpus / "articles" / "jejutangerine01.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    again = bot_cli("index", env=writer, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "added 1" in again.stdout

    asked = bot_cli(
        "ask", "--json", stdin=f"{NEW_QUESTION}\n{QUESTION}\n", env=replica, cwd=tmp_path
    )
    answer, old = answers(asked)
    assert answer["answered"] is True
    quoted = answer["results"][0]
    assert quoted["title"] == "제주 감귤 수확 소식"
    assert quoted["url"] == "https://example.org/jeju-tangerine"
    assert "오십만 톤" in quoted["passage"]
    assert "558만 달러" in old["results"][0]["passage"]

    # The replica made nothing of its own: no corpus folder, no passage store.
    assert not no_corpus.exists()
    assert not (replica_data / "index" / "passages.sqlite").exists()
    # ... and it does not change the index.
    refused = bot_cli("index", env=replica, cwd=tmp_path)
    assert refused.returncode == 1
    assert "REFRESH_ENABLED=false" in refused.stderr


def test_a_replica_before_any_index_says_so(
    cluster: OpenSearchConfig, analyzer: Any, tmp_path: Path
) -> None:
    settings = Settings(
        corpus_dir=tmp_path / "none",
        data_dir=tmp_path / "data",
        **on_cluster(cluster),
        refresh_enabled=False,
    )
    library = Library(settings, analyzer=analyzer)
    try:
        with pytest.raises(NoClusterIndex, match="has no index for this bot") as raised:
            library.open_service()
        assert "REFRESH_ENABLED=true" in str(raised.value)
        with pytest.raises(ReadOnlyIndex):
            library.sync()
    finally:
        library.close()
    assert not (tmp_path / "data" / "index").exists()


def test_indexing_at_start_waits_for_the_cluster_refresh_lock(
    cluster: OpenSearchConfig, analyzer: Any, tmp_path: Path
) -> None:
    from opensearchpy import OpenSearch

    from bot.errors import SearchUnavailable
    from bot.search.cluster_lock import ClusterLock

    settings = Settings(
        corpus_dir=PROJECT / "corpus",
        data_dir=tmp_path / "data",
        **on_cluster(cluster),
    )
    other = ClusterLock(cluster, owner="another process", renew=False)
    assert other.acquire()
    library = Library(settings, analyzer=analyzer)
    library.lock_wait_seconds = 0  # injected: gives up at once here
    try:
        with pytest.raises(SearchUnavailable, match="refresh lock"):
            library.open_service()
        # Nothing was written meanwhile: no index, no alias.
        assert not OpenSearch(hosts=[cluster.url]).indices.exists_alias(name=cluster.index)
        other.release()
        service = library.open_service()
        assert service.ask(QUESTION).answered
        lock = library.refresh_lock()
        assert lock.acquire()  # released again after indexing
        lock.release()  # (a held lock renews itself in a thread, after the test's cluster)
    finally:
        library.close()


def test_a_running_replica_sees_another_process_update_without_a_restart(
    cluster: OpenSearchConfig, analyzer: Any, tmp_path: Path
) -> None:
    writer, replica = writer_and_replica(cluster, analyzer, tmp_path)
    corpus = writer.settings.corpus_dir
    replica.poll_seconds = 0.05  # injected: polled quickly here
    try:
        writer.sync()
        service = replica.open_service(degraded=True)  # the running bot: it polls
        assert service.ask(NEW_QUESTION).answered is False
        served = service.index

        (corpus / "articles" / "jejutangerine01.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        assert writer.sync().changes.added[0].title == "제주 감귤 수확 소식"

        poller = replica._polling
        assert poller is not None
        with poller.changed:
            assert poller.changed.wait_for(lambda: poller.swapped >= 1, timeout=30)
        assert service.index is not served
        answer = service.ask(NEW_QUESTION)
        assert answer.answered
        assert answer.hits[0].article.title == "제주 감귤 수확 소식"
    finally:
        replica.close()
        writer.close()


def test_refresh_enabled_false_is_for_a_replica_of_a_cluster() -> None:
    from bot import SettingsError

    cluster = {"SEARCH_ENGINE": "opensearch", "OPENSEARCH_URL": "http://localhost:9200"}
    assert Settings.from_env({**cluster, "REFRESH_ENABLED": "false"}).refresh_enabled is False
    with pytest.raises(SettingsError, match="REFRESH_ENABLED=false needs SEARCH_ENGINE"):
        Settings.from_env({"REFRESH_ENABLED": "false"})
    with pytest.raises(SettingsError, match="REFRESH_INTERVAL_MINUTES needs REFRESH_ENABLED"):
        Settings.from_env({**cluster, "REFRESH_ENABLED": "false", "REFRESH_INTERVAL_MINUTES": "60"})


def test_only_a_change_makes_a_new_generation_and_synonyms_reach_replicas(
    cluster: OpenSearchConfig, analyzer: Any, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT / "corpus", corpus)
    settings = Settings(
        corpus_dir=corpus,
        data_dir=tmp_path / "data",
        **on_cluster(cluster),
    )
    writer = Library(settings, analyzer=analyzer)
    try:
        first = writer.sync().view.stamp
        assert first.endswith(":1")
        assert writer.sync().view.stamp == first  # nothing changed: nothing written
        with (corpus / "synonyms.txt").open("a", encoding="utf-8") as synonyms:
            synonyms.write("\n감귤, 귤, 밀감\n")
        assert writer.sync().view.stamp.endswith(":2")
        groups = writer.home.cluster_view().synonyms.groups  # what a replica reads
        assert ("감귤", "귤", "밀감") in groups
    finally:
        writer.close()


def test_a_poll_does_not_wait_for_the_cluster_nor_swap_an_older_view_in(
    cluster: OpenSearchConfig, analyzer: Any, tmp_path: Path
) -> None:
    # What a poll must not wait for.
    writer, replica = writer_and_replica(cluster, analyzer, tmp_path, opensearch_wait_seconds=60)
    corpus = writer.settings.corpus_dir
    try:
        writer.sync()
        service = replica.open_service()  # not polling: each poll is made here
        older = replica.home.cluster_view()
        articles = corpus / "articles"
        (articles / "jejutangerine01.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        writer.sync()
        asked: list[dict[str, Any]] = []
        view = replica.home.cluster_view

        def recording(**options: Any) -> Any:
            asked.append(options)
            return view(**options)

        replica.home.cluster_view = recording  # type: ignore[method-assign]
        assert replica._follow_cluster(service)
        assert asked == [{"wait": False}]
        served = service.index
        assert served.stamp != older.stamp

        (articles / "jejutangerine01.txt").unlink()
        writer.sync()  # the cluster changed again, but this poll reads an older view
        replica.home.cluster_view = lambda **options: older  # type: ignore[method-assign]
        assert not replica._follow_cluster(service)
        assert service.index is served
    finally:
        replica.close()
        writer.close()
