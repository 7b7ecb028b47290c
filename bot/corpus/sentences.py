"""Sentence boundaries for Korean (and mixed-script) prose.

A rule-based splitter rather than the morphological analyzer: it is fast,
deterministic, and keeps the corpus layer free of search-time dependencies.
"""

from __future__ import annotations

import re

__all__ = ["sentence_spans", "split_sentences"]

# A sentence ends at . ! ? … (and runs of them), optionally followed by closing
# quotes or brackets, then whitespace. Korean final endings (다. 요. 까?) are the
# common case; the look-behind guards keep "3.5", "vs. America" and "U.S." intact.
_END = re.compile(r"""(?<=[.!?…])["'”’»)\]]*(?=\s+)""")
_ABBREVIATIONS = {
    "vs",
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "st",
    "no",
    "etc",
    "inc",
    "co",
    "u.s",
    "e.g",
    "i.e",
}


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of the sentences in ``text``, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(text):
        end = match.end()
        if _is_abbreviation(text, end) or _continues_lowercase(text, end):
            continue
        _add(text, start, end, spans)
        start = end
    _add(text, start, len(text), spans)
    return spans


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def _is_abbreviation(text: str, end: int) -> bool:
    word = re.search(r"([A-Za-z.]+)\.\W*$", text[max(0, end - 12) : end])
    return word is not None and word.group(1).lower() in _ABBREVIATIONS


def _continues_lowercase(text: str, end: int) -> bool:
    following = text[end:].lstrip()
    return bool(following) and following[0].islower() and following[0].isascii()
