"""The refresh lock: a lock document in the cluster (against osmem-server), the local
lock file, and the refresher taking whichever the composition root chose."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from bot import Library, Settings
from bot.locks import FileLock
from bot.refresh import Refresher, RefreshInProgress
from bot.search.cluster_lock import ClusterLock, _expiry
from bot.search.opensearch_engine import OpenSearchConfig
from tests.search.conftest import on_cluster

PROJECT = Path(__file__).resolve().parents[2]


class Clock:
    """Wall-clock time as the test says it is."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def holder(cluster: OpenSearchConfig, owner: str, clock: Clock | None = None) -> ClusterLock:
    return ClusterLock(cluster, owner=owner, seconds=60, clock=clock or Clock(), renew=False)


def lock_document(cluster: OpenSearchConfig) -> dict[str, Any] | None:
    from opensearchpy import OpenSearch

    found = OpenSearch(hosts=[cluster.url]).get(
        index=f"{cluster.index}.locks", id="refresh", ignore=[404]
    )
    return found.get("_source") if found.get("found") else None


def test_one_holder_at_a_time(cluster: OpenSearchConfig) -> None:
    first, second = holder(cluster, "first"), holder(cluster, "second")
    assert first.acquire()
    assert lock_document(cluster) == {
        "owner": "first",
        "acquired": 1_000_000.0,
        "expires": 1_000_060.0,
    }
    assert not second.acquire()  # create-only: the cluster refused the second
    assert not first.acquire()  # nor is it taken twice by its holder
    first.release()
    assert lock_document(cluster) is None
    assert second.acquire()
    assert lock_document(cluster)["owner"] == "second"  # type: ignore[index]


def test_an_expired_lock_is_taken_over_and_its_old_holder_cannot_free_it(
    cluster: OpenSearchConfig,
) -> None:
    clock = Clock()
    stalled, other = holder(cluster, "stalled", clock), holder(cluster, "other", clock)
    assert stalled.acquire()
    clock.now += 50
    assert stalled.renew()  # now expires 60 s from here
    clock.now += 50
    assert not other.acquire()  # renewed: still held
    clock.now += 11
    assert other.acquire()  # expired: taken over (compare-and-set on its version)
    assert lock_document(cluster)["owner"] == "other"  # type: ignore[index]
    assert not stalled.renew()  # its version is gone: it knows it lost the lock
    stalled.release()  # ... and never deletes its successor's
    assert lock_document(cluster)["owner"] == "other"  # type: ignore[index]
    other.release()
    assert lock_document(cluster) is None


def test_a_takeover_race_has_one_winner(cluster: OpenSearchConfig) -> None:
    clock = Clock()
    assert holder(cluster, "dead", clock).acquire()
    clock.now += 61
    fast, slow = holder(cluster, "fast", clock), holder(cluster, "slow", clock)
    read = slow.client.get
    won: list[bool] = []

    def read_then_lose_the_race(**kwargs: Any) -> Any:
        found = read(**kwargs)  # the expired version...
        won.append(fast.acquire())  # ... taken over by the other before we write
        return found

    slow.client.get = read_then_lose_the_race
    assert not slow.acquire()  # its compare-and-set on the old version fails
    assert won == [True]
    assert lock_document(cluster)["owner"] == "fast"  # type: ignore[index]


def test_the_local_lock_file_is_one_holder_at_a_time(tmp_path: Path) -> None:
    first, second = FileLock(tmp_path / "refresh.lock"), FileLock(tmp_path / "refresh.lock")
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_the_composition_root_chooses_the_lock(tmp_path: Path) -> None:
    local = Library(Settings(corpus_dir=PROJECT / "corpus", data_dir=tmp_path / "a"))
    assert isinstance(local.refresh_lock(), FileLock)
    remote = Library(
        Settings(
            corpus_dir=PROJECT / "corpus",
            data_dir=tmp_path / "b",
            search_engine="opensearch",
            opensearch_url="http://127.0.0.1:9",
            opensearch_index="passages",
        )
    )
    lock = remote.refresh_lock()
    assert isinstance(lock, ClusterLock)
    assert lock.index == "passages.locks"  # never one of the alias's generations


def test_a_refresh_elsewhere_makes_this_one_busy(
    cluster: OpenSearchConfig, library: Library, service: Any
) -> None:
    elsewhere = ClusterLock(cluster, owner="another machine", renew=False)
    assert elsewhere.acquire()
    seen: list[str] = []
    refresher = Refresher(
        library,
        service,
        lock=ClusterLock(cluster, renew=False),
        observer=lambda result, _report: seen.append(result),
    )
    with pytest.raises(RefreshInProgress):
        asyncio.run(refresher.refresh())
    assert seen == ["busy"]
    elsewhere.release()
    report = asyncio.run(refresher.refresh())
    assert seen == ["busy", "ok"]
    assert report.articles == len(service.index.corpus.articles)
    assert lock_document(cluster) is None  # released at the end


@pytest.mark.parametrize("holder", [{"expires": "soon"}, {"expires": None}, [], "junk"])
def test_a_lock_document_that_says_nothing_readable_has_expired(holder):
    assert _expiry(holder) == 0.0


def test_a_release_during_a_renewal_deletes_the_renewed_lock(cluster: OpenSearchConfig) -> None:
    lock = holder(cluster, "holder")
    assert lock.acquire()
    writing, renewed, proceed = threading.Event(), threading.Event(), threading.Event()
    # Where the release gets to while the renewal is in flight: guarded, it waits at the
    # guard; unguarded, it has read the old version and sends its delete. Either sets it.
    reached = threading.Event()
    index, delete = lock.client.index, lock.client.delete

    def slow_renewal(**kwargs: Any) -> Any:
        writing.set()
        proceed.wait(30)
        try:
            return index(**kwargs)
        finally:
            renewed.set()

    def delete_after_the_renewal(**kwargs: Any) -> Any:
        reached.set()
        renewed.wait(30)  # the renewal's write lands before this delete is sent
        return delete(**kwargs)

    lock.client.index, lock.client.delete = slow_renewal, delete_after_the_renewal
    lock._guard = _Watched(lock._guard, "release", reached)  # type: ignore[assignment]
    renewal = threading.Thread(target=lock.renew, name="renewal")
    renewal.start()
    assert writing.wait(30)
    release = threading.Thread(target=lock.release, name="release")
    release.start()
    assert reached.wait(30)
    proceed.set()
    renewal.join(30)
    release.join(30)
    assert lock_document(cluster) is None  # not left behind until it expires
    assert not lock.held
    assert not lock.renew()  # and nothing renews it after its release


class _Watched:
    """A lock that sets ``reached`` when the thread named ``name`` comes to take it."""

    def __init__(self, inner: Any, name: str, reached: threading.Event) -> None:
        self.inner, self.name, self.reached = inner, name, reached

    def __enter__(self) -> Any:
        if threading.current_thread().name == self.name:
            self.reached.set()
        return self.inner.__enter__()

    def __exit__(self, *exc: Any) -> Any:
        return self.inner.__exit__(*exc)


def test_syncs_and_their_locks_share_the_home_one_client_closed_with_it(
    cluster: OpenSearchConfig, analyzer: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.search.cluster_lock as cluster_lock
    import bot.search.opensearch_engine as opensearch_engine

    made: list[Any] = []
    closed: list[Any] = []
    making = opensearch_engine.make_client

    def counting(config: OpenSearchConfig, **options: Any) -> Any:
        client = making(config, **options)
        close = client.close

        def closing() -> None:
            closed.append(client)
            close()

        client.close = closing
        made.append(client)
        return client

    monkeypatch.setattr(opensearch_engine, "make_client", counting)
    monkeypatch.setattr(cluster_lock, "make_client", counting)
    library = Library(
        Settings(
            corpus_dir=PROJECT / "corpus",
            data_dir=tmp_path,
            **on_cluster(cluster),
        ),
        analyzer=analyzer,
    )
    library.sync()  # the CLI's ``index``: no view was asked for first
    library.sync()
    library.refresh_lock()
    library.close()
    assert len(made) == 1 and closed == made
