"""Start-up, memory and refresh of the real bot path (Library → SearchIndex → AnswerService).

    python bench/startup.py --passages 1000000            # time to first answer, RSS
    python bench/startup.py --passages 100000 --refresh   # a refresh that changes nothing

1. A corpus folder and a data folder are prepared once under ``data/bench/`` from
   the synthetic corpus of ``bench/latency.py`` (``--source`` finds its SQLite
   file): one article file per 8 passages, and the token cache filled with the
   generator's terms (running Kiwi on a million passages takes most of an hour),
   then ``Library.build_index`` indexes it as the bot does (its time is reported).
2. A fresh process then starts like the bot: ``Library.open_service()`` and one
   question, timed from the moment the process is spawned; then it answers the
   benchmark questions and reports its resident memory (/proc/self/status).
   With ``--refresh`` it then runs two real refreshes (``Refresher.refresh``, the
   path of ``/refresh`` and ``python -m bot refresh``) with the corpus folder
   unchanged: the time of each, and the memory the process grew by while it ran
   (the peak is reset before each: /proc/self/clear_refs). The first refresh after
   an index made by an older version reads every file once to record it.
3. With ``--semantic`` the data folder's vector cache is filled once with random unit
   vectors, one per passage text (real ones would take hours of embedding; search cost
   does not depend on their values), and the process answers in hybrid mode: each
   question is embedded by the real model, then searched (HNSW above 50,000 passages:
   the graph is built and saved while preparing, up to 200,000 passages; above, the
   vectors are searched exactly, as a bot does until its embedding job has built the
   graph). The time to first answer then includes loading the vectors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import sys
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from measure import FIRST_ANSWER, resident_memory_mb, serve_in_fresh_process  # noqa: E402
from synthetic import GENERATOR_VERSION, Generator  # noqa: E402

from bot.corpus import Article, CorpusStore, split_article  # noqa: E402
from bot.library import Library  # noqa: E402
from bot.refresh import Refresher  # noqa: E402
from bot.search.analyzer import SPANS, KoreanAnalyzer  # noqa: E402
from bot.search.token_cache import TokenCache, cache_key  # noqa: E402
from bot.settings import Settings  # noqa: E402

BENCH_DIR = ROOT / "data" / "bench"
# Above this the graph is not prepared (building one of a million random vectors took
# over 40 minutes): the serving process then searches the vectors exactly.
GRAPH_PREPARED_UP_TO = 200_000
_BATCH = 8_000


def _status(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def source_path(args: argparse.Namespace) -> Path:
    """The synthetic corpus of ``bench/latency.py``, made for any analyzer version: its
    terms are the generator's, not Kiwi's (the newest file if there are several)."""
    pattern = f"corpus-{args.passages}-s{args.seed}-g{GENERATOR_VERSION}-*.sqlite"
    for folder in (Path(args.source), BENCH_DIR):
        found = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime)
        if found:
            return found[-1]
    raise SystemExit(f"{pattern} not found: run bench/latency.py --passages {args.passages} first")


def relabel(settings: Settings) -> None:
    """A prepared index made under another analyzer version is relabelled rather than
    rebuilt: its terms came from the generator, which no analyzer version changes."""
    path = settings.data_dir / "index" / "passages.sqlite"
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'analyzer'", (KoreanAnalyzer.version,))


def _spans(text: str, words: list[str]) -> list[int]:
    """Spans of the leading word terms found in order in the text (excerpts need some)."""
    spans, position = [], 0
    for word in words:
        found = text.find(word, position)
        if found < 0:
            break
        spans += [found, found + len(word)]
        position = found + len(word)
    return spans


def prepare(source: Path, home: Path) -> Settings:
    """The corpus and data folders for ``source``, made once."""
    settings = Settings(corpus_dir=home / "corpus", data_dir=home / "data")
    done = home / "prepared.json"
    if done.exists():
        relabel(settings)
        return settings
    store = CorpusStore(settings.corpus_dir)
    start = time.perf_counter()
    cache = TokenCache(settings.data_dir / "tokens.sqlite")
    version = KoreanAnalyzer.version
    source_version = source.stem.split(f"-g{GENERATOR_VERSION}-", 1)[1]
    seed = source.name.split("-s")[1].split("-")[0]
    vocabulary = source.with_name(
        f"vocabulary-100000-s{seed}-g{GENERATOR_VERSION}-{source_version}.txt"
    )
    generator = Generator(0, vocabulary.read_text(encoding="utf-8").split())
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT id, text, words, grams FROM passages ORDER BY id")
        article: list[tuple[str, str, str]] = []
        current = None
        written = 0
        pending: dict[str, dict] = {}

        def flush() -> None:
            nonlocal written
            if not article:
                return
            article_id = current
            title_words = generator.title(int(article_id, 16))
            body = "\n\n".join(text for text, _, _ in article)
            saved = Article(id=article_id, title=title_words, body=body)
            store.save_article(saved)
            bags = {text: (words, grams) for text, words, grams in article}
            for passage in split_article(saved):
                words, grams = bags.get(passage.text, ("", ""))
                word_list = words.split()
                pending[cache_key(version, saved.title, passage.text)] = {
                    "word": word_list,
                    "gram": grams.split(),
                    SPANS: _spans(passage.text, word_list),
                }
            written += len(article)
            article.clear()
            if len(pending) >= _BATCH:
                cache.put_many(pending)
                pending.clear()
                _status(f"wrote {written:,} passages")

        for passage_id, text, words, grams in rows:
            article_id = passage_id.split("-")[0]
            if article_id != current:
                flush()
                current = article_id
            article.append((text, words, grams))
        flush()
        cache.put_many(pending)
    cache.close()
    written_s = time.perf_counter() - start
    library = Library(settings)
    start = time.perf_counter()
    index = library.build_index(lambda stage, done_, total: None)
    built_s = time.perf_counter() - start
    done.write_text(
        json.dumps({"files_s": written_s, "index_s": built_s, "passages": index.size}),
        encoding="utf-8",
    )
    library.close()
    return settings


def fill_random_vectors(settings: Settings) -> None:
    """One random unit vector per passage and per sentence of each in the vector cache
    (the answer path reads the sentences' of its best candidates), made once per scheme."""
    import numpy as np

    from bot.search.embedder import E5Embedder
    from bot.search.semantic import embedding_input
    from bot.search.sentence_vectors import sentence_keys
    from bot.search.vectors import VectorCache, vector_key

    # Made for this model version and this way of reading a passage (title + text) and
    # its sentences.
    scheme = vector_key(E5Embedder.version, embedding_input("title", "text")) + "+sentences"
    done = settings.data_dir / "random-vectors.done"
    if done.exists() and done.read_text(encoding="utf-8") == scheme:
        return
    cache = VectorCache(settings.data_dir / "vectors.sqlite")
    rng = np.random.default_rng(0)
    library = Library(settings)
    index = library.build_index(lambda stage, done_, total: None)
    for batch in index.passage_texts():
        version = E5Embedder.version
        keys = [vector_key(version, embedding_input(title, text)) for _, title, text in batch]
        keys += [k for _, title, text in batch for k in sentence_keys(version, title, text)]
        vectors = rng.standard_normal((len(keys), 384), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        cache.put_many(dict(zip(keys, vectors, strict=True)))
    cache.close()
    library.close()
    done.write_text(scheme, encoding="utf-8")


def build_graph(settings: Settings) -> None:
    """The HNSW graph of the vectors, built (or restored) as ``python -m bot index`` does,
    so the serving process finds it saved: a bot's start never builds one, its embedding
    job does (a minute or two at 100,000 passages; far longer at a million)."""
    library = Library(settings)
    library.embed(library.build_index(lambda stage, done_, total: None))  # all cached
    library.close()


def serve(config: dict) -> None:
    settings = Settings(
        corpus_dir=Path(config["corpus"]),
        data_dir=Path(config["data"]),
        retrieval=config["retrieval"],
    )
    library = Library(settings)
    service = library.open_service()
    assert service.mode == config["retrieval"], service.mode
    opened = time.monotonic()
    questions = config["questions"]
    first = service.ask(questions[0])
    answered = time.monotonic()
    print(FIRST_ANSWER, flush=True)
    latencies = []
    answered_count = 0
    for question in questions[1:]:
        start = time.perf_counter()
        answer = service.ask(question)
        latencies.append((time.perf_counter() - start) * 1000)
        answered_count += answer.answered
    result = {
        "open_s": opened - config["spawned_at_monotonic"],
        "first_question_s": answered - opened,
        "first_status": first.status.name,
        "answered": answered_count / max(len(questions) - 1, 1),
        "latencies_ms": latencies,
        "memory_mb": resident_memory_mb(),
    }
    if config["refresh"]:
        if library.catching_up is not None:
            library.catching_up.join()
        refresher = Refresher(library, service)
        result["refreshes"] = [_timed_refresh(refresher) for _ in range(2)]
    print(json.dumps(result), flush=True)


def _timed_refresh(refresher: Refresher) -> dict:
    before = resident_memory_mb()
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS: the peak of what follows
    start = time.perf_counter()
    report = asyncio.run(refresher.refresh())
    seconds = time.perf_counter() - start
    after = resident_memory_mb()
    return {
        "seconds": seconds,
        "summary": report.summary(),
        "rss_before_mb": before["VmRSS"],
        "rss_after_mb": after["VmRSS"],
        "peak_growth_mb": after["VmHWM"] - before["VmRSS"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--refresh", action="store_true", help="also time a no-change refresh")
    parser.add_argument(
        "--source", default=os.environ.get("BENCH_SOURCE", str(BENCH_DIR)), help="corpus folder"
    )
    parser.add_argument("--semantic", action="store_true", help="answer in hybrid mode")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(json.loads(args.serve))
        return
    source = source_path(args)
    home = BENCH_DIR / f"startup-{args.passages}-s{args.seed}-g{GENERATOR_VERSION}"
    settings = prepare(source, home)
    if args.semantic:
        fill_random_vectors(settings)
        if args.passages <= GRAPH_PREPARED_UP_TO:
            build_graph(settings)
    prepared = json.loads((home / "prepared.json").read_text(encoding="utf-8"))
    print(
        f"prepared {prepared['passages']:,} passages in {home}: files and token cache"
        f" {prepared['files_s']:.0f} s, index built by Library.build_index in"
        f" {prepared['index_s']:.0f} s"
    )
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as db:
        questions = [
            q
            for (q,) in db.execute("SELECT text FROM questions ORDER BY n LIMIT ?", (args.queries,))
        ]
    config = {
        "corpus": str(settings.corpus_dir),
        "data": str(settings.data_dir),
        "questions": questions,
        "refresh": args.refresh,
        "retrieval": "hybrid" if args.semantic else "bm25",
    }
    first_answer, report = serve_in_fresh_process(__file__, config)
    memory = report["memory_mb"]
    latencies = report["latencies_ms"]
    p95 = statistics.quantiles(latencies, n=100)[94] if len(latencies) > 1 else 0.0
    print(
        f"time to first answer: {first_answer:.2f} s after spawning (service open"
        f" {report['open_s']:.2f} s, first question {report['first_question_s']:.2f} s,"
        f" {report['first_status']})"
    )
    print(
        f"memory while serving: VmRSS {memory['VmRSS']:.0f} MB (anonymous"
        f" {memory.get('RssAnon', 0):.0f}, file-backed {memory.get('RssFile', 0):.0f}),"
        f" peak {memory['VmHWM']:.0f} MB"
    )
    print(
        f"{len(latencies)} questions through AnswerService.ask: p50"
        f" {statistics.median(latencies):.2f} ms, p95 {p95:.2f} ms;"
        f" answered {report['answered']:.0%} ({config['retrieval']})"
    )
    for n, refresh in enumerate(report.get("refreshes", ()), start=1):
        print(
            f"refresh {n} with nothing changed: {refresh['seconds']:.2f} s; VmRSS"
            f" {refresh['rss_before_mb']:.0f} → {refresh['rss_after_mb']:.0f} MB, grew by at"
            f" most {refresh['peak_growth_mb']:.0f} MB while it ran ({refresh['summary']})"
        )
    summary = (
        f"first_answer_s={first_answer:.2f} rss_mb={memory['VmRSS']:.0f} "
        f"p50_ms={statistics.median(latencies):.2f} p95_ms={p95:.2f}"
    )
    if args.refresh:
        seconds = [f"{r['seconds']:.2f}" for r in report["refreshes"]]
        growth = max(r["peak_growth_mb"] for r in report["refreshes"])
        summary += f" refresh_s={'/'.join(seconds)} refresh_growth_mb={growth:.0f}"
    print(summary)


if __name__ == "__main__":
    main()
