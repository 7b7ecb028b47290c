"""BM25 with tantivy: an on-disk inverted index for large corpora.

rank-bm25 scores every passage for every query term; tantivy walks only the
posting lists of the query's terms (with block-max WAND pruning), so a question
takes about a millisecond at a million passages. Its index is a directory of
memory-mapped files: it reopens instantly, and the operating system keeps in
memory only the parts that queries touch.

The analyzer has already turned each text into terms, so every field is stored
as its terms joined by spaces and indexed with a tokenizer that only splits on
whitespace (no lower-casing, stemming or length filter): tantivy indexes exactly
the analyzer's terms. Term frequencies are kept, positions are not (BM25 does
not use them, and they would double the index).

Scores follow the same formula as the rank-bm25 engine: the sum over fields of
the field weight (a query boost) times BM25 with the Lucene idf
log(1 + (N - n + 0.5) / (n + 0.5)). Two differences, both small in practice:
tantivy fixes k1 = 1.2 and b = 0.75 for every field (a field asking for other
values is indexed with these, and a warning is logged), and it stores document
lengths in one byte (exact up to 40 terms, within a few percent above), as Lucene
does. Deleted passages still count in the document frequencies until tantivy
merges their segment away, again as in Lucene.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import tantivy

from .engine import Field, ScoredId, TermBag

__all__ = ["TantivyEngine"]

log = logging.getLogger(__name__)

_ID = "id"
_TOKENIZER = "analyzed_terms"
_LAYOUT_FILE = "bm25-layout.json"
# The fields' names (and the engine's layout version) the index was made with:
# an index made for other fields cannot be updated or searched meaningfully.
_LAYOUT_VERSION = 1
_TANTIVY_K1 = 1.2
_TANTIVY_B = 0.75
# Indexing memory for all writer threads; tantivy needs at least 15 MB a thread.
# A bulk load gets more, which means fewer, larger segments to merge.
_SMALL_HEAP = 64_000_000
_BULK_HEAP = 256_000_000
_BULK_DOCUMENTS = 20_000


class TantivyEngine:
    """Weighted multi-field BM25 over a tantivy index, updated in place.

    ``path`` is a directory the engine owns: an index found there is reopened
    (in milliseconds, whatever its size), and one made for other fields is
    deleted and started afresh. ``None`` keeps the index in memory.

    Searching is thread-safe and never blocked by an update: a search uses the
    searcher of the last completed update, and an update becomes visible all at
    once when it commits.
    """

    name = "tantivy"

    def __init__(self, fields: Sequence[Field], path: Path | None = None) -> None:
        self.fields = tuple(fields)
        self.path = path
        for field in self.fields:
            if (field.k1, field.b) != (_TANTIVY_K1, _TANTIVY_B):
                log.warning(
                    "tantivy uses k1=%s b=%s: field %r asks for k1=%s b=%s",
                    _TANTIVY_K1,
                    _TANTIVY_B,
                    field.name,
                    field.k1,
                    field.b,
                )
        self._schema = _schema(self.fields)
        self._index = self._open_or_create()
        self._index.register_tokenizer(
            _TOKENIZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
        )
        # Only our own commits change what is searched, and only when we reload.
        self._index.config_reader(reload_policy="manual")
        self._searcher = self._index.searcher()
        self._write_lock = threading.Lock()

    def _open_or_create(self) -> tantivy.Index:
        if self.path is None:
            return tantivy.Index(self._schema)
        layout = {"version": _LAYOUT_VERSION, "fields": [f.name for f in self.fields]}
        layout_file = self.path / _LAYOUT_FILE
        if tantivy.Index.exists(str(self.path)):
            if _read_json(layout_file) == layout:
                return tantivy.Index.open(str(self.path))
            log.warning("search index at %s was made for other fields: rebuilding it", self.path)
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(self._schema, path=str(self.path))
        layout_file.write_text(json.dumps(layout), encoding="utf-8")
        return index

    # -- the SearchEngine protocol ------------------------------------------------

    @property
    def size(self) -> int:
        return self._searcher.num_docs

    def update(self, added: Iterable[tuple[str, TermBag]], removed: Iterable[str]) -> None:
        """Remove, then add (replacing any passage with the same id), then commit.

        Nothing is visible to searches until the commit, and then all of it is.
        """
        with self._write_lock:
            removed = list(removed)
            added = list(added)
            if not removed and not added:
                return
            heap = _BULK_HEAP if len(added) >= _BULK_DOCUMENTS else _SMALL_HEAP
            writer = self._index.writer(heap_size=heap)
            try:
                self._write(writer, added, removed)
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                # Lets merges finish and releases the index's write lock.
                writer.wait_merging_threads()
            self._index.reload()
            self._searcher = self._index.searcher()

    def _write(
        self,
        writer: tantivy.IndexWriter,
        added: Sequence[tuple[str, TermBag]],
        removed: Sequence[str],
    ) -> None:
        for doc_id in removed:
            writer.delete_documents_by_term(_ID, doc_id)
        # Deleting an id costs a term lookup per segment; a bulk load into an
        # empty index skips it, except for an id that comes twice.
        replacing = self._searcher.num_docs > 0
        seen: set[str] = set()
        for doc_id, bag in added:
            if replacing or doc_id in seen:
                writer.delete_documents_by_term(_ID, doc_id)
            seen.add(doc_id)
            writer.add_document(self._document(doc_id, bag))

    def search(self, query: TermBag, k: int) -> list[ScoredId]:
        if k <= 0:
            return []
        clauses = []
        for field in self.fields:
            if not field.weight:
                continue
            counts = Counter(_terms(query.get(field.name, ())))
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
        searcher = self._searcher
        result = searcher.search(tantivy.Query.boolean_query(clauses), limit=k, count=False)
        return [
            ScoredId(searcher.doc(address).get_first(_ID), score)
            for score, address in result.hits
            if score > 0
        ]

    def document_frequency(self, field: str, term: str) -> int:
        """Live passages with ``term`` in ``field`` (exact, unlike tantivy's ``doc_freq``)."""
        if field not in {f.name for f in self.fields} or not term or len(term.split()) != 1:
            return 0
        query = tantivy.Query.term_query(self._schema, field, term, index_option="basic")
        return self._searcher.search(query, limit=1, count=True).count

    # -- helpers --------------------------------------------------------------------

    def _document(self, doc_id: str, bag: TermBag) -> tantivy.Document:
        document = tantivy.Document()
        document.add_text(_ID, doc_id)
        for field in self.fields:
            document.add_text(field.name, " ".join(_terms(bag.get(field.name, ()))))
        return document


def _schema(fields: Sequence[Field]) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(_ID, stored=True, tokenizer_name="raw", index_option="basic")
    for field in fields:
        if field.name == _ID:
            raise ValueError(f"{_ID!r} is reserved for the passage id")
        builder.add_text_field(field.name, tokenizer_name=_TOKENIZER, index_option="freq")
    return builder.build()


def _terms(terms: Iterable[str]) -> list[str]:
    """The terms as the whitespace tokenizer will see them.

    Analyzer terms have no spaces in practice; if one did, splitting it the same
    way on both sides keeps queries and documents consistent.
    """
    return [part for term in terms for part in term.split()]


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
