"""Adding a file's article: drafted first (all checks), then saved and indexed, never twice."""

from __future__ import annotations

import dataclasses

import pytest

from bot.refresh import ChangeKind, draft_document
from bot.sources import DocumentKind, DocumentProblem, DocumentRefused
from tests.sources.documents_fixtures import make_docx, make_pdf

PARAGRAPHS = [
    "반도체 수출 통제는 엔비디아의 중국 매출을 크게 줄였다. 그러나 화웨이의 어센드 칩이 빈자리를 "
    "빠르게 채우고 있다.",
    "전문가들은 통제가 오히려 중국의 자급을 앞당겼다고 본다. 이 흐름은 당분간 이어질 전망이다.",
]


async def test_a_drafted_pdf_is_added_and_answers_questions(refresher, service, library):
    before = len(library.store.load().articles)
    pdf = make_pdf([PARAGRAPHS[:1], PARAGRAPHS[1:]], title="수출 통제의 역설")
    draft = draft_document(pdf, "export.pdf", max_chars=library.settings.article_max_chars)
    assert draft.kind is DocumentKind.PDF
    assert draft.article.title == "수출 통제의 역설"
    assert draft.passages >= 2 and draft.lead.startswith("반도체 수출 통제는")
    assert len(library.store.load().articles) == before  # drafting stores nothing

    result = await refresher.add_document(draft)
    assert result.change.kind is ChangeKind.ADDED, result.change
    assert len(library.store.load().articles) == before + 1
    answer = service.ask("화웨이 어센드 칩")
    assert answer.answered and answer.hits[0].article.title == "수출 통제의 역설"


async def test_the_same_file_again_is_unchanged_not_duplicated(refresher, library):
    docx = make_docx(PARAGRAPHS, heading="수출 통제의 역설")
    max_chars = library.settings.article_max_chars
    first = await refresher.add_document(draft_document(docx, "a.docx", max_chars=max_chars))
    again = await refresher.add_document(draft_document(docx, "copy.docx", max_chars=max_chars))
    assert first.change.kind is ChangeKind.ADDED
    assert again.change.kind is ChangeKind.UNCHANGED
    assert again.article.id == first.article.id
    titles = [a.title for a in library.store.load().articles]
    assert titles.count("수출 통제의 역설") == 1


async def test_a_long_document_is_cut_and_the_cut_reported(refresher, library):
    long_text = "\n\n".join(f"{n}번째 문단입니다. 반도체 이야기가 이어진다." for n in range(400))
    draft = draft_document(long_text.encode(), "long.txt", max_chars=1_000)
    assert draft.cut is not None and len(draft.article.body) <= 1_000
    result = await refresher.add_document(dataclasses.replace(draft))
    cuts = result.report.of(ChangeKind.TRUNCATED)
    assert [c.title for c in cuts] == ["long"]


def test_an_empty_extraction_is_refused():
    with pytest.raises(DocumentRefused) as refused:
        draft_document(make_pdf([[" "]]), "blank.pdf", max_chars=10_000)
    assert refused.value.problem is DocumentProblem.EMPTY
