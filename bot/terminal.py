"""Answers as plain text for the terminal, and as JSON for scripts."""

from __future__ import annotations

from typing import Any

from .answers import Answer, AnswerStatus, Hit, Suggestions
from .texts import Texts, followup_line, unanswered_message

__all__ = ["JSON_SCHEMA_VERSION", "answer_to_json", "render_answer"]

# `ask --json`'s shape (README, "ask --json"). Raised when a field is removed or changes
# meaning; adding a field keeps the version.
JSON_SCHEMA_VERSION = 1

_BOLD, _RESET = "\033[1m", "\033[0m"


def render_answer(answer: Answer, texts: Texts, *, color: bool = False) -> str:
    if answer.status is AnswerStatus.ANSWERED:
        header = texts.results_header.format(count=len(answer.hits), question=answer.question)
        if answer.followup_of is not None:
            header = f"{header}\n{followup_line(answer, texts)}"
        blocks = [header] + [_render_hit(hit, texts, color) for hit in answer.hits]
        return "\n\n".join(blocks)
    message = unanswered_message(answer.status, texts, limit=answer.limit)
    return "\n".join([message, *_render_suggestions(answer.suggestions, texts)])


def _render_hit(hit: Hit, texts: Texts, color: bool) -> str:
    excerpt = hit.excerpt
    marked, last = [], 0
    open_, close = (_BOLD, _RESET) if color else ("«", "»")
    for start, end in excerpt.highlights:
        marked += [excerpt.text[last:start], open_, excerpt.text[start:end], close]
        last = end
    marked.append(excerpt.text[last:])
    quote = ("… " if excerpt.cut_before else "") + "".join(marked)
    quote += " …" if excerpt.cut_after else ""
    article = hit.article
    source = " · ".join(
        part
        for part in (article.title, article.publisher, article.published or texts.unknown_date)
        if part
    )
    lines = [f"❝ {quote} ❞", f"📄 {source}"]
    if article.url:
        lines.append(f"   {article.url}")
    return "\n".join(lines)


def _render_suggestions(suggestions: Suggestions, texts: Texts) -> list[str]:
    lines = []
    if suggestions.articles:
        titles = " · ".join(a.title for a in suggestions.articles[:8])
        lines.append(f"{texts.articles_available}: {titles}")
    if suggestions.words:
        lines.append(f"{texts.words_to_try}: {' · '.join(suggestions.words[:8])}")
    return lines


def answer_to_json(answer: Answer) -> dict[str, Any]:
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "question": answer.question,
        "answered": answer.answered,
        "status": answer.status.value,
        "retrieval": answer.mode,
        "followup_of": answer.followup_of,
        "results": [
            {
                "doc_id": hit.article.id,
                "title": hit.article.title,
                "publisher": hit.article.publisher,
                "published": hit.article.published,
                "url": hit.article.url,
                "passage_id": hit.passage.id,
                "passage": hit.passage.text,
                "excerpt": hit.excerpt.text,
                "highlights": [list(span) for span in hit.excerpt.highlights],
                "score": round(hit.score, 4),
                "relevance": round(hit.relevance, 4),
                "similarity": None if hit.similarity is None else round(hit.similarity, 4),
                "deep_link_payload": hit.deep_link_payload,
            }
            for hit in answer.hits
        ],
        "has_more": answer.has_more,
        "suggestions": {
            "articles": [a.title for a in answer.suggestions.articles],
            "words": list(answer.suggestions.words),
        },
    }
