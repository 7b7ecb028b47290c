"""Typos and spacing: our questions with systematic variants, through the answer service.

    .venv/bin/python bench/variants.py [--retrieval bm25|hybrid]

For each answerable question of tests/data/questions.json and heldout_questions.json,
its key word (the longest Hangul word of the question that the articles contain) is
changed in one of three ways, all deterministic:

- **no spaces**: every space of the question removed;
- **space inside**: a space inserted in the middle of the key word;
- **one jamo**: one jamo of the key word replaced by a neighbouring one (the same
  position of another syllable: initial, vowel or final), chosen by a fixed seed.

Reported: top-1 (the expected passage quoted first) per variant, next to the original
questions'. The last line is ``original=… no_spaces=… space_inside=… one_jamo=…``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot import Library, Settings  # noqa: E402

_BASE, _INITIALS, _VOWELS, _FINALS = 0xAC00, 19, 21, 28


def change_one_jamo(word: str, rng: random.Random) -> str:
    syllables = [i for i, c in enumerate(word) if "가" <= c <= "힣"]
    position = rng.choice(syllables)
    code = ord(word[position]) - _BASE
    initial, vowel, final = code // (_VOWELS * _FINALS), code // _FINALS % _VOWELS, code % _FINALS
    part = rng.choice(("initial", "vowel", "final") if final else ("initial", "vowel"))
    if part == "initial":
        initial = rng.choice([i for i in range(_INITIALS) if i != initial])
    elif part == "vowel":
        vowel = rng.choice([v for v in range(_VOWELS) if v != vowel])
    else:
        final = rng.choice([f for f in range(1, _FINALS) if f != final])
    changed = chr(_BASE + (initial * _VOWELS + vowel) * _FINALS + final)
    return word[:position] + changed + word[position + 1 :]


def key_word(question: str, corpus_text: str) -> str | None:
    words = [w for w in re.findall(r"[가-힣]{2,}", question) if w in corpus_text]
    return max(words, key=len) if words else None


def variants(question: str, corpus_text: str, rng: random.Random) -> dict[str, str] | None:
    word = key_word(question, corpus_text)
    if word is None:
        return None
    middle = len(word) // 2
    return {
        "original": question,
        "no_spaces": question.replace(" ", ""),
        "space_inside": question.replace(word, f"{word[:middle]} {word[middle:]}", 1),
        "one_jamo": question.replace(word, change_one_jamo(word, rng), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--retrieval", choices=("bm25", "hybrid"), default="hybrid")
    parser.add_argument("--data", type=Path, default=ROOT / "data/bench/questions")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    settings = Settings(corpus_dir=ROOT / "corpus", data_dir=args.data, retrieval=args.retrieval)
    library = Library(settings)
    service = library.open_service()
    library.embed_for(service)
    corpus_text = " ".join(
        p.text for a in service.index.articles for p in service.index.article_passages(a)
    )
    rng = random.Random(20261203)
    hits: dict[str, list[bool]] = {}
    for name in ("questions", "heldout_questions"):
        data = json.loads((ROOT / "tests/data" / f"{name}.json").read_text("utf-8"))
        for item in data["answerable"]:
            for kind, question in (variants(item["q"], corpus_text, rng) or {}).items():
                answer = service.ask(question)
                first = bool(answer.hits) and item["expect"] in answer.hits[0].passage.text
                hits.setdefault(kind, []).append(first)
                if args.verbose and not first and kind != "original":
                    print(f"miss ({kind}): {question}")
    print(f"{len(hits['original'])} questions with a key word, retrieval {service.mode}")
    print(" ".join(f"{kind}={sum(v) / len(v):.3f}" for kind, v in hits.items()))


if __name__ == "__main__":
    main()
