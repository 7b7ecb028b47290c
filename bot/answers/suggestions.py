"""Words worth trying: what each article is most about, by tf-idf.

Bounded whatever the corpus size: the first ``ARTICLES`` articles (a reply shows a
few words only), each judged by its first ``PASSAGES`` passages.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from ..search import SearchIndex

__all__ = ["key_words"]

ARTICLES = 30
PASSAGES = 20
_SHOWABLE = re.compile(r"^(?:[가-힣]{2,}|[A-Za-z][A-Za-z0-9.-]{2,})$")


def key_words(index: SearchIndex, per_article: int = 3) -> tuple[str, ...]:
    """A few distinctive words of every article, as they are written in it."""
    size = max(index.size, 1)
    chosen: list[str] = []
    for article in index.first_articles(ARTICLES):
        counts: Counter[str] = Counter()
        surfaces: dict[str, str] = {}
        for passage in index.article_passages(article.id, PASSAGES):
            for term in index.passage_terms(passage.id):
                surface = passage.text[term.start : term.end]
                if _SHOWABLE.match(surface):
                    counts[term.text] += 1
                    surfaces.setdefault(term.text, surface)
        scored = sorted(
            counts,
            key=lambda w: -counts[w] * math.log(1 + size / (1 + index.document_frequency(w))),
        )
        fresh = [surfaces[w] for w in scored if surfaces[w] not in chosen]
        chosen.extend(fresh[:per_article])
    return tuple(chosen)
