"""The command line run in the test process: ``python -m bot …`` without a new process.

A fresh process costs seconds (it loads Kiwi); most command-line tests check what a
command prints and returns, which the same ``bot.cli.main`` gives here, with the session's
loaded analyzer. Each run is still a start from nothing but the files: new settings read
from the environment (``env`` applies to that run alone, as to a child process), a new
``Library``, stdin and stdout of its own, and the logging a real start sets up (to this
run's stderr). Every library a run made is closed afterwards, its threads joined.

Tests that need a real process — a kill, a closed pipe, a memory limit, two programs at
once, the installed command's name — start one (``tests.test_cli.run_cli``).
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot import KoreanAnalyzer, Library, cli

PROJECT = Path(__file__).resolve().parents[1]
# Loggers a run's configure_logging changes, put back as they were after it.
TOUCHED_LOGGERS = ("", "httpx", "httpcore")


@dataclass
class Ran:
    """What a command did, named as ``subprocess.CompletedProcess`` names it."""

    returncode: int
    stdout: str
    stderr: str


class InProcessCli:
    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        analyzer: KoreanAnalyzer,
    ) -> None:
        self._monkeypatch = monkeypatch
        self._capsys = capsys
        self._analyzer = analyzer
        self._libraries: list[Library] = []
        monkeypatch.setattr(cli, "Library", self._library)

    def _library(self, settings: Any, analyzer: KoreanAnalyzer | None = None) -> Library:
        library = Library(settings, analyzer=analyzer or self._analyzer)
        self._libraries.append(library)
        return library

    def __call__(
        self,
        *args: str,
        stdin: str | None = None,
        env: dict[str, str] | None = None,
        data_dir: Path | str | None = None,
        cwd: Path = PROJECT,
    ) -> Ran:
        self._capsys.readouterr()  # what the test printed before is not the command's
        with self._monkeypatch.context() as patch, _own_logging():
            environment = {"TELEGRAM_BOT_TOKEN": "", "LOG_LEVEL": "WARNING", **(env or {})}
            if data_dir is not None:
                environment["DATA_DIR"] = str(data_dir)
            for name, value in environment.items():
                patch.setenv(name, value)
            patch.chdir(cwd)  # where a `.env` would be read from
            patch.setattr(sys, "stdin", io.StringIO(stdin or ""))
            try:
                status = cli.main(list(args))
            except SystemExit as exit:  # argparse: usage errors and --help
                status = exit.code if isinstance(exit.code, int) else 1
            finally:
                self._close_libraries()
        out = self._capsys.readouterr()
        return Ran(status, out.out, out.err)

    def _close_libraries(self) -> None:
        """What the end of the process did: nothing of a run goes on into the next."""
        while self._libraries:
            library = self._libraries.pop()
            if library.catching_up is not None:
                library.catching_up.join()
            library.close()


@contextlib.contextmanager
def _own_logging() -> Iterator[None]:
    """Logging as in a new process (no handlers: ``configure_logging`` adds its own, on
    this run's stderr), then pytest's handlers and the levels as they were."""
    loggers = [logging.getLogger(name) for name in TOUCHED_LOGGERS]
    levels = [logger.level for logger in loggers]
    root = loggers[0]
    kept = root.handlers[:]
    root.handlers = []
    try:
        yield
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers = kept
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
