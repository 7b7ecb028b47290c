"""Measuring helpers shared by the benchmarks."""

from __future__ import annotations

import json
import subprocess
import sys
import time

__all__ = ["FIRST_ANSWER", "resident_memory_mb", "serve_in_fresh_process"]

FIRST_ANSWER = "first-answer"
"""What a serving process prints on its own line once it has answered its first question."""


def resident_memory_mb() -> dict[str, float]:
    """This process's memory from /proc/self/status, in MB: VmRSS, VmHWM (peak),
    RssAnon (its own) and RssFile (mapped files, e.g. index pages the OS can reclaim)."""
    fields = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0]) / 1024  # kB
    return fields


def serve_in_fresh_process(script: str, config: dict) -> tuple[float, dict]:
    """Run ``script --serve CONFIG`` in a new interpreter, as the bot would start.

    The child prints ``FIRST_ANSWER`` once it has answered one question, then one JSON
    report line. Returns the seconds from spawning to that first answer, and the report.
    ``config["spawned_at_monotonic"]`` lets the child split the start into stages.
    """
    config = {**config, "spawned_at_monotonic": time.monotonic()}
    spawned = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, script, "--serve", json.dumps(config)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    first_answer = time.perf_counter() - spawned
    if first.strip() != FIRST_ANSWER:
        process.wait()
        raise SystemExit(f"the serving process failed to start (exit {process.returncode})")
    report = json.loads(process.stdout.readline())
    if process.wait() != 0:
        raise SystemExit(f"the serving process failed (exit {process.returncode})")
    return first_answer, report
