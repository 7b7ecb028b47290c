"""BM25 with rank-bm25: exact, simple, and fast enough for small corpora.

rank-bm25 scores every document in a Python loop (about 230 ns per document
per query term), which is instant for thousands of passages and too slow for
hundreds of thousands; the tantivy engine takes over there.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from rank_bm25 import BM25Okapi

from .engine import Field, ScoredId, TermBag

__all__ = ["BM25Engine"]


class _FieldIndex(BM25Okapi):  # type: ignore[misc]  # rank-bm25 ships no type hints
    """BM25Okapi with a plain, always positive idf.

    rank-bm25's Okapi idf goes negative for terms in more than half of the
    documents and is then floored to a fraction of the mean idf; with a corpus of
    a few dozen passages that makes common words score erratically. The Lucene
    form log(1 + (N - n + 0.5) / (n + 0.5)) is positive and monotonic.
    """

    def _calc_idf(self, nd: dict[str, int]) -> None:
        n = self.corpus_size
        self.idf = {term: math.log(1 + (n - df + 0.5) / (df + 0.5)) for term, df in nd.items()}
        self.doc_count = nd


class BM25Engine:
    """Weighted multi-field BM25 over rank-bm25, rebuilt on every update.

    An update builds the new ids and field indexes aside and swaps them in as one
    tuple: a search running meanwhile uses either the old ones or the new ones.
    """

    name = "bm25"

    def __init__(self, fields: Sequence[Field], documents: Iterable[tuple[str, TermBag]] = ()):
        self.fields = tuple(fields)
        self._docs: dict[str, TermBag] = {}
        self._state: tuple[list[str], dict[str, _FieldIndex]] = ([], {})
        self.update(documents, ())

    @property
    def size(self) -> int:
        return len(self._state[0])

    def update(self, added: Iterable[tuple[str, TermBag]], removed: Iterable[str]) -> None:
        docs = dict(self._docs)
        for doc_id in removed:
            docs.pop(doc_id, None)
        for doc_id, bag in added:
            docs[doc_id] = {field.name: bag.get(field.name, ()) for field in self.fields}
        ids = list(docs)
        indexes = {}
        if ids:
            for field in self.fields:
                # rank-bm25 divides by the corpus' total length: an empty field still
                # gets one placeholder token so the average length is never zero.
                corpus = [list(docs[i].get(field.name, ())) or ["\x00"] for i in ids]
                indexes[field.name] = _FieldIndex(corpus, k1=field.k1, b=field.b)
        self._docs = docs
        self._state = (ids, indexes)

    def search(self, query: TermBag, k: int) -> list[ScoredId]:
        ids, indexes = self._state
        if not ids or k <= 0:
            return []
        total = np.zeros(len(ids))
        for field in self.fields:
            terms = [t for t in query.get(field.name, ()) if t in indexes[field.name].idf]
            if terms and field.weight:
                total += field.weight * indexes[field.name].get_scores(terms)
        k = min(k, len(ids))
        best = np.argpartition(-total, k - 1)[:k]
        ranked = sorted(best, key=lambda i: (-total[i], i))
        return [ScoredId(ids[i], float(total[i])) for i in ranked if total[i] > 0]

    def document_frequency(self, field: str, term: str) -> int:
        index = self._state[1].get(field)
        return index.doc_count.get(term, 0) if index else 0
