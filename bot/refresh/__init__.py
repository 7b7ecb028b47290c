"""Keeping the corpus current: re-read, re-fetch, poll feeds, add by URL, swap the index."""

from .refresher import AddResult, Refresher, RefreshInProgress
from .report import Change, ChangeKind, RefreshReport
from .sources_list import add_source, read_sources

__all__ = [
    "AddResult",
    "Change",
    "ChangeKind",
    "RefreshInProgress",
    "RefreshReport",
    "Refresher",
    "add_source",
    "read_sources",
]
