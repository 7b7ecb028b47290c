"""Paraphrased questions: TyDi QA Korean through bm25, dense and hybrid retrieval.

    .venv/bin/python bench/tydi.py                # both levels, all three modes
    .venv/bin/python bench/tydi.py --level raw    # raw ranking only
    .venv/bin/python bench/tydi.py --level answer --bm25-first 0.70  # + the estimate below

TyDi's questions were written by people who had not seen the passage (see
../shared/data/tydiqa-ko/README.md). Questions are split by paragraph into two
halves (bench/tydi_data.py); the fusion weight and relevance thresholds were fit on
the ``fit`` half (``--half fit``) and the figures reported are the ``test`` half.

- **raw**: rank the 1,269 paragraphs for each question, with the bot's analyzer and
  BM25 fields (paragraph + title), the model's vectors (cosine; title and paragraph
  embedded together) or their linear fusion with the service's weight
  (``bot/answers/fusion.py``). A hit is the question's own paragraph.
- **answer**: the whole answer path, as ``ask --json`` runs it: every paragraph
  becomes an article, split into passages, indexed, and each question goes through
  ``AnswerService.ask`` (relevance decision, re-ranking, excerpts). A hit is a
  returned passage that holds a gold answer string; "excerpt" counts questions
  whose first quoted excerpt holds it.

Reported: top-1, recall@5, MRR@10 (and excerpt for the answer level). With
``--bm25-first SHARE``, also the hybrid answer path's figures weighted to questions as
hard as a set where raw BM25 ranks SHARE of the paragraphs first (the held-out set, which
we don't have, is easier than ours: 0.70 there, 0.60 here): an estimate. Vectors are
cached in data/bench/tydi-vectors.sqlite (the first run embeds ~2,800 texts: about
20 minutes of one core; a rerun takes a minute or two).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.tydi_data import (  # noqa: E402
    DEFAULT_CACHE,
    DEFAULT_DATA,
    TyDi,
    all_texts,
    embed_all,
    load,
    paragraph_inputs,
)
from bot import Library, Settings  # noqa: E402
from bot.answers.fusion import fusion_weight  # noqa: E402
from bot.corpus import CorpusStore  # noqa: E402
from bot.search.analyzer import KoreanAnalyzer  # noqa: E402
from bot.search.bm25_engine import BM25Engine  # noqa: E402
from bot.search.embedder import load_embedder  # noqa: E402
from bot.search.vectors import VectorCache, vector_key  # noqa: E402


def metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    """top-1, recall@5 and MRR@10 from each question's 0-based rank of its gold (None: missed)."""
    n = len(ranks)
    found = [r for r in ranks if r is not None]
    return {
        "top1": sum(r == 0 for r in found) / n,
        "r5": sum(r < 5 for r in found) / n,
        "mrr10": sum(1 / (r + 1) for r in found if r < 10) / n,
    }


def paragraph_engine(tydi: TyDi) -> tuple[KoreanAnalyzer, BM25Engine]:
    """BM25 over the paragraphs (text and title), ids their indexes, with its analyzer."""
    analyzer = KoreanAnalyzer()
    engine = BM25Engine(analyzer.fields)
    bags = analyzer.analyze_many(list(zip(tydi.paragraphs, tydi.titles, strict=True)))
    engine.update([(str(i), bag) for i, bag in enumerate(bags)], [])
    return analyzer, engine


def raw_ranking(tydi: TyDi, questions, cache: VectorCache) -> dict[str, dict[str, float]]:
    analyzer, engine = paragraph_engine(tydi)
    embedder = load_embedder()
    keys = [vector_key(embedder.version, text) for text in paragraph_inputs(tydi)]
    stored = cache.get_many(keys)
    matrix = np.stack([stored[k] for k in keys])
    ranks: dict[str, list[int | None]] = {"bm25": [], "dense": [], "hybrid": []}
    n = len(tydi.paragraphs)
    for q in tqdm(questions, desc="raw ranking", unit="question"):
        bm25 = np.zeros(n)
        for hit in engine.search(analyzer.analyze_query(q.text), 100):
            bm25[int(hit.id)] = hit.score
        cos = matrix @ embedder.embed_query(q.text)
        dense_top = np.argsort(-cos)[:100]
        lo, hi = cos[dense_top[-1]], cos[dense_top[0]]
        dense = np.zeros(n)
        dense[dense_top] = (cos[dense_top] - lo) / (hi - lo)
        lexical = bm25 / bm25.max() if bm25.max() > 0 else bm25
        alpha = fusion_weight(np.sort(bm25)[::-1][:2].tolist())  # the service's weight
        for name, scores in (
            ("bm25", lexical),
            ("dense", cos),
            ("hybrid", alpha * dense + (1 - alpha) * lexical),
        ):
            order = np.argsort(-scores, kind="stable")
            rank = int(np.where(order == q.paragraph)[0][0])
            ranks[name].append(rank if name != "bm25" or bm25[q.paragraph] > 0 else None)
    return {name: metrics(r) for name, r in ranks.items()}


def answer_path(
    tydi: TyDi,
    questions,
    cache_path: Path,
    mode: str,
    outcomes: list[tuple[bool, ...]] | None = None,
) -> dict[str, float]:
    """The answer path's figures; ``outcomes`` gets each question's (top-1, top-5,
    excerpt) hits."""
    with tempfile.TemporaryDirectory() as folder:
        corpus, data = Path(folder) / "corpus", Path(folder) / "data"
        store = CorpusStore(corpus)
        for article in tydi.articles():
            store.save_article(article)
        data.mkdir()
        if mode == "hybrid":
            (data / "vectors.sqlite").write_bytes(cache_path.read_bytes())
        settings = Settings(corpus_dir=corpus, data_dir=data, retrieval=mode, results_per_answer=5)
        library = Library(settings)
        service = library.open_service()
        library.embed_for(service)
        assert service.mode == mode, service.mode
        ranks: list[int | None] = []
        excerpts = 0
        for q in tqdm(questions, desc=f"answer path ({mode})", unit="question"):
            answer = service.ask(q.text, top=10)
            rank = next(
                (i for i, h in enumerate(answer.hits) if _holds(h.passage.text, q.answers)), None
            )
            ranks.append(rank)
            excerpt = bool(answer.hits) and _holds(answer.hits[0].excerpt.text, q.answers)
            excerpts += excerpt
            if outcomes is not None:
                outcomes.append((rank == 0, rank is not None and rank < 5, excerpt))
        library.close()
    return {**metrics(ranks), "excerpt": excerpts / len(questions)}


def bm25_first(tydi: TyDi, questions) -> list[bool]:
    """Whether raw BM25 ranks each question's own paragraph first."""
    analyzer, engine = paragraph_engine(tydi)
    first = []
    for q in questions:
        hits = engine.search(analyzer.analyze_query(q.text), 1)
        first.append(bool(hits) and int(hits[0].id) == q.paragraph)
    return first


def reweighted(first: Sequence[bool], outcomes: Sequence[tuple[bool, ...]], share: float):
    """The answer path's figures on questions as hard as a set where raw BM25 ranks
    ``share`` of the paragraphs first: each figure given BM25's hit or miss, mixed."""
    hit = np.array(first)
    figures = np.array(outcomes, dtype=float)
    return share * figures[hit].mean(axis=0) + (1 - share) * figures[~hit].mean(axis=0)


def _holds(text: str, answers: Sequence[str]) -> bool:
    return any(a in text for a in answers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--level", choices=("raw", "answer", "both"), default="both")
    parser.add_argument("--half", choices=("fit", "test", "all"), default="test")
    parser.add_argument(
        "--bm25-first",
        type=float,
        metavar="SHARE",
        help="also estimate the hybrid answer path on questions where raw BM25 ranks this "
        "share first (the held-out set's: 0.70)",
    )
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"{args.data} is missing: this benchmark reads ../shared/data/tydiqa-ko/")
    tydi = load(args.data)
    cache = VectorCache(args.cache)
    embed_all(load_embedder(), cache, all_texts(tydi))
    questions = [q for q in tydi.questions if args.half in ("all", q.half)]
    print(f"{len(tydi.paragraphs)} paragraphs, {len(questions)} questions ({args.half} half)")
    rows = []
    if args.level in ("raw", "both"):
        rows += [(f"raw {m}", v) for m, v in raw_ranking(tydi, questions, cache).items()]
    if args.level in ("answer", "both"):
        cache.close()
        outcomes: list[tuple[bool, ...]] = []
        rows.append(("answer bm25", answer_path(tydi, questions, args.cache, "bm25")))
        rows.append(("answer hybrid", answer_path(tydi, questions, args.cache, "hybrid", outcomes)))
        if args.bm25_first is not None:
            top1, top5, excerpt = reweighted(bm25_first(tydi, questions), outcomes, args.bm25_first)
            estimate = {"top1": top1, "r5": top5, "excerpt": excerpt}
            rows.append((f"hybrid at {args.bm25_first:.2f}", estimate))
    for name, values in rows:
        print(f"{name:15s} " + " ".join(f"{k}={v:.3f}" for k, v in values.items()))


if __name__ == "__main__":
    main()
