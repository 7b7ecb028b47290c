"""What each URL answered last time (ETag, Last-Modified), so unchanged pages aren't re-read."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ..corpus import write_atomically

__all__ = ["FetchState", "Validators"]


@dataclass(frozen=True, slots=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None


class FetchState:
    """A JSON file of validators per URL; losing it only costs full downloads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            self._entries = {url: Validators(**v) for url, v in raw.items()}
        except (OSError, ValueError, TypeError):
            self._entries = {}

    def get(self, url: str) -> Validators:
        return self._entries.get(url, Validators())

    def set(self, url: str, validators: Validators) -> None:
        self._entries[url] = validators

    def save(self) -> None:
        data = {url: asdict(v) for url, v in sorted(self._entries.items())}
        write_atomically(self.path, json.dumps(data, ensure_ascii=False, indent=1))
