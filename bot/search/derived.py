"""State made from the corpus (token cache, passage store, search index) heals itself.

Everything in DATA_DIR but chat history and feedback can be made again from the
corpus, so one that can't be opened must not stop every start, forever. It is
moved aside, never deleted (renamed with a timestamp suffix, kept for whoever
wants to find out what happened to it), and made afresh, with a warning.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["SQLITE_COMPANIONS", "damaged", "move_aside"]

log = logging.getLogger(__name__)

# The files SQLite keeps beside a database in WAL mode: they belong to it.
SQLITE_COMPANIONS = ("-wal", "-shm")


def damaged(error: sqlite3.DatabaseError) -> bool:
    """Whether ``error`` says the file itself is broken ("not a database", "malformed"),
    rather than that it can't be used right now (locked by another process, read-only,
    an I/O error): only a broken file may be moved aside."""
    return not isinstance(error, sqlite3.OperationalError)


def move_aside(
    path: Path,
    what: str,
    error: BaseException,
    companions: Sequence[str] = (),
    *,
    then: str = "it is rebuilt from the corpus",
) -> Path:
    """Rename ``path`` (a file or folder) and its ``companions`` (suffixes of its name)
    to ``<name>.broken-<time>``; where it went. ``then`` says what happens next."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.broken-{stamp}")
    number = 1
    while aside.exists():
        number += 1
        aside = path.with_name(f"{path.name}.broken-{stamp}-{number}")
    if path.exists() or path.is_symlink():
        os.rename(path, aside)
    for suffix in companions:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.rename(companion, aside.with_name(aside.name + suffix))
    log.warning(
        "%s %s can't be opened (%s): moved it aside to %s; %s",
        what,
        path,
        error,
        aside.name,
        then,
    )
    return aside
