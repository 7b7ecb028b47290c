"""One refresh at a time: the lock a refresher holds while it changes the index.

``RefreshLock`` is what the refresher needs; the composition root (``Library``) picks
the kind. ``FileLock`` serves the local engines: an ``fcntl`` lock on a file in the
data folder, so processes sharing that folder refresh one at a time (the kernel
releases it when its holder dies). With an OpenSearch cluster the lock is a document
in the cluster (``bot.search.cluster_lock.ClusterLock``), for processes on any machine.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Protocol

__all__ = ["FileLock", "RefreshLock"]


class RefreshLock(Protocol):
    """Held by at most one refresher at a time; blocking calls (run them in a thread)."""

    def acquire(self) -> bool:
        """Take the lock now if nobody holds it; False when someone does (never waits)."""
        ...

    def release(self) -> None:
        """Give it back (after a successful ``acquire``)."""
        ...


class FileLock:
    """An exclusive ``flock`` on ``path``, held while the file stays open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            os.close(handle)  # closing releases the lock
