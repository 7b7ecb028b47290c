"""How long an article may be (``ARTICLE_MAX_CHARS``), and cutting it to that.

One page once became 13,277 passages and took minutes and most of a gigabyte to
index; one article must never cost that. A text longer than the limit is cut at
the last paragraph end before it (or, when that would drop more than half, the
last sentence end, or word) and the cut is reported: the beginning of an
article is the part worth keeping, and refusing the whole of it would lose it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .documents import Article
from .sentences import sentence_spans

__all__ = [
    "ARTICLE_MAX_CHARS",
    "MAX_TITLE_CHARS",
    "Truncation",
    "cut_text",
    "limit_article",
    "max_file_bytes",
]

ARTICLE_MAX_CHARS = 200_000
# A title is indexed with every passage of its article and compared with every
# question its passages are a candidate for: a page whose "title" is a paragraph must
# not cost that many times over. Longer titles are cut, at a word.
MAX_TITLE_CHARS = 300
# How far back from the limit a sentence end is looked for.
_SENTENCE_WINDOW = 4_000


@dataclass(frozen=True, slots=True)
class Truncation:
    """An article cut to the limit: which one, and how much of it was kept."""

    title: str
    source: str  # file name or URL
    kept: int  # characters of text kept
    total: int  # characters of text it had

    @property
    def reason(self) -> str:
        return f"cut to {self.kept:,} of {self.total:,} characters (ARTICLE_MAX_CHARS)"


def max_file_bytes(max_chars: int) -> int:
    """The largest corpus file read at all: any file within ``max_chars`` fits."""
    # UTF-8 takes at most 4 bytes a character; the header gets 16 KiB on top.
    return 4 * max_chars + 16_384


def cut_text(text: str, max_chars: int) -> str:
    """``text``, or its longest beginning within ``max_chars`` that ends a paragraph,
    else a sentence, else a word (else exactly ``max_chars`` characters)."""
    if len(text) <= max_chars:
        return text
    half = max_chars // 2
    paragraph = text.rfind("\n\n", 0, max_chars + 2)
    if paragraph >= half:
        return text[:paragraph].rstrip()
    start = max(0, max_chars - _SENTENCE_WINDOW)
    window = text[start:max_chars]
    spans = sentence_spans(window)
    # The last span may run to the window's edge: only a span that a sentence end
    # closes (a later span begins after it) is a whole sentence.
    ends = [end for _, end in spans[:-1]]
    if ends and start + ends[-1] >= half:
        return text[: start + ends[-1]]
    space = max(text.rfind(" ", 0, max_chars + 1), text.rfind("\n", 0, max_chars + 1))
    if space >= half:
        return text[:space].rstrip()
    return text[:max_chars]


def limit_article(
    article: Article, max_chars: int, source: str
) -> tuple[Article, Truncation | None]:
    """``article`` with its text cut to ``max_chars``, and the cut (None: it fitted);
    its title is cut to MAX_TITLE_CHARS too (not reported: it is no loss of text)."""
    if len(article.title) > MAX_TITLE_CHARS:
        article = replace(article, title=cut_text(article.title, MAX_TITLE_CHARS))
    if len(article.body) <= max_chars:
        return article, None
    body = cut_text(article.body, max_chars)
    cut = Truncation(article.title, source, len(body), len(article.body))
    return replace(article, body=body), cut
