"""What an answer and a refresh report show, for every front end alike.

The answer service says what was found; this module says what of it a person sees:
the header, the follow-up line, each hit's quote (trimmed, with its highlights) and
article line, the help for an unanswered question, and one line per change of a
refresh. Front ends only turn these records into their format: Telegram HTML
(``chat/render.py``), terminal text (``terminal.py``), JSON (``ask --json``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .answers import Answer, Excerpt, Hit
from .corpus import Article
from .refresh import ChangeKind, RefreshReport
from .texts import Texts, followup_line, plural_s, shorten, unanswered_message

__all__ = [
    "AnswerView",
    "ChangeLine",
    "FieldLimits",
    "HitView",
    "QuoteView",
    "Segment",
    "article_facts",
    "change_lines",
    "present_answer",
    "present_hit",
    "quote_view",
    "shorten",
]


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    highlighted: bool = False  # one of the question's words


@dataclass(frozen=True, slots=True)
class QuoteView:
    """An excerpt as quoted: its text in segments, and whether it was cut at each end."""

    segments: tuple[Segment, ...]
    cut_before: bool
    cut_after: bool

    @property
    def text(self) -> str:
        return "".join(segment.text for segment in self.segments)


@dataclass(frozen=True, slots=True)
class HitView:
    quote: QuoteView
    title: str
    facts: tuple[str, ...]  # publisher (and translator), then the date or "date unknown"
    url: str  # the original URL; "" when not known (never invented)
    passage_id: str  # what a front end links to for the whole passage


@dataclass(frozen=True, slots=True)
class AnswerView:
    answered: bool
    header: str  # "🔎 3 relevant passages · <question>"; "" when unanswered
    followup: str  # "이어서: … → …" when taken as a follow-up, else ""
    hits: tuple[HitView, ...]
    message: str  # why nothing is quoted; "" when answered
    articles: tuple[str, ...]  # titles to ask about, when unanswered
    words: tuple[str, ...]  # words to try, when unanswered


@dataclass(frozen=True, slots=True)
class FieldLimits:
    """How many characters of each article field a front end shows (None: all)."""

    title: int | None = None
    publisher: int | None = None
    person: int | None = None  # the translator
    date: int | None = None


def present_answer(
    answer: Answer,
    texts: Texts,
    *,
    question: str | None = None,
    budget: int | None = None,
    max_highlights: int | None = None,
    limits: FieldLimits = FieldLimits(),
) -> AnswerView:
    """What ``answer`` shows. ``question`` replaces the question in the header (a front
    end shortens it); ``budget`` and ``max_highlights`` bound each quote, ``limits``
    the article fields."""
    if not answer.answered:
        return AnswerView(
            answered=False,
            header="",
            followup="",
            hits=(),
            message=unanswered_message(answer.status, texts, limit=answer.limit),
            articles=tuple(a.title for a in answer.suggestions.articles),
            words=tuple(answer.suggestions.words),
        )
    header = texts.results_header.format(
        count=len(answer.hits),
        s=plural_s(len(answer.hits)),
        question=answer.question if question is None else question,
    )
    hits = tuple(
        present_hit(hit, texts, budget=budget, max_highlights=max_highlights, limits=limits)
        for hit in answer.hits
    )
    return AnswerView(True, header, followup_line(answer, texts), hits, "", (), ())


def present_hit(
    hit: Hit,
    texts: Texts,
    *,
    budget: int | None = None,
    max_highlights: int | None = None,
    limits: FieldLimits = FieldLimits(),
) -> HitView:
    """What one hit shows (see ``present_answer``)."""
    article = hit.article
    return HitView(
        quote_view(hit.excerpt, budget=budget, max_highlights=max_highlights),
        _shorten(article.title, limits.title),
        tuple(article_facts(article, texts, limits)),
        article.url,
        hit.passage.id,
    )


def article_facts(article: Article, texts: Texts, limits: FieldLimits = FieldLimits()) -> list[str]:
    """The article line after its title: publisher (with the translator), then the date."""
    facts = []
    publisher = _shorten(article.publisher, limits.publisher)
    translator = _shorten(article.translator, limits.person)
    if translator:
        translated = f"{texts.translated_from}: {translator}"
        publisher = f"{publisher} ({translated})" if publisher else translated
    if publisher:
        facts.append(publisher)
    facts.append(_shorten(article.published, limits.date) or texts.unknown_date)
    return facts


def quote_view(
    excerpt: Excerpt, *, budget: int | None = None, max_highlights: int | None = None
) -> QuoteView:
    """``excerpt`` trimmed to ``budget`` characters (between words when it can), with
    at most ``max_highlights`` highlighted spans."""
    text, cut_after = excerpt.text, excerpt.cut_after
    if budget is not None and len(text) > budget:
        space = text.rfind(" ", budget // 2, budget)
        text, cut_after = text[: space if space > 0 else budget].rstrip(), True
    spans = _clean_spans(excerpt.highlights, len(text))
    if max_highlights is not None:
        spans = spans[:max_highlights]
    segments: list[Segment] = []
    last = 0
    for start, end in spans:
        if start > last:
            segments.append(Segment(text[last:start]))
        segments.append(Segment(text[start:end], highlighted=True))
        last = end
    if last < len(text):
        segments.append(Segment(text[last:]))
    return QuoteView(tuple(segments), excerpt.cut_before, cut_after)


def _clean_spans(spans: Sequence[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Sorted, non-overlapping, non-empty spans inside ``0..length``."""
    cleaned: list[tuple[int, int]] = []
    last = 0
    for start, end in sorted((max(0, a), min(length, b)) for a, b in spans):
        start = max(start, last)
        if end > start:
            cleaned.append((start, end))
            last = end
    return cleaned


@dataclass(frozen=True, slots=True)
class ChangeLine:
    kind: ChangeKind
    title: str
    source: str  # shown only when it says more than the title
    reason: str


def change_lines(report: RefreshReport) -> list[ChangeLine]:
    """One line per change a person should see: every change but "unchanged"."""
    return [
        ChangeLine(
            change.kind,
            change.title,
            change.source if change.source and change.source != change.title else "",
            change.reason,
        )
        for change in report.changes
        if change.kind is not ChangeKind.UNCHANGED
    ]


def _shorten(text: str, limit: int | None) -> str:
    return shorten(text, limit) if limit is not None else text
