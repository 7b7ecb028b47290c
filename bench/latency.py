"""Query latency end to end (analyzer + engine + excerpts) on a synthetic corpus.

    python bench/latency.py --passages 100000 [--engine tantivy|bm25] [--queries 1000]
    python bench/latency.py --passages 1000000 --tokenize   # analyzer throughput only

Steps, with everything reusable cached under ``data/bench/`` (git-ignored):

1. The vocabulary: made-up nouns the analyzer reads as one word (see
   ``bench/synthetic.py``), checked once per analyzer version.
2. The corpus: N generated passages with their analyzed terms, in SQLite. The
   generator writes the analysis itself, because running Kiwi on a million
   passages takes most of an hour; ``--tokenize`` measures that part.
3. The index (tantivy only; rank-bm25 has no on-disk form): built once, and its
   build time and size on disk reported.
4. A fresh process then does what the bot does after starting: loads the
   analyzer, opens the index (rank-bm25: builds it), answers one question (the
   time to first answer is measured from the moment the process is spawned),
   then, after a warm-up on other questions, answers every benchmark question,
   timing each: ``analyze_query``, the engine's top-k search, and for the best
   hits an excerpt (the sentence sharing most query terms) from the passage
   text, read from SQLite. Its resident memory is read from /proc/self/status.

The last line of the output is ``p50_ms=… p95_ms=… p99_ms=…``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the bot package importable
    sys.path.insert(0, str(ROOT))

from measure import FIRST_ANSWER, resident_memory_mb, serve_in_fresh_process  # noqa: E402
from synthetic import (  # noqa: E402 (bench/ is the script's directory)
    GENERATOR_VERSION,
    PASSAGES_PER_ARTICLE,
    Generator,
    analyzer_nouns,
)

from bot.corpus.sentences import sentence_spans  # noqa: E402
from bot.search.analyzer import KoreanAnalyzer  # noqa: E402
from bot.search.engine import SearchEngine, TermBag  # noqa: E402
from bot.search.engines import ENGINES, make_engine, resolve_engine  # noqa: E402

BENCH_DIR = ROOT / "data" / "bench"
VOCABULARY = 100_000
WARMUP = 100  # questions answered before timing, other than the timed ones
_INSERT_BATCH = 10_000
_EXCERPTS = 3  # hits that get an excerpt, as an answer shows a few passages


# -- the cached corpus --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Corpus:
    """A generated corpus on disk: passages (text and terms) and questions."""

    passages: int
    seed: int
    path: Path

    @classmethod
    def locate(cls, passages: int, seed: int, analyzer_version: str) -> Corpus:
        name = f"corpus-{passages}-s{seed}-g{GENERATOR_VERSION}-{analyzer_version}.sqlite"
        return cls(passages, seed, BENCH_DIR / name)

    def connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)

    def bags(self) -> Iterator[tuple[str, TermBag]]:
        """Every passage's id and term bag, streamed."""
        with closing(self.connect()) as db:
            for passage_id, words, grams in db.execute("SELECT id, words, grams FROM passages"):
                yield passage_id, {"word": words.split(), "gram": grams.split()}

    def questions(self, count: int) -> list[tuple[str, str]]:
        with closing(self.connect()) as db:
            rows = db.execute("SELECT text, passage_id FROM questions ORDER BY n LIMIT ?", (count,))
            return list(rows)


def ensure_corpus(corpus: Corpus, questions: int, analyzer: KoreanAnalyzer) -> float:
    """Generate the corpus unless cached; seconds spent generating (0 when cached)."""
    if corpus.path.exists():
        with closing(sqlite3.connect(corpus.path)) as db:
            (have,) = db.execute("SELECT COUNT(*) FROM questions").fetchone()
            if have < questions:
                generator = Generator(corpus.seed, vocabulary(corpus.seed, analyzer))
                rows = (
                    (n, q.text, q.passage_id)
                    for n in range(have, questions)
                    for q in [generator.question(n, corpus.passages)]
                )
                db.executemany("INSERT INTO questions VALUES (?, ?, ?)", rows)
                db.commit()
        return 0.0
    start = time.perf_counter()
    generator = Generator(corpus.seed, vocabulary(corpus.seed, analyzer))
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    partial = corpus.path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("CREATE TABLE passages (id TEXT PRIMARY KEY, text TEXT, words TEXT, grams TEXT)")
        db.execute("CREATE TABLE questions (n INTEGER PRIMARY KEY, text TEXT, passage_id TEXT)")
        for begin in range(0, corpus.passages, _INSERT_BATCH):
            count = min(_INSERT_BATCH, corpus.passages - begin)
            rows = (
                (p.id, p.text, " ".join(p.words), " ".join(p.grams))
                for p in generator.passages(count, begin)
            )
            db.executemany("INSERT INTO passages VALUES (?, ?, ?, ?)", rows)
            db.commit()
            done = begin + count == corpus.passages
            _status(f"generated {begin + count:,} / {corpus.passages:,} passages", done)
        rows = (
            (n, q.text, q.passage_id)
            for n, q in enumerate(generator.questions(questions, corpus.passages))
        )
        db.executemany("INSERT INTO questions VALUES (?, ?, ?)", rows)
        db.commit()
    finally:
        db.close()
    partial.rename(corpus.path)
    return time.perf_counter() - start


def vocabulary(seed: int, analyzer: KoreanAnalyzer) -> list[str]:
    name = f"vocabulary-{VOCABULARY}-s{seed}-g{GENERATOR_VERSION}-{analyzer.version}.txt"
    path = BENCH_DIR / name
    if path.exists():
        return path.read_text(encoding="utf-8").split()
    _status(f"checking {VOCABULARY:,} nouns with the analyzer (once)", done=True)
    nouns = analyzer_nouns(analyzer, VOCABULARY, seed)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(nouns), encoding="utf-8")
    return nouns


# -- the index ----------------------------------------------------------------------


def index_path(corpus: Corpus) -> Path:
    return corpus.path.with_name(corpus.path.stem.replace("corpus-", "tantivy-"))


def ensure_tantivy_index(corpus: Corpus, rebuild: bool) -> dict[str, float]:
    """Build the on-disk index unless cached; its build time and size.

    A cached index is reused only if the engine still opens it with every passage
    (an engine that changed its index layout starts afresh).
    """
    path = index_path(corpus)
    record = path.with_name(path.name + ".build.json")
    fields = KoreanAnalyzer.fields
    if not rebuild and record.exists():
        rebuild = make_engine("tantivy", fields, path=path).size != corpus.passages
    if rebuild or not record.exists():
        if path.exists():
            shutil.rmtree(path)
        record.unlink(missing_ok=True)
        start = time.perf_counter()
        engine = make_engine("tantivy", fields, size=corpus.passages, path=path)
        engine.update(_counted(corpus.bags(), corpus.passages), ())
        seconds = time.perf_counter() - start
        assert engine.size == corpus.passages, (engine.size, corpus.passages)
        record.write_text(json.dumps({"build_s": seconds}), encoding="utf-8")
    build = json.loads(record.read_text(encoding="utf-8"))
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return {"build_s": build["build_s"], "index_mb": size / 1e6}


def _counted(items: Iterator[tuple[str, TermBag]], total: int) -> Iterator[tuple[str, TermBag]]:
    for n, item in enumerate(items, 1):
        if n % 50_000 == 0 or n == total:
            _status(f"indexed {n:,} / {total:,} passages", n == total)
        yield item


# -- serving (in a fresh process) ---------------------------------------------------


def serve(config: dict) -> None:
    """Start like the bot, answer one question, then time every question."""
    imported = time.monotonic()
    corpus = Corpus(config["passages"], config["seed"], Path(config["corpus"]))
    analyzer = KoreanAnalyzer()
    analyzer.analyze_query("시작")  # Kiwi loads lazily: part of starting up
    loaded = time.monotonic()
    engine = _open_engine(config, corpus)
    opened = time.monotonic()
    db = corpus.connect()
    questions = corpus.questions(config["queries"] + WARMUP)
    questions, warmup = questions[: config["queries"]], questions[config["queries"] :]
    answer(warmup[0][0], analyzer, engine, db, config["k"])
    answered = time.monotonic()
    print(FIRST_ANSWER, flush=True)  # the parent times the start up to this line

    for text, _ in warmup[1:]:  # steady state: code, caches and index pages warm
        answer(text, analyzer, engine, db, config["k"])
    latencies: list[float] = []
    cpu: list[float] = []
    stages: dict[str, list[float]] = {"analyze": [], "search": [], "excerpts": []}
    top1 = top10 = 0
    for text, gold in questions:
        start, start_cpu = time.perf_counter(), time.thread_time()
        hits, times = answer(text, analyzer, engine, db, config["k"])
        latencies.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        for stage, seconds in zip(stages.values(), times, strict=True):
            stage.append(seconds * 1000)
        top1 += bool(hits) and hits[0] == gold
        top10 += gold in hits
    sample = questions[:200]
    found = total = 0
    for text, _ in sample:
        words = analyzer.analyze_query(text)["word"]
        total += len(words)
        found += sum(engine.document_frequency("word", w) > 0 for w in words)
    result = {
        "latencies_ms": latencies,
        "cpu_ms": cpu,
        "stages_ms": stages,
        "start_breakdown_s": {
            "python and imports": imported - config["spawned_at_monotonic"],
            "analyzer": loaded - imported,
            "open_index": opened - loaded,
            "first_query": answered - opened,
        },
        "memory_mb": resident_memory_mb(),
        "top1": top1 / len(questions),
        "top10": top10 / len(questions),
        "query_words_indexed": found / max(total, 1),
    }
    print(json.dumps(result), flush=True)


def _open_engine(config: dict, corpus: Corpus) -> SearchEngine:
    fields = KoreanAnalyzer.fields
    if config["engine"] == "tantivy":
        return make_engine("tantivy", fields, size=corpus.passages, path=Path(config["index"]))
    engine = make_engine(config["engine"], fields, size=corpus.passages)
    engine.update(corpus.bags(), ())
    return engine


def answer(
    question: str, analyzer: KoreanAnalyzer, engine: SearchEngine, db: sqlite3.Connection, k: int
) -> tuple[list[str], tuple[float, float, float]]:
    """Search and cut an excerpt from each of the best hits.

    The hit ids, and the seconds spent analyzing, searching and excerpting.
    """
    start = time.perf_counter()
    query = analyzer.analyze_query(question)
    analyzed = time.perf_counter()
    hits = engine.search(query, k)
    searched = time.perf_counter()
    best = [hit.id for hit in hits[:_EXCERPTS]]
    if best:
        marks = ",".join("?" * len(best))
        texts = dict(db.execute(f"SELECT id, text FROM passages WHERE id IN ({marks})", best))
        words = set(query.get("word", ()))
        for passage_id in best:
            excerpt(texts[passage_id], words)
    done = time.perf_counter()
    return [hit.id for hit in hits], (analyzed - start, searched - analyzed, done - searched)


def excerpt(text: str, words: set[str]) -> str:
    """The sentence containing most query words (first among equals).

    A stand-in until the benchmark calls ``bot.answers``' own excerpt selection.
    """
    best, best_score = "", -1
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        score = sum(word in sentence for word in words)
        if score > best_score:
            best, best_score = sentence, score
    return best


# -- the parent ---------------------------------------------------------------------


def run_server(config: dict) -> tuple[float, dict]:
    """Spawn the serving process; seconds to its first answer, and its report."""
    return serve_in_fresh_process(__file__, config)


def percentile(values: Sequence[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1]


def measure_latency(args: argparse.Namespace) -> None:
    engine = resolve_engine(args.engine, args.passages)
    analyzer = KoreanAnalyzer()
    corpus = Corpus.locate(args.passages, args.seed, analyzer.version)
    generated = ensure_corpus(corpus, args.queries + WARMUP, analyzer)
    print(f"corpus: {args.passages:,} synthetic passages, seed {args.seed} ({corpus.path.name})")
    print(
        "  terms written by the generator, not by Kiwi (see --tokenize);"
        f" {'generated in ' + format(generated, '.0f') + ' s' if generated else 'cached'}"
    )
    config = {
        "engine": engine,
        "passages": args.passages,
        "seed": args.seed,
        "corpus": str(corpus.path),
        "queries": args.queries,
        "k": args.k,
    }
    if engine == "tantivy":
        built = ensure_tantivy_index(corpus, args.rebuild)
        config["index"] = str(index_path(corpus))
        print(
            f"index: tantivy, built in {built['build_s']:.1f} s, {built['index_mb']:.0f} MB on disk"
        )
    else:
        print(f"index: {engine}, in memory, built by the serving process at start")

    first_answer, report = run_server(config)
    latencies = report["latencies_ms"]
    p50, p95, p99 = (percentile(latencies, q) for q in (50, 95, 99))
    breakdown = ", ".join(f"{k} {v:.2f} s" for k, v in report["start_breakdown_s"].items())
    memory = report["memory_mb"]
    print(f"time to first answer: {first_answer:.2f} s after spawning ({breakdown})")
    print(
        f"memory while serving: VmRSS {memory['VmRSS']:.0f} MB"
        f" (anonymous {memory.get('RssAnon', 0):.0f}, file-backed {memory.get('RssFile', 0):.0f}),"
        f" peak {memory['VmHWM']:.0f} MB"
    )
    print(
        f"{len(latencies)} questions, top {args.k}: mean {statistics.fmean(latencies):.2f} ms,"
        f" max {max(latencies):.1f} ms; source passage ranked first {report['top1']:.0%},"
        f" in top {args.k} {report['top10']:.0%};"
        f" {report['query_words_indexed']:.0%} of question word terms are in the index"
    )
    stages = ", ".join(
        f"{name} {percentile(times, 50):.3f} / {percentile(times, 95):.3f}"
        for name, times in report["stages_ms"].items()
    )
    print(f"by stage, p50 / p95 ms: {stages}")
    cpu = report["cpu_ms"]
    print(
        f"CPU time per question (insensitive to other load; load average now"
        f" {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores): p50 {percentile(cpu, 50):.3f},"
        f" p95 {percentile(cpu, 95):.3f}, p99 {percentile(cpu, 99):.3f} ms"
    )
    print(f"p50_ms={p50:.3f} p95_ms={p95:.3f} p99_ms={p99:.3f}")


def measure_tokenizing(args: argparse.Namespace) -> None:
    """The analyzer's throughput on a sample: ``analyze`` one passage at a time
    (one core) vs ``analyze_many`` (Kiwi's batch mode, a thread per core)."""
    generator = Generator(args.seed)
    items = [
        (p.text, generator.title(i // PASSAGES_PER_ARTICLE))
        for i, p in enumerate(generator.passages(args.sample))
    ]
    chars = sum(len(text) + len(title) for text, title in items)
    analyzer = KoreanAnalyzer()
    analyzer.analyze("준비")  # load Kiwi before timing
    start = time.perf_counter()
    for text, title in items:
        analyzer.analyze(text, title)
    one_core = chars / (time.perf_counter() - start)
    start = time.perf_counter()
    collections.deque(analyzer.analyze_many(items), maxlen=0)  # consume, keep nothing
    all_cores = chars / (time.perf_counter() - start)
    per_passage = chars / len(items)
    total = per_passage * args.passages
    print(
        f"tokenizing {len(items):,} passages ({per_passage:.0f} characters each, title"
        f" included), {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}:"
    )
    print(f"  one at a time (analyze): {one_core:,.0f} chars/s")
    print(f"  batched (analyze_many):  {all_cores:,.0f} chars/s")
    print(
        f"  {args.passages:,} passages: {total / one_core / 60:.1f} min one at a time,"
        f" {total / all_cores / 60:.1f} min batched"
    )


def _status(message: str, done: bool = False) -> None:
    """Progress on stderr, on one line."""
    print(f"\r  {message}", end="\n" if done else "", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--engine", choices=ENGINES, default="tantivy")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--k", type=int, default=10, help="hits per question")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rebuild", action="store_true", help="rebuild a cached index")
    parser.add_argument("--tokenize", action="store_true", help="measure the analyzer instead")
    parser.add_argument("--sample", type=int, default=1000, help="passages for --tokenize")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(json.loads(args.serve))
    elif args.tokenize:
        measure_tokenizing(args)
    else:
        measure_latency(args)


if __name__ == "__main__":
    main()
