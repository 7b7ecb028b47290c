"""Our own question set (tests/data/questions.json) through the real answer service.

    python bench/questions.py [--set FILE] [--retrieval bm25|hybrid] [--verbose]

State (index, cached vectors) is kept in data/bench/questions/, so only the first
hybrid run embeds the corpus.

Reports, for the answerable questions, how often the passage that answers them
is quoted first (top1) or among the quoted passages (r3), and for the
unanswerable ones how often the bot correctly says it found nothing. The last
line is ``top1=… r3=… not_found=…``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import AnswerService, Library, Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--set", type=Path, default=ROOT / "tests/data/questions.json")
    parser.add_argument("--verbose", action="store_true", help="print every miss")
    parser.add_argument("--retrieval", choices=("bm25", "hybrid"), default="hybrid")
    parser.add_argument("--data", type=Path, default=ROOT / "data/bench/questions")
    args = parser.parse_args()
    questions = json.loads(args.set.read_text("utf-8"))
    settings = Settings(corpus_dir=args.corpus, data_dir=args.data, retrieval=args.retrieval)
    library = Library(settings)
    service = library.open_service()
    library.embed_for(service)
    top1 = r3 = 0
    for item in questions["answerable"]:
        texts = [hit.passage.text for hit in service.ask(item["q"]).hits]
        first = bool(texts) and item["expect"] in texts[0]
        top1 += first
        r3 += any(item["expect"] in t for t in texts)
        if args.verbose and not first:
            print(f"miss: {item['q']}")
    refused = count_refused(service, questions["unanswerable"], verbose=args.verbose)
    n, m = len(questions["answerable"]), len(questions["unanswerable"])
    print(f"{n} answerable, {m} unanswerable questions, retrieval {service.mode}")
    print(f"top1={top1 / n:.3f} r3={r3 / n:.3f} not_found={refused / m:.3f}")


def count_refused(service: AnswerService, questions: list[str], *, verbose: bool) -> int:
    """How many of ``questions`` (which the articles don't answer) are refused."""
    refused = 0
    for question in questions:
        answered = service.ask(question).answered
        refused += not answered
        if verbose and answered:
            print(f"false answer: {question}")
    return refused


if __name__ == "__main__":
    main()
