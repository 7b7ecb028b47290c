"""Approximate vector search against exact search, on real embeddings.

    .venv/bin/python bench/ann_recall.py

The vectors are TyDi's 2,780 paragraph and passage texts (cached by bench/tydi.py);
the queries, its 813 test-half questions. For each, the HNSW graph the bot uses above
``EXACT_LIMIT`` passages (usearch, int8, the shipped parameters) and exact cosine search
each return their top k; recall@k is the share of exact's top k that the graph finds.
Last line: ``recall@10=… recall@100=… top1_agree=…``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.tydi_data import DEFAULT_CACHE, DEFAULT_DATA, all_texts, embed_all, load  # noqa: E402
from bot.search.approximate import ApproximateVectorIndex  # noqa: E402
from bot.search.embedder import load_embedder  # noqa: E402
from bot.search.vectors import VectorCache, VectorIndex, vector_key  # noqa: E402


def main() -> None:
    if not DEFAULT_DATA.exists():
        sys.exit(f"{DEFAULT_DATA} is missing: this benchmark reads ../shared/data/tydiqa-ko/")
    tydi = load()
    model = load_embedder()
    cache = VectorCache(DEFAULT_CACHE)
    texts = all_texts(tydi)
    embed_all(model, cache, texts)
    keys = [vector_key(model.version, t) for t in texts]
    stored = cache.get_many(keys)
    ids = [f"t{i}" for i in range(len(texts))]
    matrix = np.stack([stored[k] for k in keys])
    exact, graph = VectorIndex(ids, matrix), ApproximateVectorIndex(ids, matrix)
    recall: dict[int, list[float]] = {10: [], 100: []}
    agree = 0
    questions = [q for q in tydi.questions if q.half == "test"]
    for question in questions:
        vector = model.embed_query(question.text)
        for k in recall:
            truth = {h.id for h in exact.search(vector, k).hits}
            found = {h.id for h in graph.search(vector, k).hits}
            recall[k].append(len(truth & found) / k)
        agree += exact.search(vector, 1).hits[0].id == graph.search(vector, 1).hits[0].id
    print(f"{len(ids)} vectors, {len(questions)} questions")
    print(
        f"recall@10={np.mean(recall[10]):.4f} recall@100={np.mean(recall[100]):.4f} "
        f"top1_agree={agree / len(questions):.4f}"
    )


if __name__ == "__main__":
    main()
