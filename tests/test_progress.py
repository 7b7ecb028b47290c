"""Progress bars in the terminal: shown while work goes on, silent when nobody watches."""

from __future__ import annotations

from bot.progress import TerminalProgress, no_progress


def test_a_stage_draws_a_bar_on_stderr(capsys):
    progress = TerminalProgress(force=True)
    for done in range(0, 11):
        progress("indexing", done, 10)
    progress("refreshing", 1, 2)
    progress("refreshing", 2, 2)
    err = capsys.readouterr().err
    assert "indexing" in err and "10/10" in err
    assert "refreshing" in err


def test_without_a_terminal_nothing_is_drawn(capsys):
    progress = TerminalProgress()  # pytest's stderr is not a terminal
    progress("indexing", 1, 2)
    assert capsys.readouterr().err == ""


def test_nobody_watching_costs_nothing():
    assert no_progress("indexing", 1, 2) is None
