"""Choosing a search engine by name or by corpus size."""

from __future__ import annotations

from collections.abc import Sequence

from .bm25_engine import BM25Engine
from .engine import Field, SearchEngine

__all__ = ["ENGINES", "make_engine"]

ENGINES = ("auto", "bm25")


def make_engine(name: str, fields: Sequence[Field], *, size: int = 0) -> SearchEngine:
    if name in ("auto", "bm25"):
        return BM25Engine(fields)
    raise ValueError(f"unknown search engine {name!r}; choose one of {', '.join(ENGINES)}")
