"""Words worth trying: what each article is most about.

Each article's words are ranked by how often it uses them (dampened) times how rare
they are in the corpus, with names — Latin proper names such as DeepSeek or WEF, and
the article's title words — counting triple. A few are taken from every article, at
most two names each, so a Korean reader sees Korean words too.

Bounded whatever the corpus size: the first ``ARTICLES`` articles (a reply shows a
few words only), each judged by its first ``PASSAGES`` passages.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from ..corpus import Article
from ..search import SearchIndex

__all__ = ["key_words"]

ARTICLES = 30
PASSAGES = 20
_NAMES_PER_ARTICLE = 2
_NAME = re.compile(r"^[A-Z][A-Za-z0-9-]*[A-Z0-9][A-Za-z0-9-]*$|^[A-Z][a-z]{2,}[A-Z]")
_SHOWABLE = re.compile(r"^(?:[가-힣]{2,}|[A-Za-z][A-Za-z0-9.-]{2,})$")


def key_words(index: SearchIndex, per_article: int = 3) -> tuple[str, ...]:
    """A few distinctive words of every article, as they are written in it."""
    chosen: list[str] = []
    for article in index.first_articles(ARTICLES):
        picked = names = 0
        for surface in _ranked_words(index, article):
            # One spelling of a thing is enough: GPT-4 makes GPT redundant.
            is_name = bool(_NAME.match(surface))
            if any(surface in c or c in surface for c in chosen):
                continue
            if is_name and names == _NAMES_PER_ARTICLE:
                continue
            chosen.append(surface)
            picked += 1
            names += is_name
            if picked == per_article:
                break
    return tuple(chosen)


def _ranked_words(index: SearchIndex, article: Article) -> list[str]:
    """The article's showable words, best first, as they are written in it."""
    counts: Counter[str] = Counter()
    surfaces: dict[str, str] = {}
    for passage in index.article_passages(article.id, PASSAGES):
        for term in index.passage_terms(passage.id):
            surface = passage.text[term.start : term.end]
            if _SHOWABLE.match(surface):
                counts[term.text] += 1
                surfaces.setdefault(term.text, surface)
    title = set(index.analyzer.analyze_query(article.title).get("word", ()))
    size = max(index.size, 1)

    def worth(word: str) -> float:
        boost = 3.0 if _NAME.match(surfaces[word]) or word in title else 1.0
        rarity = math.log(1 + size / (1 + index.document_frequency(word)))
        return boost * math.log(1 + counts[word]) * rarity

    return [surfaces[w] for w in sorted(counts, key=worth, reverse=True)]
