"""Choosing a search engine by name or by corpus size.

``bm25`` (rank-bm25) is exact and needs nothing on disk, but scores every passage
for every query term. ``tantivy`` walks only the posting lists of the query's
terms and keeps its index on disk. ``auto`` picks bm25 below ``AUTO_THRESHOLD``
passages and tantivy from there on: measured end to end with
``bench/latency.py --engine bm25``, rank-bm25's p95 is 12 ms at 4,000 passages,
17 ms at 5,000 and 20 ms at 6,000, while tantivy's stays near 1 ms. ``opensearch``
keeps the index in an OpenSearch cluster (several bot processes, one index); it is
never chosen by ``auto``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .bm25_engine import BM25Engine
from .engine import Field, SearchEngine
from .tantivy_engine import TantivyEngine

if TYPE_CHECKING:  # the OpenSearch client is an optional extra, imported when used
    from .opensearch_engine import OpenSearchConfig

__all__ = ["AUTO_THRESHOLD", "ENGINES", "make_engine", "resolve_engine"]

ENGINES = ("auto", "bm25", "tantivy", "opensearch")
"""Valid values of the ``SEARCH_ENGINE`` setting."""

AUTO_THRESHOLD = 5_000
"""Passages from which ``auto`` chooses tantivy."""


def resolve_engine(name: str, size: int) -> str:
    """The concrete engine ``name`` stands for with a corpus of ``size`` passages."""
    if name not in ENGINES:
        raise ValueError(f"unknown search engine {name!r}; choose one of {', '.join(ENGINES)}")
    if name == "auto":
        return "bm25" if size < AUTO_THRESHOLD else "tantivy"
    return name


def make_engine(
    name: str,
    fields: Sequence[Field],
    *,
    size: int = 0,
    path: Path | None = None,
    remote: OpenSearchConfig | None = None,
    fresh: bool = False,
) -> SearchEngine:
    """An engine for ``fields``; ``path`` is where tantivy keeps its index (None: in memory),
    ``remote`` the cluster of ``opensearch``.

    A tantivy index already at ``path`` is reopened with the passages it holds, and so is
    the OpenSearch index behind the alias unless ``fresh`` (a rebuild: a new index,
    switched in by its first update).
    """
    concrete = resolve_engine(name, size)
    if concrete == "opensearch":
        from .opensearch_engine import OpenSearchEngine

        if remote is None:
            raise ValueError("the opensearch engine needs the cluster's settings")
        return OpenSearchEngine(fields, remote, fresh=fresh)
    if concrete == "tantivy":
        return TantivyEngine(fields, path)
    return BM25Engine(fields)
