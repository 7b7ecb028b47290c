"""Files → article text: the type from the bytes, the title from the document, refusals."""

from __future__ import annotations

import io
import zipfile

import pytest

from bot.sources import DocumentKind, DocumentProblem, DocumentRefused, extract_document
from bot.sources.documents import DOCX_MAX_UNCOMPRESSED, sniff_kind
from tests.sources.documents_fixtures import make_docx, make_pdf, zip_bomb

TEXT = (
    "오픈 소스 모델은 비용을 크게 낮췄다. 연구자들은 누구나 모델을 내려받아 실험할 수 있다.\n\n"
    "그러나 안전성 논쟁은 여전히 이어지고 있다."
)
LIMIT = 200_000


def extract(data: bytes, name: str = "file.bin"):
    return extract_document(data, name, max_chars=LIMIT)


def refusal(data: bytes, name: str = "file.bin") -> DocumentProblem:
    with pytest.raises(DocumentRefused) as refused:
        extract(data, name)
    return refused.value.problem


def test_the_content_decides_the_type_not_the_extension():
    pdf = make_pdf([TEXT.split("\n\n")], title="PDF 안의 제목")
    kind, article = extract(pdf, "notes.txt")
    assert kind is DocumentKind.PDF and article.title == "PDF 안의 제목"
    assert refusal(b"\x89PNG\r\n\x1a\n" + bytes(200), "article.pdf") is DocumentProblem.UNSUPPORTED
    assert refusal(bytes(range(256)) * 4, "article.txt") is DocumentProblem.UNSUPPORTED


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"<!DOCTYPE html><html><body><p>x</p></body></html>", DocumentKind.HTML),
        (b"  \n<html lang='ko'><p>x</p>", DocumentKind.HTML),
        ("# 제목\n\n본문".encode(), DocumentKind.MARKDOWN),
        ("그냥 글입니다. <b>가 들어 있어도</b> 글이에요.".encode(), DocumentKind.TEXT),
        (b"%PDF-1.7\n", DocumentKind.PDF),
        (b"PK\x03\x04rest", DocumentKind.DOCX),
    ],
)
def test_sniffing(data: bytes, kind: DocumentKind):
    assert sniff_kind(data) is kind


def test_euc_kr_text_decodes_to_hangul_and_takes_the_file_name_as_title():
    kind, article = extract(TEXT.encode("cp949"), "2025_오픈소스 메모.txt")
    assert kind is DocumentKind.TEXT
    assert article.title == "2025 오픈소스 메모"
    assert article.text.startswith("오픈 소스 모델은") and article.language == "ko"


def test_markdown_first_heading_is_the_title_and_markup_goes():
    md = f"# 오픈 소스의 **힘**\n\n{TEXT}\n\n- [링크 글](https://example.com) 참고\n"
    kind, article = extract(md.encode(), "x.md")
    assert kind is DocumentKind.MARKDOWN and article.title == "오픈 소스의 힘"
    assert "링크 글 참고" in article.text and "](" not in article.text and "#" not in article.text


def test_html_goes_through_the_page_extractor_with_its_title():
    html = (
        "<html><head><title>HTML 제목</title></head><body><nav>메뉴 메뉴</nav><article>"
        + "".join(f"<p>{p}</p>" for p in TEXT.split("\n\n"))
        + "</article></body></html>"
    )
    kind, article = extract(html.encode(), "saved.htm")
    assert kind is DocumentKind.HTML and article.title == "HTML 제목"
    assert "안전성 논쟁" in article.text


def test_pdf_lines_are_joined_into_paragraphs_and_metadata_read():
    pdf = make_pdf(
        [
            [
                "오픈 소스 모델은 비용을",
                "크게 낮췄다.",
                "그러나 안전성을 둘러싼 논쟁은 여전히 이어지고 있다.",
            ]
        ],
        author="김기자",
    )
    _, article = extract(pdf, "보고서.pdf")
    first, second = article.text.split("\n\n")
    assert first == "오픈 소스 모델은 비용을 크게 낮췄다."
    assert second == "그러나 안전성을 둘러싼 논쟁은 여전히 이어지고 있다."
    assert article.title == "보고서" and article.author == "김기자"


def test_docx_title_from_core_properties_else_first_heading():
    _, titled = extract(make_docx(TEXT.split("\n\n"), title="속성 제목", heading="머리말"))
    assert titled.title == "속성 제목" and titled.text.startswith("머리말")
    _, headed = extract(make_docx(TEXT.split("\n\n"), heading="첫 제목"))
    assert headed.title == "첫 제목" and headed.text.startswith("오픈 소스 모델은")


def test_refusals_say_why():
    docx = make_docx(TEXT.split("\n\n"))
    assert refusal(make_pdf([[TEXT[:40]]], password="secret")) is DocumentProblem.ENCRYPTED
    pdf = make_pdf([[TEXT[:40]]])
    assert refusal(pdf[: len(pdf) // 3]) is DocumentProblem.BROKEN
    assert refusal(docx[: len(docx) // 2]) is DocumentProblem.BROKEN
    assert refusal(zip_bomb(docx, inflated=DOCX_MAX_UNCOMPRESSED + 10**6)) is DocumentProblem.BOMB
    assert refusal(b"   \n\n ") is DocumentProblem.EMPTY
    assert refusal(make_docx([])) is DocumentProblem.EMPTY
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert refusal(other_zip.getvalue()) is DocumentProblem.UNSUPPORTED
    with pytest.raises(DocumentRefused) as too_big:
        extract_document(TEXT.encode(), "a.txt", max_chars=LIMIT, max_bytes=10)
    assert too_big.value.problem is DocumentProblem.TOO_LARGE


def test_a_highly_compressed_part_is_a_bomb_even_under_the_total():
    docx = make_docx(TEXT.split("\n\n"))
    assert refusal(zip_bomb(docx, inflated=20_000_000)) is DocumentProblem.BOMB
