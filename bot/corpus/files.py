"""Listing and reading article files, trusting nothing that turns up in the folder.

The articles folder is edited by hand, synced and unpacked from archives, so
anything may appear in it: a directory named ``x.txt``, a FIFO, a symlink to
``/dev/zero`` or out of the corpus, a name that isn't UTF-8. One such item must
never stop the bot, hang it or exhaust its memory, so:

- the folder is listed with ``os.scandir`` and each entry ``lstat``-ed: nothing
  is opened while listing;
- a symlink is followed only to a regular file inside the corpus folder;
- only regular files within the size limit are opened, with ``O_NONBLOCK`` (a
  FIFO swapped in after listing can't block) and ``O_NOFOLLOW``, then checked
  again with ``fstat`` and read up to the limit, never further.

Every item that can't be used becomes a ``SkippedFile`` with the reason.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path

__all__ = [
    "ListedFile",
    "SkippedFile",
    "Unreadable",
    "examine_file",
    "list_article_files",
    "read_listed_file",
    "shown_name",
]

SUFFIX = ".txt"
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """An item of the articles folder that was not used, and why."""

    name: str  # as shown: bytes of the name that aren't UTF-8 are escaped
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ListedFile:
    """One ``*.txt`` entry of the folder, examined without opening it."""

    name: str  # as shown (see SkippedFile.name)
    path: str  # what is read: the entry, or the file its symlink leads to
    stat: os.stat_result  # of ``path``; of the entry itself when it leads nowhere
    problem: str = ""  # why it can't be read; "" when it can

    @property
    def identity(self) -> str:
        """Changes whenever the file is written (every write replaces it)."""
        st = self.stat
        return f"{self.name}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\0{self.problem}\0"


class Unreadable(Exception):
    """A listed file turned out unreadable when opened (``reason`` says why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def list_article_files(folder: Path, root: Path, max_bytes: int) -> list[ListedFile]:
    """The ``*.txt`` entries of ``folder``, by name; symlinks may lead inside ``root``."""
    if not folder.is_dir():
        return []
    inside = os.path.realpath(root)
    found: list[ListedFile] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.endswith(SUFFIX):
                listed = examine_file(entry.path, inside, max_bytes)
                if listed is not None and not listed.problem and listed.stat.st_size == 0:
                    listed = replace(listed, problem="the file is empty")
                if listed is not None:
                    found.append(listed)
    found.sort(key=lambda listed: listed.name)
    return found


def read_listed_file(listed: ListedFile, max_bytes: int) -> bytes:
    """The bytes of a listed file with no problem; raises ``Unreadable`` (or
    ``FileNotFoundError`` when it was removed since it was listed)."""
    try:
        handle = os.open(listed.path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise Unreadable(f"can't open it: {error.strerror}") from error
    try:
        # It may have been replaced since it was listed: check what was opened.
        st = os.fstat(handle)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable(_kind(st.st_mode))
        if st.st_size > max_bytes:
            raise Unreadable(_too_large(st.st_size, max_bytes))
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(handle, min(_CHUNK, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:  # it grew while being read
            raise Unreadable(_too_large(size, max_bytes))
        return b"".join(chunks)
    except OSError as error:
        raise Unreadable(f"can't read it: {error.strerror}") from error
    finally:
        os.close(handle)


def shown_name(name: str) -> str:
    """A file name as text: bytes that aren't UTF-8 (surrogate-escaped) as ``\\xff``."""
    try:
        name.encode("utf-8")  # the usual case, and fast: nothing escaped
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")


def examine_file(entry: str | Path, inside: str, max_bytes: int) -> ListedFile | None:
    """What reading ``entry`` would meet, from ``lstat`` (and ``stat`` of a symlink's
    target, which must be inside the folder ``inside``); None when it doesn't exist."""
    path = os.fspath(entry)  # strings: a listing makes one per file, pathlib is slower
    base = os.path.basename(path)
    name = shown_name(base)
    try:
        st = os.lstat(path)
    except FileNotFoundError:  # removed while listing
        return None

    def skipped(problem: str) -> ListedFile:
        return ListedFile(name, path, st, problem)

    if name != base:
        return skipped("the file name is not UTF-8; rename the file")
    if stat.S_ISLNK(st.st_mode):
        try:
            st = os.stat(path)
        except OSError as error:
            if error.errno == errno.ELOOP:
                return skipped("a symlink loop")
            if error.errno == errno.ENOENT:
                return skipped("a dangling symlink (its target does not exist)")
            return skipped(f"a symlink that can't be followed: {error.strerror}")
        target = os.path.realpath(path)
        if os.path.commonpath([inside, target]) != inside:
            return skipped(f"a symlink out of the corpus folder (to {shown_name(target)})")
        path = target
    if not stat.S_ISREG(st.st_mode):
        return skipped(_kind(st.st_mode))
    if st.st_size > max_bytes:
        return skipped(_too_large(st.st_size, max_bytes))
    return ListedFile(name, path, st)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory, not a file"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a regular file"
    return "not a regular file"


def _too_large(size: int, max_bytes: int) -> str:
    return f"too large: {size:,} bytes, the limit is {max_bytes:,} (see ARTICLE_MAX_CHARS)"
