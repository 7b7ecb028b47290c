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
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CorpusError
from .documents import Article, parse_article, render_article
from .passages import Passage, split_article
from .synonyms import Synonyms, load_synonyms

__all__ = ["Corpus", "CorpusStore", "write_atomically"]

ARTICLES_DIR = "articles"
SYNONYMS_FILE = "synonyms.txt"
SOURCES_FILE = "sources.txt"


@dataclass(frozen=True, slots=True)
class Corpus:
    """Everything read from the corpus folder at one moment."""

    articles: tuple[Article, ...]
    synonyms: Synonyms = field(default_factory=Synonyms)
    fingerprint: str = ""

    def passages(self) -> list[Passage]:
        return [p for article in self.articles for p in split_article(article)]


class CorpusStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

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
        reading any file."""
        digest = hashlib.blake2b(digest_size=16)
        entries: list[tuple[str, os.stat_result]] = []
        if self.synonyms_file.exists():
            entries.append((SYNONYMS_FILE, self.synonyms_file.stat()))
        if self.articles_dir.is_dir():
            with os.scandir(self.articles_dir) as found:
                for entry in found:
                    if entry.name.endswith(".txt"):
                        try:
                            entries.append((entry.name, entry.stat()))
                        except FileNotFoundError:
                            continue
        entries.sort(key=lambda item: item[0])
        digest.update(
            "".join(
                f"{name}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\0" for name, st in entries
            ).encode()
        )
        return digest.hexdigest()

    def article_path(self, article_id: str) -> Path:
        return self.articles_dir / f"{article_id}.txt"

    def load(self, broken: list[CorpusError] | None = None) -> Corpus:
        """Read every article; with ``broken`` given, unreadable files are skipped and
        their errors appended to it instead of failing the whole corpus."""
        if not self.root.is_dir():
            raise CorpusError(f"the corpus folder {self.root} does not exist")
        articles: list[Article] = []
        digest = hashlib.blake2b(digest_size=16)
        seen: dict[str, Path] = {}
        for path in sorted(self.articles_dir.glob("*.txt")):
            raw = path.read_bytes()
            digest.update(path.name.encode() + b"\0" + raw + b"\0")
            try:
                article = _read(path, raw, seen)
            except CorpusError as error:
                if broken is None:
                    raise
                broken.append(error)
                continue
            seen[article.id] = path
            articles.append(article)
        synonyms_path = self.root / SYNONYMS_FILE
        if synonyms_path.exists():
            digest.update(synonyms_path.read_bytes())
        return Corpus(tuple(articles), load_synonyms(synonyms_path), digest.hexdigest())

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


def _read(path: Path, raw: bytes, seen: dict[str, Path]) -> Article:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CorpusError(f"{path}: not UTF-8 ({error.reason})") from error
    article = parse_article(text, source=str(path))
    if article.id in seen:
        raise CorpusError(f"{path}: id {article.id} is already used by {seen[article.id]}")
    return article


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
