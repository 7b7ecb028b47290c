"""The importer keeps the article and leaves the page furniture behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corpus import CorpusStore
from bot.corpus.importer import article_from_extracted, article_from_saved_page
from bot.errors import ImportFailed
from bot.sources import extract_article

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
GALLERY = SEEDS / "003_a1e141918c49f7d7.txt"
BLOG = SEEDS / "000_37ee091e0649fb18.txt"
# The saved pages live beside the repository (../shared/seeds); a clone without them
# skips the tests that read them and runs the rest.
needs_seeds = pytest.mark.skipif(
    not SEEDS.is_dir(), reason="../shared/seeds is not beside the clone"
)

# Strings that are page furniture in the saved pages: navigation, counters,
# comment widgets, the gallery's list of unrelated posts, image ids.
GALLERY_FURNITURE = [
    "디시인사이드 갤러리",
    "갤러리 이슈박스",
    "갤로그로 이동합니다",
    "조회 82",
    "추천 0",
    "7ced8076daf407f536e986e64e8977644d02205b",
    "자동등록방지",
    "추천 비추천",
    "고정닉",
    "댓글 영역",
    "전체 댓글",
    "본문 보기",
    "갤러리 리스트",
    "케이온 이콘",
    "첸소맨",
    "이효리",
    "실시간 베스트",
    "디시미디어",
    "앱에서 작성",
    "번호 제목 글쓴이",
]
BLOG_FURNITURE = ["댓글 없음", "댓글 쓰기"]


@pytest.fixture(scope="module")
def gallery():
    return article_from_saved_page(GALLERY)


@pytest.fixture(scope="module")
def blog():
    return article_from_saved_page(BLOG, title="딥시크와 스타게이트")


@pytest.mark.parametrize("furniture", GALLERY_FURNITURE)
@needs_seeds
def test_gallery_furniture_is_gone(gallery, furniture):
    assert furniture not in gallery.body


@pytest.mark.parametrize("furniture", BLOG_FURNITURE)
@needs_seeds
def test_blog_furniture_is_gone(blog, furniture):
    assert furniture not in blog.body


@needs_seeds
def test_gallery_keeps_the_whole_article(gallery):
    body = gallery.body
    # The epigraph, then the poster's lead: both are the article's, not furniture.
    epigraph = "종래의 철학자들은 세계를 다양하게 해석해 왔을 뿐이다."
    assert body.startswith(f"{epigraph}\n\nAI 모델을 중국은 열고")
    assert "작년 10월, 찰스 오펜하이머와 나는" in body
    assert "558만 달러에 불과한 반면" in body
    assert "우리가 살고 싶은 세상은 분명해야 한다." in body
    # The "--" fences around link captions are gone, the captions with them.
    assert "\n--\n" not in body and "\n글을\n" not in body


@needs_seeds
def test_gallery_page_tells_title_author_and_date(gallery):
    assert gallery.title == "닫는 미국과 여는 중국"
    assert gallery.publisher == "디시인사이드 갤러리"
    assert gallery.published == "2025-01-31"
    assert "3 Quarks Daily" in gallery.provenance
    assert gallery.url == ""  # no original URL is known: none is invented


@needs_seeds
def test_blog_keeps_both_parts_of_the_post(blog):
    assert blog.body.startswith("인류의 미래는 지금 이 순간에도 결정되고 있습니다.")
    assert "5,000억 달러 규모의 AI 인프라 프로젝트(스타게이트)" in blog.body
    assert blog.body.rstrip().endswith("자랑스럽게 말합니다.")
    assert blog.url == ""


@needs_seeds
def test_command_line_metadata_overrides_the_page():
    article = article_from_saved_page(GALLERY, title="다른 제목", url="https://example.org/a")
    assert article.title == "다른 제목"
    assert article.url == "https://example.org/a"


@needs_seeds
def test_a_page_without_a_title_asks_for_one():
    with pytest.raises(ImportFailed, match="--title"):
        article_from_saved_page(BLOG)


def test_a_page_without_prose_is_refused(tmp_path):
    page = tmp_path / "nav.txt"
    page.write_text("홈\n뉴스\n스포츠\n로그인\n1/8\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="no article text"):
        article_from_saved_page(page, title="x")


def test_euc_kr_saved_pages_are_read_as_hangul(tmp_path):
    page = tmp_path / "old.txt"
    text = "옛날 신문 기사입니다. 이 문장은 EUC-KR로 저장된 한국어 문장입니다.\n" * 3
    page.write_bytes(text.encode("euc-kr"))
    article = article_from_saved_page(page, title="옛 기사")
    assert "EUC-KR로 저장된 한국어 문장입니다." in article.body


@needs_seeds
def test_the_committed_corpus_is_what_the_importer_makes(gallery):
    """The default corpus was produced by `make seed-corpus`, not edited by hand."""
    corpus = CorpusStore(Path(__file__).resolve().parents[2] / "corpus").load()
    bodies = {a.title: a.body for a in corpus.articles}
    assert bodies["닫는 미국과 여는 중국"] == gallery.body
    assert all(a.url == "" for a in corpus.articles)


def test_a_saved_html_page_is_extracted_like_a_fetched_one(tmp_path):
    pages = Path(__file__).resolve().parents[1] / "sources" / "pages"
    article = article_from_saved_page(pages / "news_article.html")
    assert "청년 월세" in article.title
    assert "청년 월세 특별지원 사업을 1년 더 연장하기로 했다" in article.body
    # Comments and navigation stayed behind.
    assert "지방 청년들 얘기는 왜 하나도 없나요" not in article.body
    assert article.url == ""  # a saved file has no address unless one is given


def test_a_saved_euc_kr_html_page_is_read_as_hangul(tmp_path):
    pages = Path(__file__).resolve().parents[1] / "sources" / "pages"
    page = tmp_path / "column.html"
    page.write_bytes((pages / "column_euckr.html").read_text("utf-8").encode("cp949"))
    article = article_from_saved_page(page, url="https://news.example.kr/column/1")
    assert "\ufffd" not in article.body
    assert article.url == "https://news.example.kr/column/1"


def test_a_heading_that_repeats_the_title_is_not_glued_to_the_first_paragraph():
    html = (
        "<html><head><title>반도체 수출 규제 강화 - 뉴스</title></head><body>"
        "<nav>홈 | 정치</nav><article><h1>반도체 수출 규제 강화</h1>"
        "<p>미국 정부는 새로운 수출 규제를 발표했다. 이번 조치는 첨단 반도체를 겨냥한다.</p>"
        "<p>업계는 우려를 나타냈다. 중국은 반발했다.</p></article></body></html>"
    )
    page = extract_article(html, "https://example.com/a", content_type="text/html")
    article = article_from_extracted(page)
    assert article.title == "반도체 수출 규제 강화"
    assert article.body.startswith("미국 정부는 새로운 수출 규제를 발표했다.")
    assert article.paragraphs[-1] == "업계는 우려를 나타냈다. 중국은 반발했다."
