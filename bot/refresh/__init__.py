"""Keeping the corpus current: re-read, re-fetch, poll feeds, add by URL or file, swap the index."""

from .documents import DocumentDraft, draft_document
from .refresher import AddResult, Refresher, RefreshInProgress
from .report import Change, ChangeKind, RefreshReport
from .sources_list import add_source, read_sources

__all__ = [
    "AddResult",
    "Change",
    "ChangeKind",
    "DocumentDraft",
    "RefreshInProgress",
    "RefreshReport",
    "Refresher",
    "add_source",
    "draft_document",
    "read_sources",
]
