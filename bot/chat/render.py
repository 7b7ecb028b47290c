"""Answers, passages and lists as Telegram HTML messages that Telegram accepts.

Everything that comes from an article or a user is escaped with ``html.escape``
exactly once, here. Every message fits Telegram's limits by construction:

* at most 4,096 characters (UTF-16 code units) of visible text: excerpts are trimmed
  to a budget that shrinks until the message fits, long fields are cut, and lists are
  split into several messages (``pack``);
* at most 100 formatting entities: highlights are capped per excerpt;
* links only to http(s) addresses with a real host, and deep links only with a valid
  payload (``create_deep_linked_url`` checks it);
* button data from ``callbacks.py`` (at most 64 bytes).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
)
from telegram.constants import InlineQueryResultLimit, MessageLimit, ParseMode
from telegram.helpers import create_deep_linked_url

from ..answers import Answer, PassageView
from ..corpus import Article
from ..presentation import (
    AnswerView,
    FieldLimits,
    HitView,
    QuoteView,
    article_facts,
    change_lines,
    present_answer,
    present_hit,
    shorten,
)
from ..refresh import AddResult, ChangeKind, DocumentDraft, RefreshReport
from ..texts import corpus_size, duration, plural_s
from .callbacks import DocumentButton, FeedbackButton, PageButton, PassageButton
from .history import Stats
from .refs import ChatRef
from .texts import ChatTexts

__all__ = [
    "MAX_ENTITIES",
    "MAX_TEXT",
    "Rendered",
    "article_link",
    "deep_link",
    "entity_count",
    "fits",
    "pack",
    "plain",
    "render_answer",
    "render_document_preview",
    "render_document_result",
    "render_inline_results",
    "render_passage",
    "render_sources",
    "render_stats",
    "render_template",
    "visible_length",
]

MAX_TEXT: int = MessageLimit.MAX_TEXT_LENGTH  # 4096
MAX_ENTITIES: int = MessageLimit.MESSAGE_ENTITIES  # 100
MAX_INLINE_RESULTS = 10

# Excerpt budgets (visible characters) tried in turn until the answer fits one message;
# with the field limits below, the smallest one always fits even five hits.
_EXCERPT_BUDGETS = (700, 450, 300, 180, 100)
_PASSAGE_BUDGET = 3_000
_QUESTION_CHARS = 80
_TITLE_CHARS = 120
_PUBLISHER_CHARS = 60
_PERSON_CHARS = 40
_DATE_CHARS = 20
_LIST_TITLE_CHARS = 60
_SUGGESTED_ARTICLES = 5
_SUGGESTED_WORDS = 8
_UNANSWERED_CHARS = 100
_INLINE_DESCRIPTION_CHARS = 120
_URL_CHARS = 2_000
_NUMBERS = "①②③④⑤⑥⑦⑧⑨⑩"
_LIMITS = FieldLimits(
    title=_TITLE_CHARS, publisher=_PUBLISHER_CHARS, person=_PERSON_CHARS, date=_DATE_CHARS
)

_TAG = re.compile(r"<[^>]*>")
_OPENING_TAG = re.compile(r"<[a-z][^>]*>")
_PLAIN_LINK = LinkPreviewOptions(is_disabled=True)


@dataclass(frozen=True, slots=True)
class Rendered:
    """One message: Telegram HTML and the buttons under it."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None


# -- limits ------------------------------------------------------------------------------


def visible_length(text: str) -> int:
    """What Telegram counts against 4,096: the text without tags, in UTF-16 code units."""
    return _utf16_length(_visible(text))


def entity_count(text: str) -> int:
    """Formatting entities in our HTML: one per opening tag."""
    return len(_OPENING_TAG.findall(text))


def fits(text: str) -> bool:
    """Whether Telegram takes ``text`` (our HTML) as one message."""
    visible = _visible(text)
    return (
        bool(visible.strip())
        and _utf16_length(visible) <= MAX_TEXT
        and entity_count(text) <= MAX_ENTITIES
    )


def _visible(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def pack(blocks: Iterable[str], *, separator: str = "\n") -> list[str]:
    """Joins blocks into as few messages as fit; each block must fit a message alone."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        if not fits(block):
            raise ValueError(f"a block does not fit one message: {block[:80]!r}…")
        candidate = f"{current}{separator}{block}" if current else block
        if fits(candidate):
            current = candidate
        else:
            messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages


def plain(text: str) -> str:
    """Plain text as Telegram HTML."""
    return html.escape(text, quote=False)


# -- links -------------------------------------------------------------------------------


def article_link(url: str) -> str | None:
    """``url`` if Telegram would keep it as a link: http(s), a host with a dot, and
    nothing unprintable (a NUL even ends Telegram's HTML parser mid-attribute)."""
    url = url.strip()
    if not url.isprintable() or " " in url or len(url) > _URL_CHARS:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host, colon, port = parts.netloc.rpartition("@")[2].partition(":")
    if parts.scheme not in ("http", "https") or not _is_host(host.lower()):
        return None
    if colon and not re.fullmatch(r"[0-9]{1,5}", port):
        return None
    return url


def _is_host(host: str) -> bool:
    """A domain with a real top-level domain, or an IPv4 address (Telegram drops the rest)."""
    labels = host.split(".")
    if len(labels) == 4 and all(re.fullmatch(r"[0-9]{1,3}", label) for label in labels):
        return all(int(label) <= 255 for label in labels)
    if len(labels) < 2 or not all(label and not label.startswith("-") for label in labels):
        return False
    if not all(ch.isalnum() or ch in "-_" for label in labels for ch in label):
        return False
    tld = labels[-1]
    return tld.startswith("xn--") or (len(tld) >= 2 and tld.isalpha())


def deep_link(bot_username: str | None, payload: str) -> str | None:
    """``t.me/<bot>?start=<payload>``, or None when the payload can't be one."""
    if not bot_username:
        return None
    try:
        return create_deep_linked_url(bot_username, payload)
    except ValueError:
        return None


def _a(url: str | None, label: str) -> str:
    """``label`` (already HTML) as a link to ``url`` when there is one."""
    return f'<a href="{html.escape(url, quote=True)}">{label}</a>' if url else label


# -- answers -----------------------------------------------------------------------------


def render_answer(
    answer: Answer,
    texts: ChatTexts,
    *,
    bot_username: str | None,
    ref: ChatRef | None = None,
    page_size: int = 3,
) -> Rendered:
    """The reply to a question; with its stored ``ref``, buttons for more results and 👍 / 👎.

    ``page_size`` is how many hits a page has (the service's ``top``): ◀ goes back by it.
    """
    keyboard = _answer_keyboard(answer, texts, ref, page_size)
    question = shorten(answer.question, _QUESTION_CHARS)
    shown = present_answer(answer, texts.answers, question=question, limits=_LIMITS)
    if not shown.answered:
        return Rendered(_render_unanswered(shown, texts), keyboard)
    header = plain(shown.header)
    if answer.offset or answer.has_more:
        first = answer.offset + 1
        page = texts.page_range.format(first=first, last=answer.offset + len(answer.hits))
        header = f"{header} ({page})"
    if shown.followup:  # which question it was taken as
        header = f"{header}\n{plain(shown.followup)}"
    highlights = max(1, (MAX_ENTITIES - 5) // len(answer.hits) - 4)
    for budget in _EXCERPT_BUDGETS:
        shown = present_answer(
            answer,
            texts.answers,
            question=question,
            budget=budget,
            max_highlights=highlights,
            limits=_LIMITS,
        )
        blocks = [_hit_block(hit, texts, bot_username) for hit in shown.hits]
        text = "\n\n".join([header, *blocks])
        if fits(text):
            break
    return Rendered(text, keyboard)


def _render_unanswered(shown: AnswerView, texts: ChatTexts) -> str:
    words = texts.answers
    lines = [plain(shown.message)]
    if shown.articles:
        titles = " ".join(
            f"{_NUMBERS[i]} {plain(shorten(title, _LIST_TITLE_CHARS))}"
            for i, title in enumerate(shown.articles[:_SUGGESTED_ARTICLES])
        )
        lines.append(f"{plain(words.articles_available)}: {titles}")
    if shown.words:
        tried = " · ".join(plain(shorten(w, 30)) for w in shown.words[:_SUGGESTED_WORDS])
        lines.append(f"{plain(words.words_to_try)}: {tried}")
    return "\n".join(lines)


def _answer_keyboard(
    answer: Answer, texts: ChatTexts, ref: ChatRef | None, page_size: int
) -> InlineKeyboardMarkup | None:
    if ref is None:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    paging = []
    if answer.offset > 0:
        back = max(0, answer.offset - max(1, page_size))
        paging.append(_button(texts.previous, PageButton(ref, back).encode()))
    if answer.answered and answer.has_more:
        forward = answer.offset + len(answer.hits)
        paging.append(_button(texts.more, PageButton(ref, forward).encode()))
    if paging:
        rows.append(paging)
    if answer.answered:
        rows.append(
            [
                _button(texts.feedback_up, FeedbackButton(ref, up=True).encode()),
                _button(texts.feedback_down, FeedbackButton(ref, up=False).encode()),
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


def _facts(article: Article, texts: ChatTexts) -> list[str]:
    return [plain(fact) for fact in article_facts(article, texts.answers, _LIMITS)]


def _hit_block(hit: HitView, texts: ChatTexts, bot_username: str | None) -> str:
    return f"<blockquote>{_quote(hit.quote)}</blockquote>\n{_source_line(hit, texts, bot_username)}"


def _source_line(hit: HitView, texts: ChatTexts, bot_username: str | None) -> str:
    parts = [_a(article_link(hit.url), plain(hit.title) or "…")]
    parts += [plain(fact) for fact in hit.facts]
    read = deep_link(bot_username, hit.passage_id)  # the payload is the passage id
    if read:
        parts.append(_a(read, plain(texts.answers.read_more)))
    return "📄 " + " · ".join(parts)


def _quote(quote: QuoteView) -> str:
    """The quote escaped, its highlights in <b>."""
    body = "".join(
        f"<b>{plain(s.text)}</b>" if s.highlighted else plain(s.text) for s in quote.segments
    ).strip()
    if not any(c.isprintable() and not c.isspace() for c in _visible(body)):
        body = "…"  # nothing Telegram would show (e.g. only direction marks)
    before = "… " if quote.cut_before else ""
    after = " …" if quote.cut_after else ""
    return f"{before}{body}{after}"


# -- passages ----------------------------------------------------------------------------


def render_passage(view: PassageView, texts: ChatTexts, *, bot_username: str | None) -> Rendered:
    """A whole passage, opened from a deep link, with ◀ ▶ for the passages around it."""
    article = view.article
    title = _a(
        article_link(article.url), f"<b>{plain(shorten(article.title, _TITLE_CHARS)) or '…'}</b>"
    )
    facts = " · ".join([title, *_facts(article, texts)])
    position = texts.passage_position.format(position=view.position, count=view.count)
    budget = _PASSAGE_BUDGET
    while True:  # characters aren't UTF-16 units (emoji count twice): shrink until it fits
        body = plain(_cut_text(view.passage.text, budget)).strip() or "…"
        text = f"{facts}\n<i>{plain(position)}</i>\n\n<blockquote>{body}</blockquote>"
        if fits(text) or budget < 100:
            break
        budget = budget * 9 // 10
    buttons = []
    if view.previous_id and _fits_button(view.previous_id):
        buttons.append(_button(texts.passage_previous, PassageButton(view.previous_id).encode()))
    if view.next_id and _fits_button(view.next_id):
        buttons.append(_button(texts.passage_next, PassageButton(view.next_id).encode()))
    return Rendered(text, InlineKeyboardMarkup([buttons]) if buttons else None)


def _fits_button(passage_id: str) -> bool:
    try:
        PassageButton(passage_id).encode()
    except ValueError:
        return False
    return True


def _cut_text(text: str, limit: int) -> str:
    """``text`` (newlines kept) of at most ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# -- lists -------------------------------------------------------------------------------


def render_sources(
    articles: Sequence[Article],
    texts: ChatTexts,
    *,
    bot_username: str | None,
    first_passages: Mapping[str, str],
) -> list[str]:
    """The articles, with their original links and a link to read each from the start."""
    header = texts.sources_header.format(count=len(articles), s=plural_s(len(articles)))
    blocks = [f"<b>{plain(header)}</b>"]
    for number, article in enumerate(articles, start=1):
        title = _a(article_link(article.url), plain(shorten(article.title, _TITLE_CHARS)) or "…")
        parts = [f"{number}. {title}", *_facts(article, texts)]
        passage_id = first_passages.get(article.id)
        read = deep_link(bot_username, passage_id) if passage_id else None
        if read:
            parts.append(_a(read, plain(texts.sources_read)))
        blocks.append(" · ".join(parts))
    return pack(blocks)


def render_stats(stats: Stats, texts: ChatTexts, *, retrieval: str = "") -> list[str]:
    summary = texts.stats.format(
        asked=stats.asked,
        answered=stats.answered,
        not_found=stats.not_found,
        up=stats.feedback_up,
        down=stats.feedback_down,
    )
    mode = texts.stats_retrieval.get(retrieval)
    blocks = [f"{summary}\n{plain(mode)}\n" if mode else f"{summary}\n", texts.stats_unanswered]
    if not stats.unanswered:
        blocks.append(plain(texts.stats_none))
    for number, question in enumerate(stats.unanswered, start=1):
        blocks.append(
            f"{number}. {plain(shorten(question.text, _UNANSWERED_CHARS))} ({question.count})"
        )
    return pack(blocks)


def render_template(template: str, *, bot_username: str | None) -> str:
    """A fixed HTML text of ``texts.py`` with the bot's (escaped) username filled in."""
    return template.format(bot=plain(bot_username or "bot"))


# -- inline mode -------------------------------------------------------------------------


def render_inline_results(
    answer: Answer, texts: ChatTexts, *, bot_username: str | None
) -> list[InlineQueryResultArticle]:
    """One result per passage; choosing it posts the excerpt with its source links."""
    results = []
    for hit in answer.hits[:MAX_INLINE_RESULTS]:
        message = ""
        for budget in _EXCERPT_BUDGETS:
            shown = present_hit(
                hit, texts.answers, budget=budget, max_highlights=MAX_ENTITIES - 5, limits=_LIMITS
            )
            message = _hit_block(shown, texts, bot_username)
            if fits(message):
                break
        plain = shorten(hit.excerpt.text, _INLINE_DESCRIPTION_CHARS)
        results.append(
            InlineQueryResultArticle(
                id=_result_id(hit.passage.id),
                title=shorten(hit.article.title, _TITLE_CHARS) or "…",
                description=plain or None,
                input_message_content=InputTextMessageContent(
                    message, parse_mode=ParseMode.HTML, link_preview_options=_PLAIN_LINK
                ),
            )
        )
    return results


def _result_id(passage_id: str) -> str:
    """Result ids are 1-64 bytes; passage ids are ASCII and short, but be sure."""
    limit = InlineQueryResultLimit.MAX_ID_LENGTH
    data = passage_id.encode("utf-8")
    if 0 < len(data) <= limit:
        return passage_id
    return hashlib.blake2b(data, digest_size=16).hexdigest()


# -- refreshing ------------------------------------------------------------------------

_CHANGE_LINE_CHARS = 300


def render_refresh_report(report: RefreshReport, texts: ChatTexts) -> list[str]:
    """The summary, then one line per change that isn't "unchanged" (failures with reasons)."""
    counts = report.counts()
    summary = texts.refresh_done.format(
        duration=duration(report.seconds, texts.language),
        corpus=corpus_size(report.articles, report.passages, texts.language),
        **{kind.value: counts[kind] for kind in ChangeKind},
    )
    blocks = [plain(summary)]
    for change in change_lines(report):
        line = f"• {texts.refresh_change[change.kind.value]}: {change.title}"
        if change.source:
            line += f" ({change.source})"
        if change.reason:
            line += f" — {change.reason}"
        blocks.append(plain(shorten(line, _CHANGE_LINE_CHARS)))
    return pack(blocks)


def render_add_result(result: AddResult, url: str, texts: ChatTexts) -> str:
    change = result.change
    if change.kind is ChangeKind.FAILED:
        text = texts.add_failed.format(url=shorten(url, 200), reason=change.reason)
        return plain(shorten(text, 1000))
    if result.article is None and result.report is not None:  # a feed
        added = result.report.count(ChangeKind.ADDED)
        return plain(texts.add_feed.format(count=added, s=plural_s(added)))
    if change.kind is ChangeKind.UNCHANGED:
        return plain(texts.add_duplicate.format(title=shorten(change.title, 200)))
    lines = [plain(texts.add_done.format(title=shorten(change.title, 200)))]
    link = article_link(change.source)
    if link:
        lines.append(_a(link, plain(shorten(change.source, 120))))
    for cut in result.report.of(ChangeKind.TRUNCATED) if result.report else ():
        label = texts.refresh_change[ChangeKind.TRUNCATED.value]
        lines.append(plain(shorten(f"✂️ {label}: {cut.title} — {cut.reason}", _CHANGE_LINE_CHARS)))
    if result.sample:
        lines.append(f"<blockquote>{plain(shorten(result.sample, 600))}</blockquote>")
    return "\n".join(lines)


# -- documents -------------------------------------------------------------------------

_FILE_NAME_CHARS = 80
_LEAD_CHARS = 400


def render_document_preview(draft: DocumentDraft, texts: ChatTexts, ref: ChatRef) -> Rendered:
    """What a file would add (title, kind, passages, first sentences), with Add / Cancel."""
    article = draft.article
    text = texts.document_preview.format(
        title=plain(shorten(article.title, _TITLE_CHARS)),
        kind=plain(texts.document_kinds[draft.kind.value]),
        file=plain(shorten(draft.file_name, _FILE_NAME_CHARS)),
        passages=draft.passages,
        lead=plain(shorten(draft.lead, _LEAD_CHARS)) or "…",
    )
    if draft.cut is not None:
        cut = texts.document_cut.format(kept=f"{draft.cut.kept:,}", total=f"{draft.cut.total:,}")
        text += "\n" + plain(cut)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.document_add, callback_data=DocumentButton(ref, add=True).encode()
                ),
                InlineKeyboardButton(
                    texts.document_cancel, callback_data=DocumentButton(ref, add=False).encode()
                ),
            ]
        ]
    )
    return Rendered(text, keyboard)


def render_document_result(result: AddResult, draft: DocumentDraft, texts: ChatTexts) -> str:
    """The change report of an Add: added (with counts, the cut, a passage) or unchanged."""
    title = shorten(result.change.title, 200)
    if result.change.kind is not ChangeKind.ADDED or result.report is None:
        return plain(texts.document_unchanged.format(title=title))
    report = result.report
    lines = [
        plain(
            texts.document_added.format(
                title=title,
                passages=draft.passages,
                articles=report.articles,
                total=report.passages,
                passages_s=plural_s(draft.passages),
                articles_s=plural_s(report.articles),
                total_s=plural_s(report.passages),
            )
        )
    ]
    for cut in report.of(ChangeKind.TRUNCATED):
        if cut.source == draft.file_name:  # not the cuts of other corpus files
            label = texts.refresh_change[ChangeKind.TRUNCATED.value]
            line = f"✂️ {label}: {cut.title} — {cut.reason}"
            lines.append(plain(shorten(line, _CHANGE_LINE_CHARS)))
    if result.sample:
        lines.append(f"<blockquote>{plain(shorten(result.sample, 600))}</blockquote>")
    return "\n".join(lines)
