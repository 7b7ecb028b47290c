"""The refresh lock in an OpenSearch cluster: one refresher at a time across machines.

The lock is one document (``refresh``) in the index ``<OPENSEARCH_INDEX>.locks`` (a
dot, not a dash: the alias's generations ``<alias>-*`` never include it). It holds its
owner (host, process id and a random part) and when it expires (Unix time):

- **taking it** is a create-only write (``op_type=create``): of two processes creating
  it at once, the cluster accepts one and answers the other 409;
- **a lock found expired** (its holder died) is taken over by a compare-and-set write
  (``if_seq_no``/``if_primary_term`` of the version read): of two processes taking it
  over at once, one wins;
- **while held**, a thread renews it every third of ``LOCK_SECONDS`` by the same
  compare-and-set, so a long refresh keeps it and a dead holder's lapses within
  ``LOCK_SECONDS``; a renewal that loses (the lock was taken over after this process
  stalled for longer than that) says so in the log;
- **releasing it** deletes the document, again only at the version this holder wrote,
  so a holder that lost it never deletes its successor's. A renewal and the release
  never overlap (one guard around both): a release waits for a renewal in flight and
  deletes the version it wrote, and no renewal writes after the release.

What is approximate: expiry compares the machines' wall clocks (a clock ahead by more
than ``LOCK_SECONDS`` would take over a live lock), and a holder stalled for longer than
that (a long GC-like pause, a suspended VM) can find, on waking, that another process
refreshed meanwhile. The lock keeps two refreshes from overlapping in the normal case;
it is not a fencing token.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from ..errors import SearchUnavailable
from .opensearch_engine import OpenSearchConfig, call, make_client

__all__ = ["LOCK_SECONDS", "ClusterLock"]

log = logging.getLogger(__name__)

LOCK_SECONDS = 120.0  # a lock not renewed for this long is free to take over


class ClusterLock:
    """The ``RefreshLock`` (``bot.locks``) of processes sharing one OpenSearch cluster."""

    def __init__(
        self,
        config: OpenSearchConfig,
        *,
        name: str = "refresh",
        seconds: float = LOCK_SECONDS,
        owner: str | None = None,
        clock: Callable[[], float] = time.time,
        client: Any = None,
        renew: bool = True,
    ) -> None:
        self.config = config
        self.name = name
        self.seconds = seconds
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.index = f"{config.index}.locks"
        self.client = client if client is not None else make_client(config)
        self._clock = clock
        self._renews = renew
        self._version: tuple[int, int] | None = None  # (seq_no, primary_term) we wrote
        self._index_made = False
        self._stop = threading.Event()
        self._renewing: threading.Thread | None = None
        # Held by a renewal's and the release's read-and-write of ``_version``.
        self._guard = threading.Lock()

    @property
    def held(self) -> bool:
        return self._version is not None

    def acquire(self) -> bool:
        """Take the lock: create it, or take over an expired one; False if it is held."""
        from opensearchpy.exceptions import ConflictError

        self._make_index()
        for _ in range(2):  # a lock released between our create and our read: once more
            try:
                written = self._call(self.client.index, op_type="create", body=self._body())
            except ConflictError:  # a lock document exists: whose, and is it expired?
                found = self._call(self.client.get, ignore=[404])
            else:
                return self._hold(written)
            if not found.get("found"):
                continue
            holder = found.get("_source") or {}
            expires = _expiry(holder)
            if expires > self._clock():
                log.info(
                    "the %s lock is held by %s for %.0f s more",
                    self.name,
                    holder.get("owner", "?"),
                    expires - self._clock(),
                )
                return False
            try:
                written = self._call(
                    self.client.index,
                    body=self._body(),
                    if_seq_no=found["_seq_no"],
                    if_primary_term=found["_primary_term"],
                )
            except ConflictError:
                return False  # another process took it over first
            log.warning(
                "took over the %s lock of %s, expired %.0f s ago",
                self.name,
                holder.get("owner", "?"),
                self._clock() - expires,
            )
            return self._hold(written)
        return False

    def renew(self) -> bool:
        """Push the expiry on (compare-and-set); False when the lock was lost."""
        from opensearchpy.exceptions import ConflictError

        with self._guard:
            version = self._version
            if version is None:  # released (or lost): never written again
                return False
            try:
                written = self._call(
                    self.client.index,
                    body=self._body(),
                    if_seq_no=version[0],
                    if_primary_term=version[1],
                )
            except ConflictError:
                log.warning("the %s lock was taken over by another process", self.name)
                self._version = None
                return False
            self._version = (int(written["_seq_no"]), int(written["_primary_term"]))
            return True

    def release(self) -> None:
        """Delete the lock, if it is still the version this holder wrote."""
        from opensearchpy.exceptions import ConflictError

        self._stop.set()
        with self._guard:  # after a renewal in flight, whose version is then the one to delete
            version, self._version = self._version, None
        if self._renewing is not None:
            self._renewing.join(timeout=10)
            self._renewing = None
        if version is None:
            return
        try:
            self._call(
                self.client.delete,
                if_seq_no=version[0],
                if_primary_term=version[1],
                ignore=[404],
            )
        except ConflictError:
            log.warning("the %s lock was taken over by another process", self.name)
        except SearchUnavailable as error:
            log.warning("could not release the %s lock (it will expire): %s", self.name, error)

    # -- helpers ----------------------------------------------------------------------

    def _hold(self, written: dict[str, Any]) -> bool:
        self._version = (int(written["_seq_no"]), int(written["_primary_term"]))
        if self._renews:
            self._stop = threading.Event()
            self._renewing = threading.Thread(
                target=self._renew_until_released, name="lock-renewal", daemon=True
            )
            self._renewing.start()
        return True

    def _renew_until_released(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            try:
                if not self.renew():
                    return
            except SearchUnavailable as error:  # still ours until it expires: try again
                log.warning("could not renew the %s lock: %s", self.name, error)

    def _body(self) -> dict[str, Any]:
        now = self._clock()
        return {"owner": self.owner, "acquired": now, "expires": now + self.seconds}

    def _make_index(self) -> None:
        if self._index_made:
            return
        body = {
            "settings": {"index": {"number_of_shards": 1}},
            "mappings": {"dynamic": False, "properties": {"owner": {"type": "keyword"}}},
        }
        # 400: it exists already (made by another process, maybe just now).
        call(self.config, self.client.indices.create, index=self.index, body=body, ignore=[400])
        self._index_made = True

    def _call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        """``method`` on the lock document (a 409 raised as ``ConflictError``)."""
        return call(
            self.config, method, keep_conflicts=True, index=self.index, id=self.name, **kwargs
        )


def _expiry(holder: Any) -> float:
    """When a lock document expires; one that says nothing readable has expired (it
    can then be taken over like any other)."""
    try:
        return float(holder.get("expires", 0))
    except (AttributeError, TypeError, ValueError):
        return 0.0
