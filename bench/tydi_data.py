"""TyDi QA Korean (../shared/data/tydiqa-ko/) as a corpus and questions, with cached vectors.

Shared by ``bench/tydi.py``. Each distinct paragraph becomes one article (its title is
the Wikipedia page's); a question's gold is its own paragraph (raw ranking) or any
passage that holds one of its gold answer strings (the answer path). Questions are
split by paragraph into two halves: parameters are fit on ``fit``, figures reported
on ``test``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.corpus import Article, split_article  # noqa: E402
from bot.search.embedder import Embedder  # noqa: E402
from bot.search.semantic import embedding_input, sentence_inputs  # noqa: E402
from bot.search.vectors import VectorCache, vector_key  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared/data/tydiqa-ko/korean_tydiqa_train.json"
DEFAULT_CACHE = ROOT / "data/bench/tydi-vectors.sqlite"


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    paragraph: int  # index into TyDi.paragraphs
    answers: tuple[str, ...]
    half: str  # "fit" or "test"


@dataclass(frozen=True, slots=True)
class TyDi:
    paragraphs: tuple[str, ...]
    titles: tuple[str, ...]
    questions: tuple[Question, ...]

    def articles(self) -> list[Article]:
        return [
            Article(id=f"tydi{n:05d}", title=title, body=text, language="ko")
            for n, (text, title) in enumerate(zip(self.paragraphs, self.titles, strict=True))
        ]


def _half(text: str) -> str:
    return "fit" if hashlib.blake2b(text.encode(), digest_size=1).digest()[0] % 2 else "test"


def load(path: Path = DEFAULT_DATA) -> TyDi:
    data = json.loads(path.read_text("utf-8"))["data"]
    index: dict[str, int] = {}
    titles: list[str] = []
    questions: list[Question] = []
    for article in data:
        for paragraph in article["paragraphs"]:
            text = " ".join(paragraph["context"].replace("</b>", " ").split())
            if text not in index:
                index[text] = len(index)
                titles.append(article["title"])
            for qa in paragraph["qas"]:
                answers = tuple(a["text"] for a in qa["answers"] if a["text"].strip())
                questions.append(Question(qa["question"], index[text], answers, _half(text)))
    return TyDi(tuple(index), tuple(titles), tuple(questions))


def embed_all(
    embedder: Embedder, cache: VectorCache, texts: Sequence[str], batch: int = 16
) -> None:
    """Put every text's vector in the cache (only those not there yet are embedded)."""
    keys = {vector_key(embedder.version, t): t for t in texts}
    missing = [k for k in keys if k not in cache.get_many(keys)]
    for start in tqdm(range(0, len(missing), batch), desc="embedding", unit="batch"):
        chunk = missing[start : start + batch]
        vectors = embedder.embed_passages([keys[k] for k in chunk])
        cache.put_many(dict(zip(chunk, vectors, strict=True)))


def paragraph_inputs(tydi: TyDi) -> list[str]:
    """What the model reads of each paragraph, as of a passage: title, then text."""
    return [embedding_input(t, p) for p, t in zip(tydi.paragraphs, tydi.titles, strict=True)]


def all_texts(tydi: TyDi) -> list[str]:
    """Every text the benchmarks embed: whole paragraphs (raw ranking), the passages the
    answer path splits them into, and their sentences."""
    split = [(a.title, p.text) for a in tydi.articles() for p in split_article(a)]
    passages = [embedding_input(title, text) for title, text in split]
    sentences = [s for title, text in split for s in sentence_inputs(title, text)]
    return list(dict.fromkeys([*paragraph_inputs(tydi), *passages, *sentences]))


if __name__ == "__main__":
    from bot.search.embedder import load_embedder

    tydi = load()
    texts = all_texts(tydi)
    print(
        len(tydi.paragraphs), "paragraphs,", len(tydi.questions), "questions,", len(texts), "texts"
    )
    embed_all(load_embedder(), VectorCache(DEFAULT_CACHE), texts)
