"""Korean-aware analysis: text → terms per field.  (v0; being tuned on KorQuAD)

Fields:
- ``word``: content morphemes from Kiwi (nouns, verb/adjective stems, roots,
  foreign words lower-cased, numbers), so 중국은/중국이/중국의 all give 중국.
- ``gram``: character bigrams of Hangul runs, which tolerate spacing variants
  (오픈소스 / 오픈 소스) and analyzer mistakes on rare names.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from .engine import Field

__all__ = ["KoreanAnalyzer", "Term"]

_CONTENT_TAGS = ("NNG", "NNP", "NNB", "NR", "NP", "VV", "VA", "XR", "SL", "SN", "SH", "MAG")
_HANGUL_RUN = re.compile(r"[가-힣]+")


@dataclass(frozen=True, slots=True)
class Term:
    """A term of the ``word`` field and where it stands in the text."""

    text: str
    start: int
    end: int


class KoreanAnalyzer:
    version = "v0"
    fields = (Field("word", 1.0, 1.2, 0.75), Field("gram", 0.5, 1.2, 0.75))

    def __init__(self, workers: int = 0) -> None:
        self._workers = workers
        self._lock = threading.Lock()

    @cached_property
    def _kiwi(self):  # noqa: ANN202 - kiwipiepy ships no type hints
        from kiwipiepy import Kiwi

        return Kiwi(num_workers=self._workers)

    def words(self, text: str) -> list[Term]:
        with self._lock:
            tokens = self._kiwi.tokenize(text)
        return [t for t in (_term(tok) for tok in tokens) if t]

    def analyze(self, text: str, title: str = "") -> dict[str, list[str]]:
        words = [t.text for t in self.words(text)]
        return {"word": words, "gram": _bigrams(text)}

    def analyze_many(self, items: Iterable[tuple[str, str]]) -> Iterator[dict[str, list[str]]]:
        for text, title in items:
            yield self.analyze(text, title)

    def analyze_query(self, question: str) -> dict[str, list[str]]:
        return self.analyze(question)


def _term(token) -> Term | None:  # noqa: ANN001
    tag = token.tag.split("-")[0]
    if tag not in _CONTENT_TAGS:
        return None
    form = token.form.lower() if tag == "SL" else token.form
    return Term(form, token.start, token.start + token.len)


def _bigrams(text: str) -> list[str]:
    grams: list[str] = []
    for run in _HANGUL_RUN.findall(text):
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams
