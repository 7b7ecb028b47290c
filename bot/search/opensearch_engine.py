"""BM25 in an OpenSearch cluster: the engine for several bot processes on one index.

Analysis stays in the bot, as for the local engines: each field is written as the
analyzer's terms joined by spaces and indexed with OpenSearch's ``whitespace``
tokenizer alone (no lower-casing, stemming or length filter), so the cluster indexes
exactly the analyzer's terms. Term frequencies and lengths are kept, positions are not
(BM25 does not use them).

Each field gets its own BM25 similarity with the field's k1 and b, and a query is a
``bool`` of ``should`` ``term`` clauses, one per distinct query term and field, with
boost = field weight × times the term is asked × (k1 + 1). Lucene's BM25 leaves out the
(k1 + 1) factor that rank-bm25 keeps; putting it in the boost makes the cluster's
scores those of ``BM25Engine`` (same Lucene idf, same sum over fields), up to Lucene's
one-byte encoding of document lengths. An empty field holds one placeholder term, as in
the other engines, so average lengths agree.

Indexes are named ``<alias>-<time>-<random>`` and served through the alias
(``OPENSEARCH_INDEX``). An engine opened on the alias updates that index in place
(bulk index and delete, then one explicit refresh, so an update becomes visible at
once rather than piecemeal; the meta document's new generation is written after it).
A fresh engine (a full rebuild) writes a new index that nobody reads; its first
completed update switches the alias to it in one atomic ``_aliases`` call. The index
it replaced is kept until the next switch, so a view still reading it (until the new
one is swapped in) never finds it gone.

The index holds everything a view needs, so a process with an empty data folder answers
from it (``cluster_store.py`` reads it): each passage document keeps, beside its two
searched fields, its article, its position in it and (in ``data``, stored but not
indexed) its text and word terms with their spans; each article has a document
(``kind: article``) with its metadata, digest and position; one ``meta`` document holds
the analyzer version, the synonyms, the corpus problems and a generation counter that
every completed update increments. The alias's target and that counter, together the
*stamp*, are what other processes poll to notice a change.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from ..errors import SearchUnavailable
from .engine import Field, ScoredId, TermBag

__all__ = [
    "ARTICLE_PREFIX",
    "META_ID",
    "ClusterWrite",
    "OpenSearchConfig",
    "OpenSearchEngine",
    "call",
    "current_stamp",
    "generation_pattern",
    "index_body",
    "make_client",
    "query_body",
]

log = logging.getLogger(__name__)

# The fields' names and parameters and this layout's version, kept in the mapping's
# _meta: an index made for other fields or parameters is not reused.
_LAYOUT_VERSION = 2  # 2: passages' texts, articles and the meta document in the index
_ANALYZER = "analyzed_terms"
_EMPTY = "\x00"  # the one term of an empty field, as in the other engines
_SEPARATOR = " "
_BULK_ACTIONS = 1_000  # index or delete operations per bulk request
_FREQUENCY_BATCH = 500  # terms counted per request (one ``filters`` aggregation)
# Documents beside the passages; a passage id never starts with "~".
ARTICLE_PREFIX = "~article~"
META_ID = "~meta"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class OpenSearchConfig:
    """Where the cluster is and how to reach it (the OPENSEARCH_* settings)."""

    url: str
    index: str = "article-qa-passages"  # the alias the bot reads; indexes are named after it
    username: str = ""
    password: str = ""
    verify_certs: bool = True
    ca_certs: str = ""  # a CA bundle file; empty: the system's (certifi's)
    wait_seconds: float = 60.0  # how long to wait for the cluster when opening
    shards: int = 1
    replicas: int = 1
    timeout: float = 10.0

    @property
    def shown_url(self) -> str:
        """The URL without any credentials in it, for logs and errors."""
        parts = urlsplit(self.url)
        if parts.username is None and parts.password is None:
            return self.url
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit(parts._replace(netloc=netloc))


def index_body(fields: Sequence[Field], config: OpenSearchConfig) -> dict[str, Any]:
    """Settings and mapping of an index for ``fields``: one BM25 similarity per field."""
    similarity = {
        f"bm25_{field.name}": {"type": "BM25", "k1": field.k1, "b": field.b} for field in fields
    }
    properties: dict[str, Any] = {
        field.name: {
            "type": "text",
            "analyzer": _ANALYZER,
            "similarity": f"bm25_{field.name}",
            "index_options": "freqs",
        }
        for field in fields
    }
    # What the passages and articles are, for views: filtered and sorted on, never scored.
    properties.update(
        {
            "kind": {"type": "keyword"},
            "article_id": {"type": "keyword"},
            "ordinal": {"type": "integer"},
            "position": {"type": "integer"},
            # Texts, terms, metadata: returned with the document, not indexed.
            "data": {"type": "object", "enabled": False},
        }
    )
    return {
        "settings": {
            "index": {
                "number_of_shards": config.shards,
                "number_of_replicas": config.replicas,
                # Made visible by the explicit refresh that ends each update.
                "refresh_interval": "-1",
                "similarity": similarity,
                "analysis": {
                    "analyzer": {_ANALYZER: {"type": "custom", "tokenizer": "whitespace"}}
                },
            }
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": _layout(fields),
            "properties": properties,
        },
    }


def query_body(fields: Sequence[Field], query: TermBag, k: int) -> dict[str, Any] | None:
    """The search request for ``query``'s best ``k``; None when nothing can match."""
    clauses = []
    for field in fields:
        if not field.weight:
            continue
        for term, count in Counter(_terms(query.get(field.name, ()))).items():
            # A term asked twice counts twice, as in rank-bm25; (k1 + 1) as rank-bm25 has it.
            boost = field.weight * count * (field.k1 + 1)
            clauses.append({"term": {field.name: {"value": term, "boost": boost}}})
    if not clauses or k <= 0:
        return None
    return {
        "size": k,
        "_source": False,
        "track_total_hits": False,
        "query": {"bool": {"should": clauses}},
    }


class OpenSearchEngine:
    """Weighted multi-field BM25 in an OpenSearch index, behind the ``SearchEngine`` protocol.

    ``fresh`` makes a new index for a full rebuild, switched in by its first update;
    otherwise the index behind the alias is used (made, and aliased, when there is none
    or when it was made for other fields). Raises ``SearchUnavailable`` naming
    OPENSEARCH_URL when the cluster can't be reached within ``config.wait_seconds``.
    """

    name = "opensearch"

    def __init__(
        self,
        fields: Sequence[Field],
        config: OpenSearchConfig,
        *,
        fresh: bool = False,
        create: bool = True,
        client: Any = None,
    ) -> None:
        """``create`` False (a process that only reads): the alias must already point at
        an index made for these fields, else ``SearchUnavailable`` says so."""
        self.fields = tuple(fields)
        self.config = config
        self.client = client if client is not None else make_client(config)
        self._wait_for_cluster()
        self._pending = fresh  # not yet behind the alias
        self.index = self._new_index() if fresh else self._open_alias(create)

    # -- opening ----------------------------------------------------------------------

    def _wait_for_cluster(self) -> None:
        """Until the cluster answers: a bounded wait with a log line per try, so a bot
        started with its cluster (compose) does not exit and restart in a loop."""
        deadline = time.monotonic() + self.config.wait_seconds
        delay = 1.0
        while True:
            try:
                self._call(self.client.info)
                return
            except SearchUnavailable as error:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise
                log.warning("%s; trying again in %.0f s", error, min(delay, left))
                time.sleep(min(delay, left))  # a real wait for a real cluster, not a test
                delay = min(delay * 2, 15.0)

    def _open_alias(self, create: bool = True) -> str:
        alias = self.config.index
        found = self._call(self.client.indices.get_alias, name=alias, ignore=[404])
        names = sorted(str(name) for name in found if name not in ("error", "status"))
        if self._call(self.client.indices.exists, index=alias) and not names:
            raise SearchUnavailable(
                f"OPENSEARCH_INDEX={alias} is an index, not an alias, at OPENSEARCH_URL="
                f"{self.config.shown_url}: choose another name, or delete that index"
            )
        if names:
            index = names[-1]
            mapping = self._call(self.client.indices.get_mapping, index=index)
            if mapping.get(index, {}).get("mappings", {}).get("_meta") == _layout(self.fields):
                return index
            if create:
                log.warning("OpenSearch index %s was made differently: making a new one", index)
        if not create:
            raise SearchUnavailable(
                f"OpenSearch at OPENSEARCH_URL={self.config.shown_url} has no index for this "
                f"bot behind OPENSEARCH_INDEX={alias} yet: it is made by a process with "
                "REFRESH_ENABLED=true and the corpus folder"
            )
        index = self._new_index()
        self._publish(index)
        return index

    def _new_index(self) -> str:
        name = f"{self.config.index}-{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"
        self._call(
            self.client.indices.create, index=name, body=index_body(self.fields, self.config)
        )
        return name

    def _publish(self, index: str) -> None:
        """Point the alias at ``index`` in one atomic call; drop older generations but the
        one it replaces (a view may still read it until the new one is swapped in)."""
        alias = self.config.index
        found = self._call(self.client.indices.get_alias, name=alias, ignore=[404])
        current = [name for name in found if name not in ("error", "status") and name != index]
        actions: list[dict[str, Any]] = [
            {"remove": {"index": name, "alias": alias}} for name in current
        ]
        actions.append({"add": {"index": index, "alias": alias}})
        self._call(self.client.indices.update_aliases, body={"actions": actions})
        keep = {index, *current}
        every = self._call(self.client.indices.get, index=f"{alias}-*", ignore=[404])
        # Only this alias's generations: "<alias>-*" also matches another deployment's
        # whose alias merely starts the same ("passages-eu-…" for "passages").
        mine = generation_pattern(alias)
        stale = [name for name in every if name not in keep and mine.fullmatch(str(name))]
        for name in stale:
            self._call(self.client.indices.delete, index=name, ignore=[404])
        self._pending = False
        log.info("OpenSearch alias %s now points at %s", alias, index)

    # -- the SearchEngine protocol ----------------------------------------------------

    @property
    def size(self) -> int:
        body = {"query": {"term": {"kind": "passage"}}}
        return int(self._call(self.client.count, index=self.index, body=body)["count"])

    def probe(self) -> int:
        """Passages behind the alias (whatever index it points at now): the reconnect
        probe, which must not depend on an index another process may have replaced."""
        body = {"query": {"term": {"kind": "passage"}}}
        return int(self._call(self.client.count, index=self.config.index, body=body)["count"])

    def meta(self) -> dict[str, Any]:
        """The meta document of this index ({} when it has none yet)."""
        found = self._call(self.client.get, index=self.index, id=META_ID, ignore=[404])
        data = (found.get("_source") or {}).get("data") if found.get("found") else None
        return dict(data) if isinstance(data, dict) else {}

    @property
    def stamp(self) -> str:
        """This index and its generation: what changes when anyone updates it."""
        return f"{self.index}:{int(self.meta().get('generation', 0))}"

    def search(self, query: TermBag, k: int) -> list[ScoredId]:
        body = query_body(self.fields, query, k)
        if body is None:
            return []
        response = self._call(self.client.search, index=self.index, body=body)
        hits = response.get("hits", {}).get("hits", [])
        return [ScoredId(h["_id"], float(h["_score"])) for h in hits if h.get("_score", 0) > 0]

    def document_frequency(self, field: str, term: str) -> int:
        """Live passages with ``term`` in ``field`` (a count, so deletions are exact)."""
        if field not in {f.name for f in self.fields} or _terms([term]) != [term]:
            return 0
        body = {"query": {"term": {field: term}}}
        return int(self._call(self.client.count, index=self.index, body=body)["count"])

    def document_frequencies(self, field: str, terms: Sequence[str]) -> dict[str, int]:
        """``document_frequency`` of many terms in one request per 500 (a ``filters``
        aggregation), instead of one ``_count`` each: typo correction asks for hundreds."""
        wanted = {f.name for f in self.fields}
        counts = dict.fromkeys(terms, 0)
        askable = [t for t in counts if field in wanted and _terms([t]) == [t]]
        for chunk in _chunks(askable, _FREQUENCY_BATCH):
            filters = {str(n): {"term": {field: term}} for n, term in enumerate(chunk)}
            body = {"size": 0, "aggs": {"df": {"filters": {"filters": filters}}}}
            response = self._call(self.client.search, index=self.index, body=body)
            buckets = response.get("aggregations", {}).get("df", {}).get("buckets", {})
            for n, term in enumerate(chunk):
                counts[term] = int(buckets.get(str(n), {}).get("doc_count", 0))
        return counts

    def update(self, added: Iterable[tuple[str, TermBag]], removed: Iterable[str]) -> None:
        """Delete, then index (replacing), in bulk requests of bounded size; then one
        refresh makes it all visible. A fresh index is then switched in by the alias."""
        self.write(ClusterWrite(((doc_id, bag, None) for doc_id, bag in added), removed))

    def write(self, change: ClusterWrite) -> str:
        """``update`` with what views read: passages' records, articles, the meta document
        (its generation incremented last, once everything else is in). The new stamp."""
        actions = self._actions(change)
        for chunk in _chunks(actions, _BULK_ACTIONS):
            body = [line for action in chunk for line in action]
            response = self._call(self.client.bulk, body=body)
            failure = _bulk_failure(response, self.config) if response.get("errors") else None
            if failure:
                raise SearchUnavailable(failure)
        # Searches see the change before the new generation says so: a replica reads the
        # stamp with a (real-time) get, and a view built from searches that still showed
        # the old data would never be rebuilt.
        self._call(self.client.indices.refresh, index=self.index)
        # Read now, under the refresh lock: another process may have written since we opened.
        meta = {**self.meta(), **change.meta}
        meta["generation"] = int(meta.get("generation", 0)) + 1
        source = {"kind": "meta", "data": meta}
        self._call(self.client.index, index=self.index, id=META_ID, body=source, refresh=True)
        if self._pending:
            self._publish(self.index)
        return f"{self.index}:{meta['generation']}"

    # -- helpers ----------------------------------------------------------------------

    def _actions(self, change: ClusterWrite) -> Iterator[list[dict[str, Any]]]:
        for doc_id in change.removed:
            yield [{"delete": {"_index": self.index, "_id": doc_id}}]
        for article_id in change.removed_articles:
            yield [{"delete": {"_index": self.index, "_id": ARTICLE_PREFIX + article_id}}]
        for doc_id, bag, record in change.added:
            source: dict[str, Any] = {
                field.name: _SEPARATOR.join(_terms(bag.get(field.name, ())) or [_EMPTY])
                for field in self.fields
            }
            source["kind"] = "passage"
            if record is not None:
                source.update(record)
            yield [{"index": {"_index": self.index, "_id": doc_id}}, source]
        for article_id, record in change.articles:
            source = {"kind": "article", "article_id": article_id, **record}
            yield [{"index": {"_index": self.index, "_id": ARTICLE_PREFIX + article_id}}, source]

    def _call(self, method: Callable[..., T], **kwargs: Any) -> T:
        return call(self.config, method, **kwargs)


@dataclass(slots=True)
class ClusterWrite:
    """One update of the index: passages (id, terms, their record: ``article_id``,
    ``ordinal`` and ``data``, or None), passages removed, articles (id, record:
    ``position`` and ``data``) written or removed, and meta values to set."""

    added: Iterable[tuple[str, TermBag, dict[str, Any] | None]] = ()
    removed: Iterable[str] = ()
    articles: Iterable[tuple[str, dict[str, Any]]] = ()
    removed_articles: Iterable[str] = ()
    meta: dict[str, Any] = dataclass_field(default_factory=dict)


def generation_pattern(alias: str) -> re.Pattern[str]:
    """The names of ``alias``'s indexes, exactly: ``<alias>-<time>-<random>``."""
    return re.compile(rf"{re.escape(alias)}-\d{{14}}-[0-9a-f]{{6}}")


def current_stamp(config: OpenSearchConfig, client: Any) -> str:
    """The index the alias points at now, and its generation (two small requests):
    what a process that only reads polls to notice another's update or rebuild."""
    found = call(config, client.indices.get_alias, name=config.index, ignore=[404])
    names = sorted(str(name) for name in found if name not in ("error", "status"))
    if not names:
        return ""
    index = names[-1]
    meta = call(config, client.get, index=index, id=META_ID, ignore=[404])
    data = (meta.get("_source") or {}).get("data") if meta.get("found") else None
    generation = int(data.get("generation", 0)) if isinstance(data, dict) else 0
    return f"{index}:{generation}"


def call(
    config: OpenSearchConfig,
    method: Callable[..., T],
    *,
    keep_conflicts: bool = False,
    **kwargs: Any,
) -> T:
    """``method`` with the client's errors turned into one that names OPENSEARCH_URL;
    ``keep_conflicts``: a 409 (a create-only or compare-and-set write that lost) is
    raised as the client's ``ConflictError``, for the caller to expect."""
    from opensearchpy import exceptions

    try:
        return method(**kwargs)
    except exceptions.ConflictError:
        if keep_conflicts:
            raise
        raise SearchUnavailable(
            f"OpenSearch at OPENSEARCH_URL={config.shown_url} refused a write (409 conflict)"
        ) from None
    except exceptions.ConnectionError as error:
        raise SearchUnavailable(
            f"OpenSearch at OPENSEARCH_URL={config.shown_url} is unreachable "
            f"({type(error).__name__}: {error.info or error.error})"
        ) from error
    except exceptions.TransportError as error:
        raise SearchUnavailable(
            f"OpenSearch at OPENSEARCH_URL={config.shown_url} refused a request "
            f"({error.status_code} {error.error})"
        ) from error


def make_client(config: OpenSearchConfig, *, connections: int | None = None) -> Any:
    """The client for ``config``'s cluster (one try per request: callers retry);
    ``connections``: how many it keeps open per node, for callers in many threads."""
    # The client logs each failed request with a traceback; our own line names the
    # setting instead. Left as configured if someone set its level on purpose.
    client_log = logging.getLogger("opensearch")
    if client_log.level == logging.NOTSET:
        client_log.setLevel(logging.ERROR)
    try:
        from opensearchpy import OpenSearch
    except ImportError as error:
        raise SearchUnavailable(
            "SEARCH_ENGINE=opensearch needs the OpenSearch client: "
            "pip install 'article-qa-bot[opensearch]'"
        ) from error
    options: dict[str, Any] = {
        "hosts": [url.strip() for url in config.url.split(",") if url.strip()],
        "verify_certs": config.verify_certs,
        "timeout": config.timeout,
        # One try: waiting for the cluster is _wait_for_cluster's job.
        "max_retries": 0,
    }
    if connections is not None:
        options["pool_maxsize"] = connections
    if config.username or config.password:
        options["http_auth"] = (config.username, config.password)
    if config.ca_certs:
        options["ca_certs"] = config.ca_certs
    if not config.verify_certs:
        options["ssl_show_warn"] = False  # said once, by the setting's description
    return OpenSearch(**options)


def _layout(fields: Sequence[Field]) -> dict[str, Any]:
    return {
        "layout": _LAYOUT_VERSION,
        "fields": [[f.name, f.k1, f.b] for f in fields],
    }


def _bulk_failure(response: dict[str, Any], config: OpenSearchConfig) -> str | None:
    """What the first failed operation of a bulk response says; None if none failed."""
    for item in response.get("items", ()):
        for kind, result in item.items():
            if kind == "delete" and result.get("status") == 404:
                continue  # removing what is not there is no failure
            if "error" in result:
                error = result["error"]
                reason = error.get("reason", error) if isinstance(error, dict) else error
                return (
                    f"OpenSearch at OPENSEARCH_URL={config.shown_url} refused to {kind} "
                    f"{result.get('_id')!r}: {reason}"
                )
    return None


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _terms(terms: Iterable[str]) -> list[str]:
    """The terms as the whitespace tokenizer will see them (see tantivy_engine._terms)."""
    return [part for term in terms for part in term.split() if part != _EMPTY]
