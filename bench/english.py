"""English articles: English questions about English pages, through the answer service.

    python bench/english.py [--retrieval bm25|hybrid] [--set FILE] [--baseline] [--verbose]

The corpus is the bundled Korean articles plus the English pages of
tests/data/english/, each extracted and saved exactly as ``add URL`` does
(trafilatura, then the article file); the questions are
tests/data/english_questions.json, whose key words are inflected otherwise than in
the passage that answers them (announces / announced, chip / chips); ``--set
tests/data/korean_about_english.json`` asks Korean questions about the same pages
instead. For each answerable question: is the expected passage quoted first (top1)
or among the three quoted (r3), and does the first excerpt highlight a word (hl);
for the unanswerable ones, does the bot say it found nothing. ``--all-refusals`` also
asks the unanswerable questions of every other set in tests/data of this corpus.

``--baseline`` runs the analyzer as it was before English stemming (Latin words
lower-cased only, no stop words), to measure what stemming changes. State is kept
in data/bench/english/ (per mode), so only the first hybrid run embeds the corpus.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from questions import count_refused  # noqa: E402

from bot import Library, Settings  # noqa: E402
from bot.corpus import CorpusStore  # noqa: E402
from bot.corpus.importer import article_from_extracted  # noqa: E402
from bot.search import analyzer as analyzer_module  # noqa: E402
from bot.sources import extract_article  # noqa: E402

PAGES = ROOT / "tests/data/english"
QUESTIONS = ROOT / "tests/data/english_questions.json"

_PIECE = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+")
_PARTS = re.compile(r"[A-Za-z\u00c0-\u024f]+|[0-9]+")
_OLD_WORDS = """a an the is are was were be been do does did what who whom when where which
why how much many of to in on at by for with from about into as and or it its this that these
those s can could will would should there than according tell me"""
_OLD_FUNCTION_WORDS = frozenset(_OLD_WORDS.split())


def _old_latin_terms(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """The analyzer's Latin words before English stemming (v3): lower-cased pieces."""
    terms = []
    pieces = list(_PIECE.finditer(text, start, end))
    if len(pieces) > 1:
        terms.append((text[start:end].lower(), start, end))
    for piece in pieces:
        s = piece.start()
        terms.append((piece.group().lower(), s, piece.end()))
        parts = list(_PARTS.finditer(piece.group()))
        if len(parts) > 1 and all(len(p.group()) > 1 or p.group().isdigit() for p in parts):
            terms.extend((p.group().lower(), s + p.start(), s + p.end()) for p in parts)
    return terms


def use_baseline() -> None:
    analyzer_module.latin_terms = _old_latin_terms  # type: ignore[assignment]
    analyzer_module.QUESTION_FUNCTION_TERMS = _OLD_FUNCTION_WORDS  # type: ignore[misc]
    analyzer_module.KoreanAnalyzer.version = "v3-baseline-no-english-stemming"


def build_corpus(target: Path) -> dict[str, str]:
    """The bundled corpus plus the English pages; page file name → article id."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / "corpus", target)
    store = CorpusStore(target)
    ids = {}
    for page in sorted(PAGES.glob("*.html")):
        url = f"https://news.example.com/news/{page.name}"
        article = article_from_extracted(extract_article(page.read_text("utf-8"), url))
        store.save_article(article)
        ids[page.name] = article.id
        print(f"{article.id}  {article.language or '?'}  {article.title}")
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--retrieval", choices=("bm25", "hybrid"), default="bm25")
    parser.add_argument("--baseline", action="store_true", help="no English stemming")
    parser.add_argument("--verbose", action="store_true", help="print every miss")
    parser.add_argument("--set", type=Path, default=QUESTIONS, help="the questions")
    parser.add_argument(
        "--all-refusals",
        action="store_true",
        help="also ask every set's unanswerable questions (tests/data/*.json) of this corpus",
    )
    parser.add_argument("--data", type=Path, default=ROOT / "data/bench/english")
    args = parser.parse_args()
    if args.baseline:
        use_baseline()
    questions = json.loads(args.set.read_text("utf-8"))
    state = args.data / ("baseline" if args.baseline else "current")
    ids = build_corpus(args.data / "corpus")
    settings = Settings(corpus_dir=args.data / "corpus", data_dir=state, retrieval=args.retrieval)
    library = Library(settings)
    service = library.open_service()
    library.embed_for(service)
    top1 = r3 = highlighted = 0
    for item in questions["answerable"]:
        hits = service.ask(item["q"]).hits
        page = ids[item["page"]]
        right = [h.article.id == page and item["expect"] in h.passage.text for h in hits]
        first = bool(right) and right[0]
        top1 += first
        r3 += any(right[:3])
        highlighted += first and bool(hits[0].excerpt.highlights)
        if args.verbose and not first:
            got = hits[0].passage.text[:90] if hits else "(not found)"
            print(f"miss: {item['q']}\n      got: {got}")
    refused = count_refused(service, questions["unanswerable"], verbose=args.verbose)
    n, m = len(questions["answerable"]), len(questions["unanswerable"])
    version = analyzer_module.KoreanAnalyzer.version
    print(f"{n} answerable, {m} unanswerable questions; retrieval {service.mode}; {version}")
    print(
        f"top1={top1 / n:.3f} r3={r3 / n:.3f} hl={highlighted / n:.3f} not_found={refused / m:.3f}"
    )
    if args.all_refusals:
        refusals = [
            question
            for path in sorted((ROOT / "tests/data").glob("*.json"))
            if path.resolve() != args.set.resolve()
            for question in json.loads(path.read_text("utf-8")).get("unanswerable", [])
        ]
        refused = count_refused(service, refusals, verbose=args.verbose)
        print(f"every other set's refusals: {refused} of {len(refusals)} refused")


if __name__ == "__main__":
    main()
