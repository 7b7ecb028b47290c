"""BM25 with tantivy: an on-disk inverted index for large corpora.

rank-bm25 scores every passage for every query term; tantivy walks only the
posting lists of the query's terms (with block-max WAND pruning), so a question
takes about a millisecond at a hundred thousand passages. Its index is a
directory of memory-mapped files: it reopens instantly, and the operating system
keeps in memory only the parts that queries touch.

The analyzer has already turned each text into terms, so every field is stored
as its terms joined by spaces and indexed with a tokenizer that only splits on
whitespace (no lower-casing, stemming or length filter): tantivy indexes exactly
the analyzer's terms. Term frequencies are kept, positions are not (BM25 does
not use them, and they would double the index).

Scores are those of the rank-bm25 engine: the sum over fields of the field
weight times BM25 with the field's k1 and b and the Lucene idf
log(1 + (N - n + 0.5) / (n + 0.5)). Tantivy's own BM25 cannot be configured: it
fixes k1 = 1.2 and b = 0.75 and stores document lengths in one byte. So tantivy
finds the best ``k`` passages by its BM25 (field weights as query boosts), and
those are then scored exactly, from their stored terms, with each field's own k1
and b. The analyzer's fields are fit on KorQuAD with k1 = 0.3: on KorQuAD 1.0 dev
(961 paragraphs, 5,774 questions) tantivy's ranking alone gets top-1 .937
against rank-bm25's .947, and re-scoring its top 10 gets .948. The best ``k``
by tantivy's BM25 are not always the best ``k`` by the exact one (on a synthetic
corpus, 90% of the top 10 are the same and the first hit 99.5% of the time);
re-scoring more candidates would close that at ~0.04 ms a candidate. Deleted
passages count in document frequencies and average lengths until tantivy merges
their segment away, as in Lucene.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy

from .derived import move_aside
from .engine import Field, ScoredId, TermBag

__all__ = ["TantivyEngine"]

log = logging.getLogger(__name__)

_ID = "id"
_TOKENIZER = "analyzed_terms"
_LAYOUT_FILE = "bm25-layout.json"
# The fields' names (and the engine's layout version) the index was made with:
# an index made for other fields cannot be updated or searched meaningfully.
_LAYOUT_VERSION = 4
# Indexing memory for all writer threads together (tantivy needs 15 MB a thread).
# It bounds the memory of any update, however large: tantivy writes a segment
# whenever a thread's share fills up. It is allocated as used, so a small update
# costs no more than its documents.
_WRITER_HEAP = 256_000_000
# Between a field's terms in the stored text (see _FieldScorer.score).
_SEPARATOR = "  "
# The one term of an empty field, as rank-bm25 does: it counts in the average
# length, so scores stay the same; no query can ask for it.
_EMPTY = "\x00"
# Document frequencies up to this are counted exactly (~15 ns a posting).
_COUNT_UP_TO = 5_000
# Documents looked at to find each field's average length (see _average_lengths).
_PROBES = 64


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """What one search reads: a searcher and the field statistics that go with it."""

    searcher: tantivy.Searcher
    average_length: Mapping[str, float]


class TantivyEngine:
    """Weighted multi-field BM25 over a tantivy index, updated in place.

    ``path`` is a directory the engine owns: an index found there is reopened
    (in milliseconds, whatever its size), and one made for other fields is
    deleted and started afresh. ``None`` keeps the index in memory.

    Searching is thread-safe and never blocked by an update: a search uses the
    snapshot of the last completed update, and an update becomes visible all at
    once when it commits.
    """

    name = "tantivy"

    def __init__(self, fields: Sequence[Field], path: Path | None = None) -> None:
        self.fields = tuple(fields)
        self.path = path
        self._schema = _schema(self.fields)
        try:
            self._open()
        except ValueError as error:  # how tantivy reports files it can't read
            if path is None:
                raise
            # It is made from the passage store, which then finds it empty and refills it.
            move_aside(path, "the search index", error)
            self._open()
        self._write_lock = threading.Lock()

    def _open(self) -> None:
        self._index = self._open_or_create()
        self._index.register_tokenizer(
            _TOKENIZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
        )
        # Only our own commits change what is searched, and only when we reload.
        self._index.config_reader(reload_policy="manual")
        self._snapshot = self._take_snapshot()

    def _open_or_create(self) -> tantivy.Index:
        if self.path is None:
            return tantivy.Index(self._schema)
        layout = {"version": _LAYOUT_VERSION, "fields": [f.name for f in self.fields]}
        layout_file = self.path / _LAYOUT_FILE
        if self.path.is_dir() and tantivy.Index.exists(str(self.path)):
            if _read_json(layout_file) == layout:
                return tantivy.Index.open(str(self.path))
            log.warning("search index at %s was made differently: rebuilding it", self.path)
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(self._schema, path=str(self.path))
        layout_file.write_text(json.dumps(layout), encoding="utf-8")
        return index

    def _take_snapshot(self) -> _Snapshot:
        searcher = self._index.searcher()
        return _Snapshot(searcher, _average_lengths(searcher, self._schema, self.fields))

    # -- the SearchEngine protocol ------------------------------------------------

    @property
    def size(self) -> int:
        return self._snapshot.searcher.num_docs

    def update(self, added: Iterable[tuple[str, TermBag]], removed: Iterable[str]) -> None:
        """Remove, then add (replacing any passage with the same id), then commit.

        ``added`` is consumed as it is indexed, so a whole corpus can be streamed
        through one update in bounded memory. Nothing is visible to searches until
        the commit, and then all of it is.
        """
        with self._write_lock:
            writer = self._index.writer(heap_size=_WRITER_HEAP)
            try:
                if self._write(writer, added, removed):
                    writer.commit()
                else:  # nothing to do: leave the index files as they are
                    writer.rollback()
                    return
            except BaseException:
                writer.rollback()
                raise
            finally:
                # Lets merges finish and releases the index's write lock.
                writer.wait_merging_threads()
            self._index.reload()
            self._snapshot = self._take_snapshot()

    def _write(
        self,
        writer: tantivy.IndexWriter,
        added: Iterable[tuple[str, TermBag]],
        removed: Iterable[str],
    ) -> int:
        """Queue the changes on ``writer``; how many operations there were."""
        operations = 0
        for doc_id in removed:
            writer.delete_documents_by_term(_ID, doc_id)
            operations += 1
        # Deleting an id costs a term lookup per segment; a bulk load into an
        # empty index skips it, except for an id that comes twice.
        replacing = self._snapshot.searcher.num_docs > 0
        seen: set[str] = set()
        for doc_id, bag in added:
            if replacing or doc_id in seen:
                writer.delete_documents_by_term(_ID, doc_id)
            seen.add(doc_id)
            writer.add_document(self._document(doc_id, bag))
            operations += 1
        return operations

    def search(self, query: TermBag, k: int) -> list[ScoredId]:
        if k <= 0:
            return []
        wanted = {
            field: Counter(_terms(query.get(field.name, ())))
            for field in self.fields
            if field.weight
        }
        clauses = []
        for field, counts in wanted.items():
            for term, count in counts.items():
                term_query = tantivy.Query.term_query(
                    self._schema, field.name, term, index_option="freq"
                )
                # A term asked twice counts twice, as in rank-bm25.
                boost = field.weight * count
                if boost != 1:
                    term_query = tantivy.Query.boost_query(term_query, boost)
                clauses.append((tantivy.Occur.Should, term_query))
        if not clauses:
            return []
        snapshot = self._snapshot
        searcher = snapshot.searcher
        result = searcher.search(tantivy.Query.boolean_query(clauses), limit=k, count=False)
        if not result.hits:
            return []
        scorers = [
            _FieldScorer(field, counts, searcher, snapshot.average_length[field.name])
            for field, counts in wanted.items()
        ]
        scored = []
        for _, address in result.hits:
            document = searcher.doc(address)
            score = sum(scorer.score(document) for scorer in scorers)
            doc_id = document.get_first(_ID)  # every document is written with one
            if score > 0 and doc_id is not None:
                scored.append(ScoredId(doc_id, score))
        # Stable: among equal scores, tantivy's order stands.
        scored.sort(key=lambda hit: -hit.score)
        return scored

    def document_frequency(self, field: str, term: str) -> int:
        """Passages with ``term`` in ``field``.

        Tantivy's document frequency is a lookup, but counts deleted passages until
        their segment is merged away; for a rare term, where a few deletions matter,
        the live passages are counted instead (a pass over its short posting list).
        """
        if field not in {f.name for f in self.fields} or _terms([term]) != [term]:
            return 0
        searcher = self._snapshot.searcher
        frequency = searcher.doc_freq(field, term)
        if 0 < frequency <= _COUNT_UP_TO:
            query = tantivy.Query.term_query(self._schema, field, term, index_option="basic")
            # tantivy's stub leaves out SearchResult.count (set when count=True)
            frequency = searcher.search(query, limit=1, count=True).count  # type: ignore[attr-defined]
        return frequency

    # -- helpers --------------------------------------------------------------------

    def _document(self, doc_id: str, bag: TermBag) -> tantivy.Document:
        document = tantivy.Document()
        document.add_text(_ID, doc_id)
        for field in self.fields:
            terms = _terms(bag.get(field.name, ())) or [_EMPTY]
            document.add_text(field.name, _SEPARATOR.join(terms))
        return document


class _FieldScorer:
    """BM25 of one field, with the field's k1 and b, for the terms of one query."""

    def __init__(
        self, field: Field, counts: Counter[str], searcher: tantivy.Searcher, average: float
    ) -> None:
        self.name = field.name
        self.k1 = field.k1
        self.b = field.b
        self.average = average
        total = searcher.num_docs
        # weight × idf × query count × (k1 + 1), per term
        self.factors = {}
        for term, count in counts.items():
            n = min(searcher.doc_freq(field.name, term), total)
            if n:
                idf = math.log(1 + (total - n + 0.5) / (n + 0.5))
                self.factors[term] = field.weight * idf * count * (field.k1 + 1)

    def score(self, document: tantivy.Document) -> float:
        if not self.factors:
            return 0.0
        text = document.get_first(self.name) or ""
        # Terms are stored two spaces apart, so " term " occurrences never
        # overlap and counting them (in C) gives the term frequency.
        padded = f" {text} "
        length = text.count(_SEPARATOR) + 1
        norm = self.k1 * (1 - self.b + self.b * length / self.average)
        total = 0.0
        for term, factor in self.factors.items():
            tf = padded.count(f" {term} ")
            if tf:
                total += factor * tf / (tf + norm)
        return total


def _average_lengths(
    searcher: tantivy.Searcher, schema: tantivy.Schema, fields: Sequence[Field]
) -> dict[str, float]:
    """Each field's average length in terms, as tantivy's own BM25 computes it.

    tantivy-py exposes no field statistics, but the explanation of a term's score
    states the field's average length: one explanation per field, per update.
    A field that is empty in the probed documents gets 1 (its terms match nothing).
    """
    averages = {field.name: 1.0 for field in fields}
    if not searcher.num_docs:
        return averages
    missing = {field.name for field in fields}
    for _, address in searcher.search(tantivy.Query.all_query(), limit=_PROBES).hits:
        document = searcher.doc(address)
        for name in list(missing):
            terms = (document.get_first(name) or "").split(_SEPARATOR, 1)
            if not terms[0]:
                continue
            query = tantivy.Query.term_query(schema, name, terms[0], index_option="freq")
            average = _find_average(json.loads(query.explain(searcher, address).to_json()))
            if average:
                averages[name] = average
                missing.discard(name)
        if not missing:
            break
    return averages


def _find_average(explanation: Mapping[str, Any]) -> float | None:
    if str(explanation.get("description", "")).startswith("avgdl"):
        return float(explanation["value"])
    for detail in explanation.get("details", ()):
        found = _find_average(detail)
        if found is not None:
            return found
    return None


def _schema(fields: Sequence[Field]) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(_ID, stored=True, tokenizer_name="raw", index_option="basic")
    for field in fields:
        if field.name == _ID:
            raise ValueError(f"{_ID!r} is reserved for the passage id")
        # Stored, for exact re-scoring of the best hits.
        builder.add_text_field(
            field.name, stored=True, tokenizer_name=_TOKENIZER, index_option="freq"
        )
    return builder.build()


def _terms(terms: Iterable[str]) -> list[str]:
    """The terms as the whitespace tokenizer will see them.

    Analyzer terms have no spaces in practice; if one did, splitting it the same
    way on both sides keeps queries and documents consistent.
    """
    return [part for term in terms for part in term.split() if part != _EMPTY]


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
