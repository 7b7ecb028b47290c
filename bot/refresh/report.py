"""What a refresh changed, for the admin who asked for it."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field

from ..corpus.limits import Truncation
from ..texts import corpus_size

__all__ = ["Change", "ChangeKind", "RefreshReport"]


class ChangeKind(enum.Enum):
    ADDED = "added"
    UPDATED = "updated"
    REMOVED = "removed"
    UNCHANGED = "unchanged"
    FAILED = "failed"  # also a corpus file that was skipped (the reason says why)
    TRUNCATED = "truncated"  # an article cut to ARTICLE_MAX_CHARS (it is indexed too)


@dataclass(frozen=True, slots=True)
class Change:
    kind: ChangeKind
    title: str  # the article's title, or the URL/file when there is no article
    source: str = ""  # URL or file name
    reason: str = ""  # why it failed

    @classmethod
    def cut(cls, cut: Truncation, source: str = "") -> Change:
        """An article cut to ARTICLE_MAX_CHARS (``source``: where it came from, if not
        the cut's own)."""
        return cls(ChangeKind.TRUNCATED, cut.title, source or cut.source, cut.reason)


@dataclass(slots=True)
class RefreshReport:
    changes: list[Change] = field(default_factory=list)  # all but the unchanged articles
    articles: int = 0  # articles served after the refresh
    passages: int = 0
    seconds: float = 0.0  # how long the refresh took (a front end may add its own set-up)
    unchanged: int = 0  # articles indexed as they were
    rebuilt: bool = False  # the index was made afresh: there was nothing to compare with

    def count(self, kind: ChangeKind) -> int:
        return self.counts()[kind]

    def counts(self) -> Counter[ChangeKind]:
        counts = Counter(change.kind for change in self.changes)
        counts[ChangeKind.UNCHANGED] += self.unchanged
        return counts

    def of(self, kind: ChangeKind) -> list[Change]:
        return [change for change in self.changes if change.kind is kind]

    def summary(self) -> str:
        """One English line, for logs and the command line."""
        counts = self.counts()
        parts = [
            f"{kind.value} {counts[kind]}"
            for kind in ChangeKind
            if counts[kind] or kind is not ChangeKind.TRUNCATED
        ]
        rebuilt = "; the index was rebuilt" if self.rebuilt else ""
        return f"{', '.join(parts)}; {corpus_size(self.articles, self.passages, 'en')}{rebuilt}"
