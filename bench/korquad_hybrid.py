"""KorQuAD 1.0 dev with the semantic side: does fusion keep lexical questions answered?

    .venv/bin/python bench/korquad_hybrid.py

The same raw ranking as ``bench/tydi.py --level raw`` (the bot's analyzer and BM25
fields, the model's vectors, their linear fusion with the service's adaptive weight,
``bot/answers/fusion.py``) over KorQuAD's 961 dev paragraphs and 5,774 questions,
whose writers saw the paragraph (so they reuse its words: BM25's best case).
Paragraph vectors are cached in data/bench/korquad-vectors.sqlite (the first run
embeds 961 paragraphs: about 10 minutes of one core).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.korquad import DEFAULT_DATA  # noqa: E402
from bench.tydi import raw_ranking  # noqa: E402
from bench.tydi_data import Question, TyDi, embed_all, paragraph_inputs  # noqa: E402
from bot.search.embedder import load_embedder  # noqa: E402
from bot.search.vectors import VectorCache  # noqa: E402

CACHE = ROOT / "data/bench/korquad-vectors.sqlite"


def load(path: Path = DEFAULT_DATA) -> TyDi:
    index: dict[str, int] = {}
    titles: list[str] = []
    questions: list[Question] = []
    for article in json.loads(path.read_text("utf-8"))["data"]:
        for paragraph in article["paragraphs"]:
            text = paragraph["context"]
            if text not in index:
                index[text] = len(index)
                titles.append(article["title"])
            for qa in paragraph["qas"]:
                answers = tuple(a["text"] for a in qa["answers"])
                questions.append(Question(qa["question"], index[text], answers, "test"))
    return TyDi(tuple(index), tuple(titles), tuple(questions))


def main() -> None:
    if not DEFAULT_DATA.exists():
        sys.exit(f"{DEFAULT_DATA} is missing: this benchmark reads ../shared/data/korquad/")
    korquad = load()
    cache = VectorCache(CACHE)
    embed_all(load_embedder(), cache, paragraph_inputs(korquad))
    print(f"{len(korquad.paragraphs)} paragraphs, {len(korquad.questions)} questions")
    for name, values in raw_ranking(korquad, korquad.questions, cache).items():
        print(f"raw {name:8s} " + " ".join(f"{k}={v:.3f}" for k, v in values.items()))


if __name__ == "__main__":
    main()
