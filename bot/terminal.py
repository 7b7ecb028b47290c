"""Answers as plain text for the terminal, and as JSON for scripts."""

from __future__ import annotations

from typing import Any

from .answers import Answer
from .presentation import HitView, present_answer
from .texts import Texts

__all__ = ["JSON_SCHEMA_VERSION", "answer_to_json", "render_answer"]

# `ask --json`'s shape (README, "ask --json"). Raised when a field is removed or changes
# meaning; adding a field keeps the version.
JSON_SCHEMA_VERSION = 1

_BOLD, _RESET = "\033[1m", "\033[0m"


def render_answer(answer: Answer, texts: Texts, *, color: bool = False) -> str:
    shown = present_answer(answer, texts)
    if shown.answered:
        header = f"{shown.header}\n{shown.followup}" if shown.followup else shown.header
        return "\n\n".join([header, *(_render_hit(hit, color) for hit in shown.hits)])
    lines = [shown.message]
    if shown.articles:
        lines.append(f"{texts.articles_available}: {' · '.join(shown.articles[:8])}")
    if shown.words:
        lines.append(f"{texts.words_to_try}: {' · '.join(shown.words[:8])}")
    return "\n".join(lines)


def _render_hit(hit: HitView, color: bool) -> str:
    open_, close = (_BOLD, _RESET) if color else ("«", "»")
    quote = "".join(
        f"{open_}{s.text}{close}" if s.highlighted else s.text for s in hit.quote.segments
    )
    quote = ("… " if hit.quote.cut_before else "") + quote + (" …" if hit.quote.cut_after else "")
    lines = [f"❝ {quote} ❞", f"📄 {' · '.join(part for part in (hit.title, *hit.facts) if part)}"]
    if hit.url:
        lines.append(f"   {hit.url}")
    return "\n".join(lines)


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
                "deep_link_payload": hit.passage.id,  # t.me/<bot>?start=<payload>
            }
            for hit in answer.hits
        ],
        "has_more": answer.has_more,
        "suggestions": {
            "articles": [a.title for a in answer.suggestions.articles],
            "words": list(answer.suggestions.words),
        },
    }
