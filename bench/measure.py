"""Measuring helpers shared by the benchmarks."""

from __future__ import annotations

__all__ = ["resident_memory_mb"]


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
