"""Articles cut into passages: a few sentences each, with stable ids.

A passage is the unit that search ranks and that a link opens. Its id is
derived from the article id and the passage text, so it survives edits
elsewhere in the article and is safe in a Telegram deep link (A-Z a-z 0-9 _ -).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .documents import Article
from .sentences import sentence_spans

__all__ = [
    "MAX_PASSAGE_CHARS",
    "MAX_PASSAGE_SENTENCES",
    "Passage",
    "article_id_of",
    "split_article",
]

MAX_PASSAGE_SENTENCES = 3
MAX_PASSAGE_CHARS = 420
# A paragraph this short with a single sentence is a heading or a lead-in: it
# joins the passage that follows instead of standing alone.
_HEADING_CHARS = 80


@dataclass(frozen=True, slots=True)
class Passage:
    """A few consecutive sentences of one article."""

    id: str
    article_id: str
    ordinal: int  # position in the article, from 0
    text: str

    @property
    def sentences(self) -> tuple[tuple[int, int], ...]:
        return _sentences(self.text)


@functools.lru_cache(maxsize=8192)
def _sentences(text: str) -> tuple[tuple[int, int], ...]:
    # Asked for by every question a passage is a candidate of, and its excerpt.
    return tuple(sentence_spans(text))


def split_article(article: Article) -> list[Passage]:
    chunks = list(_chunks(article.paragraphs))
    passages: list[Passage] = []
    seen: set[str] = set()
    for ordinal, text in enumerate(chunks):
        pid = _passage_id(article.id, text, seen)
        passages.append(Passage(id=pid, article_id=article.id, ordinal=ordinal, text=text))
    return passages


def _chunks(paragraphs: Iterable[str]) -> Iterator[str]:
    carry = ""
    for paragraph in paragraphs:
        spans = sentence_spans(paragraph)
        sentences = [paragraph[a:b] for a, b in spans]
        if len(sentences) == 1 and len(paragraph) <= _HEADING_CHARS:
            carry = f"{carry} {paragraph}".strip()
            continue
        group: list[str] = [carry] if carry else []
        carry = ""
        for sentence in sentences:
            size = sum(len(s) + 1 for s in group)
            full = len(group) >= MAX_PASSAGE_SENTENCES or size + len(sentence) > MAX_PASSAGE_CHARS
            if group and full:
                yield " ".join(group)
                group = []
            group.append(sentence)
        if group:
            yield " ".join(group)
    if carry:
        yield carry


def article_id_of(passage_id: str) -> str:
    """The id of the article a passage id was made for (``_passage_id``)."""
    return passage_id.rpartition("-")[0]


def _passage_id(article_id: str, text: str, seen: set[str]) -> str:
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=4).hexdigest()
    pid = f"{article_id}-{digest}"
    suffix = 1
    while pid in seen:
        suffix += 1
        pid = f"{article_id}-{digest}{suffix}"
    seen.add(pid)
    return pid
