"""Progress reporting that any layer can call and any front end can show.

The core reports ``(stage, done, total)``; the terminal draws a tqdm bar, the
Telegram front end edits a status message. Reporting never fails the work.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Protocol

__all__ = ["Progress", "TerminalProgress", "no_progress"]


class Progress(Protocol):
    def __call__(self, stage: str, done: int, total: int) -> None: ...


def no_progress(stage: str, done: int, total: int) -> None:
    """The default: nobody is watching."""


class _Bar(Protocol):
    """What TerminalProgress uses of a tqdm bar."""

    total: float
    n: float

    def refresh(self) -> object: ...
    def close(self) -> object: ...


class TerminalProgress:
    """One tqdm bar per stage, on stderr, only when stderr is a terminal (or forced)."""

    def __init__(self, *, force: bool = False, factory: Callable[..., _Bar] | None = None):
        self._enabled = force or sys.stderr.isatty()
        self._factory = factory
        self._stage: str | None = None
        self._bar: _Bar | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self._enabled:
            return
        bar = self._bar
        if bar is None or stage != self._stage:
            self.close()
            from tqdm import tqdm

            factory = self._factory or tqdm
            bar = factory(total=total, desc=stage, unit="", leave=False, file=sys.stderr)
            self._bar, self._stage = bar, stage
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar = None
        self._stage = None
