"""The corpus folder: article files, the synonyms list and the sources list.

    corpus/
      articles/<id>.txt   one article each (see documents.py)
      synonyms.txt        groups of equivalent names for query expansion
      sources.txt         feeds and pages to poll on refresh

Every write is atomic (a temporary file, then a rename), so a crash at any
moment leaves the previous version of each file intact.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CorpusError
from .documents import Article, parse_article, render_article
from .files import (
    ListedFile,
    SkippedFile,
    Unreadable,
    examine_file,
    list_article_files,
    read_listed_file,
)
from .limits import ARTICLE_MAX_CHARS, Truncation, limit_article, max_file_bytes
from .synonyms import Synonyms, parse_synonyms

__all__ = ["Corpus", "CorpusStore", "KnownFile", "write_atomically"]

ARTICLES_DIR = "articles"
SYNONYMS_FILE = "synonyms.txt"
SOURCES_FILE = "sources.txt"

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Corpus:
    """Everything read from the corpus folder at one moment."""

    articles: tuple[Article, ...]
    synonyms: Synonyms = field(default_factory=Synonyms)
    fingerprint: str = ""
    skipped: tuple[SkippedFile, ...] = ()  # files not used, and why
    truncated: tuple[Truncation, ...] = ()  # articles cut to ARTICLE_MAX_CHARS
    # Articles taken from ``load(known=…)`` without reading their files: metadata only
    # (empty body), the same as when they were last indexed.
    unread: frozenset[str] = frozenset()
    files: Mapping[str, KnownFile] = field(default_factory=dict)  # article id -> its file
    scan: str = ""  # CorpusStore.scan() of the folder as it was read


@dataclass(frozen=True, slots=True)
class KnownFile:
    """An article file as it was when last read: what ``load`` needs to skip reading
    it again while its name, size, time and inode are the same."""

    name: str
    identity: str  # ListedFile.identity
    article: Article  # its metadata (the body may be empty)
    cut: Truncation | None = None  # how it was cut to ARTICLE_MAX_CHARS, if it was


class CorpusStore:
    """The corpus folder. Reading it never fails because of one file: each file that
    can't be used is skipped, logged once as a warning, and listed in ``Corpus.skipped``
    (see files.py for what is read at all)."""

    def __init__(self, root: Path, *, max_chars: int = ARTICLE_MAX_CHARS) -> None:
        self.root = Path(root)
        self.max_chars = max_chars
        self.max_bytes = max_file_bytes(max_chars)
        # What was already logged: a refresh reads the folder several times.
        self._warned: set[str] = set()

    @property
    def articles_dir(self) -> Path:
        return self.root / ARTICLES_DIR

    @property
    def sources_file(self) -> Path:
        return self.root / SOURCES_FILE

    @property
    def synonyms_file(self) -> Path:
        return self.root / SYNONYMS_FILE

    def scan(self) -> str:
        """A digest of the article and synonyms files' names, sizes, times and inodes:
        changes whenever a file is written (every write replaces the file), without
        opening any file. Items that load() skips count too, with their reason."""
        return _scan([listed.identity for listed in self._listing()])

    def _listing(self) -> list[ListedFile]:
        listed = list_article_files(self.articles_dir, self.root, self.max_bytes)
        synonyms = self._synonyms_listed()
        return [*listed, synonyms] if synonyms is not None else listed

    def _synonyms_listed(self) -> ListedFile | None:
        return examine_file(self.synonyms_file, os.path.realpath(self.root), self.max_bytes)

    def article_path(self, article_id: str) -> Path:
        return self.articles_dir / f"{article_id}.txt"

    def load(self, known: Mapping[str, KnownFile] | None = None) -> Corpus:
        """Read every article that can be read; the rest are in ``Corpus.skipped``.

        A file in ``known`` (by name) whose identity is unchanged is not read: its known
        article (metadata only) is used and listed in ``Corpus.unread``."""
        if not self.root.is_dir():
            raise CorpusError(f"the corpus folder {self.root} does not exist")
        known = known or {}
        articles: list[Article] = []
        skipped: list[SkippedFile] = []
        truncated: list[Truncation] = []
        unread: set[str] = set()
        files: dict[str, KnownFile] = {}
        digest = hashlib.blake2b(digest_size=16)
        seen: dict[str, str] = {}  # id -> the file that has it
        # Listed before reading, and scanned as listed: a later write changes the scan.
        listing = list_article_files(self.articles_dir, self.root, self.max_bytes)
        synonyms_file = self._synonyms_listed()
        identities = [listed.identity for listed in listing]  # each computed once
        scan = _scan([*identities, synonyms_file.identity] if synonyms_file else identities)
        for listed, listed_identity in zip(listing, identities, strict=True):
            identity = f"{listed_identity}{self.max_chars}"  # the limit changes what is read
            same = known.get(listed.name)
            if same is not None and same.identity == identity and same.article.id not in seen:
                seen[same.article.id] = listed.name
                digest.update(os.fsencode(identity))
                if same.cut is not None:
                    truncated.append(same.cut)
                unread.add(same.article.id)
                files[same.article.id] = same
                articles.append(same.article)
                continue
            try:
                raw = self._read(listed)
                article = _parse(listed.name, raw, seen)
            except Unreadable as problem:
                skipped.append(self._skip(listed.name, problem.reason))
                continue
            except FileNotFoundError:  # removed since it was listed: gone, not broken
                continue
            digest.update(os.fsencode(listed.name) + b"\0" + raw + b"\0")
            article, cut = limit_article(article, self.max_chars, listed.name)
            if cut is not None:
                truncated.append(cut)
                self._warn(f"{listed.name}: {cut.reason}")
            seen[article.id] = listed.name
            files[article.id] = KnownFile(listed.name, identity, article, cut)
            articles.append(article)
        synonyms = self._load_synonyms(skipped, synonyms_file)
        digest.update(repr(synonyms.groups).encode())
        for skip in skipped:
            digest.update(str(skip).encode())
        return Corpus(
            tuple(articles),
            synonyms,
            digest.hexdigest(),
            tuple(skipped),
            tuple(truncated),
            frozenset(unread),
            files,
            scan,
        )

    def read_file(self, name: str) -> Article | None:
        """The article in the articles folder's file ``name``; None if it can't be read."""
        inside = os.path.realpath(self.root)
        listed = examine_file(self.articles_dir / name, inside, self.max_bytes)
        if listed is None:
            return None
        try:
            article = _parse(name, self._read(listed), {})
        except (Unreadable, FileNotFoundError):
            return None
        return limit_article(article, self.max_chars, name)[0]

    def load_synonyms(self) -> Synonyms:
        """The synonyms list (empty when it can't be read; load() says why)."""
        return self._load_synonyms([], self._synonyms_listed())

    def _load_synonyms(self, skipped: list[SkippedFile], listed: ListedFile | None) -> Synonyms:
        if listed is None:
            return Synonyms()
        try:
            raw = self._read(listed)
            return parse_synonyms(_decode(raw))
        except Unreadable as problem:
            skipped.append(self._skip(listed.name, problem.reason))
        except FileNotFoundError:  # removed since it was listed: no synonyms
            return Synonyms()
        return Synonyms()

    def _read(self, listed: ListedFile) -> bytes:
        if listed.problem:
            raise Unreadable(listed.problem)
        return read_listed_file(listed, self.max_bytes)

    def _skip(self, name: str, reason: str) -> SkippedFile:
        problem = SkippedFile(name, reason)
        self._warn(f"skipped {problem}")
        return problem

    def _warn(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            log.warning("corpus %s: %s", self.root, message)

    def save_article(self, article: Article) -> Path:
        path = self.article_path(article.id)
        write_atomically(path, render_article(article))
        return path

    def remove_article(self, article_id: str) -> bool:
        path = self.article_path(article_id)
        if not path.exists():
            return False
        path.unlink()
        return True


def _scan(identities: list[str]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for identity in identities:
        digest.update(os.fsencode(identity))
    return digest.hexdigest()


def _decode(raw: bytes) -> str:
    if b"\0" in raw:
        raise Unreadable("a binary file, not text (it contains NUL bytes)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Unreadable(f"not UTF-8 text (byte {error.start:,}: {error.reason})") from None


def _parse(name: str, raw: bytes, seen: dict[str, str]) -> Article:
    text = _decode(raw)
    try:
        article = parse_article(text, source=name)
    except CorpusError as error:
        raise Unreadable(_without_source(str(error), name)) from None
    if article.id in seen:
        raise Unreadable(f"id {article.id} is already used by {seen[article.id]}")
    return article


def _without_source(message: str, name: str) -> str:
    """parse_article's message without the file name it starts with."""
    rest = message.removeprefix(f"{name}:")
    return f"line {rest}" if rest[:1].isdigit() else rest.strip()


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write to a temporary file beside ``path``, fsync, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
