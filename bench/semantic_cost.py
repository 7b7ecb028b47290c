"""What the semantic side costs: embedding, query embedding, vector search, memory.

    .venv/bin/python bench/semantic_cost.py [--passages 100000]

- embedding throughput: the bundled corpus' passages through the model, passages per
  CPU-second (one thread, so per core), and their words (``word_vectors``), embedded
  alone in the batches the indexer uses, words per CPU-second;
- query embedding: p50/p95 over the question sets' questions, and of the words of
  their English questions (what a question in another language than an article embeds
  besides itself, the first time it uses them);
- vector search: exact cosine search over N synthetic unit vectors (real ones would
  take hours to make; search cost does not depend on their values), p50/p95, and the
  matrix's memory.

Last line: ``passages_per_cpu_s=… words_per_cpu_s=… query_p50_ms=… query_p95_ms=…
words_p50_ms=… words_p95_ms=… search_p50_ms=… search_p95_ms=… matrix_mb=…``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.corpus import CorpusStore, split_article  # noqa: E402
from bot.search.analyzer import KoreanAnalyzer  # noqa: E402
from bot.search.embedder import load_embedder  # noqa: E402
from bot.search.language import text_language  # noqa: E402
from bot.search.semantic import WORD_BATCH  # noqa: E402
from bot.search.vectors import VectorIndex  # noqa: E402
from bot.search.word_vectors import vector_words  # noqa: E402


def percentiles(samples: list[float]) -> tuple[float, float]:
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    args = parser.parse_args()
    model = load_embedder()
    corpus = CorpusStore(ROOT / "corpus").load()
    texts = [p.text for a in corpus.articles for p in split_article(a)]
    started = time.process_time()
    model.embed_passages(texts)
    per_cpu_s = len(texts) / (time.process_time() - started)
    print(f"embedding: {len(texts)} passages, {per_cpu_s:.2f} passages per CPU-second")
    analyzer = KoreanAnalyzer()
    titles = [a.title for a in corpus.articles]
    words = vector_words(t.text for text in texts + titles for t in analyzer.words(text))
    started = time.process_time()
    for start in range(0, len(words), WORD_BATCH):
        model.embed_passages(words[start : start + WORD_BATCH])
    words_per_cpu_s = len(words) / (time.process_time() - started)
    print(f"embedding: {len(words)} words, {words_per_cpu_s:.0f} words per CPU-second")

    questions = []
    for name in ("questions", "casual_questions", "heldout_questions"):
        data = json.loads((ROOT / "tests/data" / f"{name}.json").read_text("utf-8"))
        questions += [q["q"] for q in data["answerable"]] + data["unanswerable"]
    timings = []
    for question in questions:
        started = time.perf_counter()
        model.embed_query(question)
        timings.append((time.perf_counter() - started) * 1000)
    query_p50, query_p95 = percentiles(timings)
    print(
        f"query embedding over {len(questions)} questions: "
        f"p50 {query_p50:.1f} ms, p95 {query_p95:.1f} ms"
    )
    english = [q for q in questions if text_language(q) == "en"]
    timings = []
    for question in english:
        # As the service picks them: the question's word terms, as written (not stems).
        terms = analyzer.query_analysis(question).words
        written = vector_words(question[t.start : t.end] for t in terms)
        started = time.perf_counter()
        if written:
            model.embed_words(written)
        timings.append((time.perf_counter() - started) * 1000)
    words_p50, words_p95 = percentiles(timings)
    print(
        f"question words over {len(english)} English questions: "
        f"p50 {words_p50:.1f} ms, p95 {words_p95:.1f} ms"
    )

    rng = np.random.default_rng(1)
    matrix = rng.standard_normal((args.passages, model.dim), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    index = VectorIndex([f"p{i}" for i in range(args.passages)], matrix)
    del matrix
    timings = []
    for question in questions[:100]:
        vector = model.embed_query(question)
        started = time.perf_counter()
        index.search(vector, 100)
        timings.append((time.perf_counter() - started) * 1000)
    search_p50, search_p95 = percentiles(timings)
    matrix_mb = args.passages * model.dim * 4 / 1e6
    print(
        f"exact search over {args.passages:,} vectors: p50 {search_p50:.1f} ms, "
        f"p95 {search_p95:.1f} ms; matrix {matrix_mb:.0f} MB"
    )
    print(
        f"passages_per_cpu_s={per_cpu_s:.2f} words_per_cpu_s={words_per_cpu_s:.0f} "
        f"query_p50_ms={query_p50:.1f} query_p95_ms={query_p95:.1f} "
        f"words_p50_ms={words_p50:.1f} words_p95_ms={words_p95:.1f} "
        f"search_p50_ms={search_p50:.1f} search_p95_ms={search_p95:.1f} matrix_mb={matrix_mb:.0f}"
    )


if __name__ == "__main__":
    main()
