"""The interface every search engine implements.

Documents and queries arrive already analyzed, as a bag of terms per field
(``{"word": [...], "gram": [...]}``): the analyzer decides what a term is, the
engine only scores. A document's score is the weighted sum of one BM25 score
per field, each with its own k1 and b.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Field", "ScoredId", "SearchEngine", "TermBag"]

TermBag = Mapping[str, Sequence[str]]
"""Terms of one text, per field name."""


@dataclass(frozen=True, slots=True)
class Field:
    """A field of the index and how much it counts."""

    name: str
    weight: float = 1.0
    k1: float = 1.2
    b: float = 0.75


@dataclass(frozen=True, slots=True)
class ScoredId:
    id: str
    score: float


class SearchEngine(Protocol):
    """Ranks documents (passages) by BM25 over analyzed fields."""

    name: str

    @property
    def size(self) -> int:
        """How many documents are indexed."""
        ...

    def search(self, query: TermBag, k: int) -> list[ScoredId]:
        """The best ``k`` documents with a positive score, best first."""
        ...

    def document_frequency(self, field: str, term: str) -> int:
        """In how many documents ``term`` occurs in ``field``."""
        ...

    def update(self, added: Iterable[tuple[str, TermBag]], removed: Iterable[str]) -> None:
        """Add (or replace) and remove documents by id."""
        ...
