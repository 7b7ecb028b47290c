"""The passages and articles of an OpenSearch index, read from the cluster.

What ``PassageStore`` is to a view of the local engines, this is to a view of the
cluster: the same read methods, answered from the documents ``OpenSearchEngine.write``
puts beside the searched fields (see opensearch_engine.py). A process with an empty data
folder answers with it; so does the refreshing one, whose local store is only its own
record of what it wrote (digests, corpus files, passage ids per article).

It reads one concrete index, not the alias: a view sees one generation, and the process
polling the alias swaps a new view in when another process switches it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, fields
from typing import Any

from ..corpus import Article, Passage
from .analyzer import SPANS
from .engine import TermBag
from .opensearch_engine import ARTICLE_PREFIX, OpenSearchEngine

__all__ = ["ClusterStore", "article_record", "passage_record"]

_PAGE = 1000  # documents per request when reading them all


def passage_record(passage: Passage, bag: TermBag) -> dict[str, Any]:
    """What a passage document holds for views, beside its searched fields."""
    terms = {"word": list(bag.get("word", [])), SPANS: list(bag.get(SPANS, []))}
    return {
        "article_id": passage.article_id,
        "ordinal": passage.ordinal,
        "data": {"text": passage.text, "terms": terms},
    }


def article_record(article: Article, digest: str, position: int) -> dict[str, Any]:
    """An article's document: its metadata (no body), digest and place in the corpus."""
    values = asdict(article)
    values.pop("body")
    return {"position": position, "data": {"article": values, "digest": digest}}


class ClusterStore:
    """``PassageStore``'s read side over ``engine``'s index (one request per call)."""

    def __init__(self, engine: OpenSearchEngine) -> None:
        self.engine = engine
        self.index = engine.index
        self._size: int | None = None

    def _call(self, method: Any, **kwargs: Any) -> Any:
        return self.engine._call(method, index=self.index, **kwargs)

    def _search(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        response = self._call(self.engine.client.search, body=body)
        return list(response.get("hits", {}).get("hits", []))

    def _sorted(
        self,
        query: dict[str, Any],
        sort: list[dict[str, str]],
        limit: int = -1,
        *,
        source: list[str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every document ``query`` matches, in ``sort`` order, a page at a time;
        ``source``: only these fields of each (all when None)."""
        after: list[Any] | None = None
        left = limit
        while left != 0:
            size = _PAGE if left < 0 else min(left, _PAGE)
            body: dict[str, Any] = {"size": size, "query": query, "sort": sort}
            if source is not None:
                body["_source"] = source
            if after is not None:
                body["search_after"] = after
            hits = self._search(body)
            yield from hits
            if len(hits) < size:
                return
            after = hits[-1]["sort"]
            left = left - len(hits) if left > 0 else left

    # -- PassageStore's read methods --------------------------------------------------

    @property
    def size(self) -> int:
        if self._size is None:
            self._size = self.engine.size
        return self._size

    def articles(self, limit: int = -1) -> list[Article]:
        hits = self._sorted({"term": {"kind": "article"}}, [{"position": "asc"}], limit)
        return [article for hit in hits if (article := _article(hit)) is not None]

    def article(self, article_id: str) -> Article | None:
        found = self._call(self.engine.client.get, id=ARTICLE_PREFIX + article_id, ignore=[404])
        return _article(found) if found.get("found") else None

    def digests(self) -> dict[str, str]:
        hits = self._sorted({"term": {"kind": "article"}}, [{"position": "asc"}])
        return {
            hit["_source"]["article_id"]: str(hit["_source"]["data"].get("digest", ""))
            for hit in hits
        }

    def passage(self, passage_id: str) -> Passage | None:
        found = self.passages_with_terms([passage_id]).get(passage_id)
        return found[0] if found else None

    def at(self, article_id: str, ordinal: int) -> Passage | None:
        query = {
            "bool": {
                "filter": [{"term": {"article_id": article_id}}, {"term": {"ordinal": ordinal}}]
            }
        }
        hits = self._search({"size": 1, "query": query})
        return _passage(hits[0]) if hits else None

    def article_passages(self, article_id: str, limit: int = -1) -> list[Passage]:
        passages = [{"term": {"kind": "passage"}}, {"term": {"article_id": article_id}}]
        query = {"bool": {"filter": passages}}
        hits = self._sorted(query, [{"ordinal": "asc"}], limit)
        return [passage for hit in hits if (passage := _passage(hit)) is not None]

    def passages_with_terms(self, ids: Sequence[str]) -> dict[str, tuple[Passage, TermBag]]:
        """Several passages and their word terms in one ``mget`` (a page of hits)."""
        if not ids:
            return {}
        response = self._call(self.engine.client.mget, body={"ids": list(ids)})
        found: dict[str, tuple[Passage, TermBag]] = {}
        for doc in response.get("docs", ()):
            passage = _passage(doc) if doc.get("found") else None
            if passage is not None:
                found[passage.id] = (passage, doc["_source"]["data"].get("terms", {}))
        return found

    def texts(self, batch: int = _PAGE) -> Iterator[list[tuple[str, str, str]]]:
        """Every passage's (id, its article's title, text), in batches (for embedding)."""
        titles = {a.id: a.title for a in self.articles()}
        rows: list[tuple[str, str, str]] = []
        # Only what embedding needs: not the terms and spans stored beside each text.
        hits = self._sorted(
            {"term": {"kind": "passage"}},
            [{"article_id": "asc"}, {"ordinal": "asc"}],
            source=["article_id", "data.text"],
        )
        for hit in hits:
            source = hit["_source"]
            title = titles.get(str(source["article_id"]), "")
            rows.append((hit["_id"], title, str(source["data"]["text"])))
            if len(rows) >= batch:
                yield rows
                rows = []
        if rows:
            yield rows

    def terms(self, passage_id: str) -> TermBag | None:
        found = self.passages_with_terms([passage_id]).get(passage_id)
        return found[1] if found else None


_ARTICLE_FIELDS = frozenset(f.name for f in fields(Article))


def _passage(hit: dict[str, Any]) -> Passage | None:
    source = hit.get("_source") or {}
    data = source.get("data")
    if source.get("kind") != "passage" or not isinstance(data, dict) or "text" not in data:
        return None  # a document of another kind, or one written without its record
    return Passage(hit["_id"], str(source["article_id"]), int(source["ordinal"]), data["text"])


def _article(hit: dict[str, Any]) -> Article | None:
    """The article a document records; None for one it can't be (another version's
    fields, or none at all), as ``_passage`` does for passages."""
    data = (hit.get("_source") or {}).get("data")
    values = data.get("article") if isinstance(data, dict) else None
    if not isinstance(values, dict):
        return None
    known = {k: v for k, v in values.items() if k in _ARTICLE_FIELDS and k != "body"}
    if not isinstance(known.get("id"), str) or not isinstance(known.get("title"), str):
        return None
    return Article(body="", **known)
