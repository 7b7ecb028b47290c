"""Follow-up questions (tests/data/followups.json) with and without their context.

    python bench/followups.py [--retrieval bm25|hybrid] [--verbose]

Each pair's earlier question is asked first; its answer becomes the context
(``Turn.of``). The follow-up is then answered three ways: alone (what the bot did
before follow-ups kept their context), as a reply to the earlier answer (``explicit``)
and as the next plain message of a private chat (``explicit=False``). A pair is a hit
at k when the passage holding its ``expect`` phrase is among the first k quoted.

Reports hit@1 and hit@3 for each way, over all pairs and by kind (elliptical ones,
and the ones with their own topic, where the context must not hurt), and how often
the follow-up was taken as one. State is kept in data/bench/followups/.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import Library, Settings  # noqa: E402
from bot.answers import Answer, Turn  # noqa: E402

WAYS = ("alone", "reply", "plain")


def rank_of(answer: Answer, expect: str) -> int | None:
    """1-based position of the passage holding ``expect`` among the quoted ones."""
    for position, hit in enumerate(answer.hits, 1):
        if expect in hit.passage.text:
            return position
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--set", type=Path, default=ROOT / "tests/data/followups.json")
    parser.add_argument("--retrieval", choices=("bm25", "hybrid"), default="bm25")
    parser.add_argument("--data", type=Path, default=ROOT / "data/bench/followups")
    parser.add_argument("--verbose", action="store_true", help="print every pair's ranks")
    args = parser.parse_args()
    pairs = json.loads(args.set.read_text("utf-8"))["pairs"]
    settings = Settings(corpus_dir=args.corpus, data_dir=args.data, retrieval=args.retrieval)
    library = Library(settings)
    service = library.open_service()
    library.embed_for(service)
    kinds = sorted({p["kind"] for p in pairs})
    # hits[way][kind] = (hit@1, hit@3); taken[way][kind] = follow-ups taken as such
    hits = {w: {k: [0, 0] for k in ("all", *kinds)} for w in WAYS}
    taken = {w: {k: 0 for k in kinds} for w in WAYS}
    earlier_hits = 0
    for pair in pairs:
        earlier = service.ask(pair["earlier"])
        turn = Turn.of(earlier)
        earlier_hits += turn is not None
        answers = {
            "alone": service.ask(pair["followup"]),
            "reply": service.ask(pair["followup"], context=turn),
            "plain": service.ask(pair["followup"], context=turn, explicit=False),
        }
        ranks = {}
        for way, answer in answers.items():
            rank = rank_of(answer, pair["expect"])
            ranks[way] = rank
            taken[way][pair["kind"]] += answer.followup_of is not None
            for kind in ("all", pair["kind"]):
                hits[way][kind][0] += rank == 1
                hits[way][kind][1] += rank is not None and rank <= 3
        if args.verbose:
            shown = "  ".join(f"{w}={ranks[w] or '-'}" for w in WAYS)
            print(f"{shown}  [{pair['kind']}] {pair['earlier']} → {pair['followup']}")
    counts = {"all": len(pairs)} | {k: sum(p["kind"] == k for p in pairs) for k in kinds}
    print(
        f"{len(pairs)} follow-up pairs ({', '.join(f'{counts[k]} {k}' for k in kinds)}), "
        f"retrieval {service.mode}; earlier questions answered: {earlier_hits}/{len(pairs)}"
    )
    for way in WAYS:
        parts = []
        for kind in ("all", *kinds):
            one, three = hits[way][kind]
            n = counts[kind]
            parts.append(f"{kind}: hit@1={one / n:.3f} hit@3={three / n:.3f}")
        followed = ", ".join(f"{taken[way][k]}/{counts[k]} {k}" for k in kinds)
        print(f"{way:6} {' | '.join(parts)}  (taken as follow-ups: {followed})")


if __name__ == "__main__":
    main()
