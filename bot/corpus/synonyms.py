"""Query expansion from an editable list of equivalent names.

``corpus/synonyms.txt`` holds one group per line, members separated by commas:

    DeepSeek, 딥시크, 딥씩
    OpenAI, 오픈AI, 오픈에이아이

A question that mentions any member is searched as if it mentioned all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Synonyms", "load_synonyms", "parse_synonyms"]


@dataclass(frozen=True, slots=True)
class Synonyms:
    groups: tuple[tuple[str, ...], ...] = ()

    def expand(self, question: str) -> list[tuple[list[str], list[str]]]:
        """For every group the question mentions: (members it mentions, the others)."""
        found = []
        for group in self.groups:
            present = [m for m in group if _mentions(question, m)]
            if present:
                found.append((present, [m for m in group if m not in present]))
        return found


def _mentions(text: str, member: str) -> bool:
    # Latin members match as whole words, case-insensitively; Hangul members match
    # at the start of a word, since particles glue onto their end (딥시크의, 딥시크는).
    escaped = re.escape(member)
    if member.isascii():
        pattern = rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])"
    else:
        pattern = rf"(?<![가-힣A-Za-z0-9]){escaped}"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None


def load_synonyms(path: Path) -> Synonyms:
    if not path.exists():
        return Synonyms()
    return parse_synonyms(path.read_text(encoding="utf-8"))


def parse_synonyms(text: str) -> Synonyms:
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        members = tuple(m.strip() for m in line.split(",") if m.strip())
        if len(members) >= 2:
            groups.append(members)
    return Synonyms(tuple(groups))
