"""``corpus/sources.txt``: feeds and pages to poll for new articles.

One URL per line; ``#`` starts a comment. Whether a URL is a feed (RSS/Atom) or
a page is decided by what it serves, so the file needs no syntax beyond URLs.
"""

from __future__ import annotations

from pathlib import Path

from ..corpus import write_atomically

__all__ = ["add_source", "read_sources"]


def read_sources(path: Path) -> list[str]:
    if not path.exists():
        return []
    urls = []
    for line in path.read_text(encoding="utf-8").splitlines():
        url = line.split("#", 1)[0].strip()
        if url and url not in urls:
            urls.append(url)
    return urls


def add_source(path: Path, url: str) -> bool:
    """Append ``url`` unless it is listed already; True when it was added."""
    if url in read_sources(path):
        return False
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if existing and not existing.endswith("\n"):
        existing += "\n"
    write_atomically(path, f"{existing}{url}\n")
    return True
