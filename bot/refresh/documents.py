"""A file sent by an admin, read and checked, waiting to be added: a ``DocumentDraft``.

    draft = draft_document(data, "보고서.pdf", max_chars=settings.article_max_chars)
    draft.article, draft.passages, draft.lead     # what the admin is shown before Add
    result = await refresher.add_document(draft)  # saved and indexed, or "unchanged"

Drafting does all the work that can fail (sniffing, extraction, the size limits, the
cut to ARTICLE_MAX_CHARS), so adding stores a whole article or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..corpus import Article, split_article, split_sentences
from ..corpus.importer import article_from_extracted
from ..corpus.limits import Truncation, limit_article
from ..sources import DocumentKind, extract_document

__all__ = ["DocumentDraft", "draft_document"]

_LEAD_SENTENCES = 2
_LEAD_CHARS = 300


@dataclass(frozen=True, slots=True)
class DocumentDraft:
    """A document's article as it would be added, and what to show before adding it."""

    file_name: str
    kind: DocumentKind
    article: Article
    passages: int  # how many passages it would be cut into
    lead: str  # its first sentences, for the preview
    cut: Truncation | None = None  # it was cut to ARTICLE_MAX_CHARS


def draft_document(data: bytes, file_name: str, *, max_chars: int) -> DocumentDraft:
    """Reads a file; raises ``DocumentRefused`` when it can't become an article.

    CPU-bound (PDF and DOCX parsing, sentence splitting): call it in a worker thread.
    """
    kind, extracted = extract_document(data, file_name, max_chars=max_chars)
    article = article_from_extracted(extracted, provenance=f"파일 '{file_name}'에서 가져옴")
    article, cut = limit_article(article, max_chars, file_name)
    first = article.paragraphs[0] if article.paragraphs else ""
    lead = " ".join(split_sentences(first)[:_LEAD_SENTENCES])
    if len(lead) > _LEAD_CHARS:
        lead = lead[: _LEAD_CHARS - 1].rstrip() + "…"
    return DocumentDraft(file_name, kind, article, len(split_article(article)), lead, cut)
