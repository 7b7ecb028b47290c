from __future__ import annotations

import pytest

from bot.sources import ExtractionError, Fetcher, article_from_plain_text, extract_article
from tests.sources.conftest import read_page
from tests.sources.local_web import LocalWeb
from tests.sources.test_fetcher import euc_kr_column

NEWS_URL = "https://www.hanbit.example.co.kr/opinion/editorial/20240315-youth-rent.html"

NEWS_PARAGRAPH_STARTS = [
    "정부가 청년 월세 특별지원 사업을 1년 더 연장하기로 했다.",
    "현행 기준은 부모와 따로 사는 만 19~34세 청년 가운데",
    "더 큰 문제는 지원이 끝난 뒤다.",
    "지방자치단체와의 역할 분담도 정리할 때가 됐다.",
    "청년 주거 정책은 저출생 대책과도 맞닿아 있다.",
]
NEWS_FURNITURE = [
    "로그인",  # header utilities
    "구독신청",
    "스포츠",  # navigation menu
    "홈 >",  # breadcrumbs
    "카카오톡 공유",  # share buttons
    "좋아요 128",
    "#월세",  # tag links
    "관련 기사",  # related articles
    "전세사기 피해 청년 3만 명 넘어",
    "서울 원룸 평균 월세 70만 원 돌파",
    "댓글",  # comments
    "서울청년99",
    "정부는 도대체 뭘 하는 건지",
    "세금 퍼주기 그만하고",
    "많이 본 뉴스",  # sidebar
    "프로야구 개막 엔트리",
    "광고 문의",
    "회사소개",  # footer
    "청소년보호정책",
    "무단 전재 및 재배포 금지",
    "dataLayer",  # scripts
]


def test_news_article_text_and_metadata() -> None:
    article = extract_article(read_page("news_article.html"), NEWS_URL + "?utm_source=kakao")

    assert article.title == "[사설] 청년 월세 지원, 일회성 생색내기로 끝나선 안 된다"
    assert article.site_name == "한빛일보"
    assert article.author.startswith("김민준")
    assert article.published == "2024-03-15"
    assert article.language == "ko"
    # og:url / rel=canonical are relative here: resolved against the page, same site.
    assert article.canonical_url == NEWS_URL
    assert article.url == NEWS_URL + "?utm_source=kakao"

    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) == len(NEWS_PARAGRAPH_STARTS)
    for paragraph, start in zip(paragraphs, NEWS_PARAGRAPH_STARTS, strict=True):
        assert paragraph.startswith(start)
    assert paragraphs[-1].endswith("촘촘한 지원 체계를 설계하기 바란다.")


@pytest.mark.parametrize("furniture", NEWS_FURNITURE)
def test_news_article_drops_site_furniture(furniture: str) -> None:
    article = extract_article(read_page("news_article.html"), NEWS_URL)
    assert furniture not in article.text


def test_blog_post() -> None:
    url = "https://slowwalker.tistory.example/entry/jeju-olle-7"
    article = extract_article(read_page("blog_post.html"), url)

    assert article.title == "제주 올레길 7코스 걷기, 외돌개에서 월평까지"
    assert article.site_name == "느리게 걷는 사람"
    assert article.author == "느린걸음"
    assert article.published == "2024-05-04"
    assert article.language == "ko"
    assert article.text.count("\n\n") == 3
    assert "법환포구에 도착했을 때는 이미 점심시간이 지나 있었다." in article.text
    for furniture in (
        "공감 24",
        "게시글 관리",
        "카테고리의 다른 글",
        "북한산 둘레길",
        "바다소년",
        "범섬 풍경이 잊히지 않아요",
        "최근 글",
        "방문자 수",
        "Powered by Tistory",
        "방명록",
    ):
        assert furniture not in article.text, furniture


def test_canonical_link_to_another_site_is_ignored() -> None:
    # The blog's canonical link points at slowwalker.blog.example: a page that claims to
    # be another site's article must not take over that article's identity.
    url = "https://mirror.example.net/copy/jeju?utm_medium=social#top"
    article = extract_article(read_page("blog_post.html"), url)
    assert article.canonical_url == "https://mirror.example.net/copy/jeju"


async def test_euc_kr_column_fetched_and_extracted(web: LocalWeb, fetcher: Fetcher) -> None:
    url = web.page("/column/bangkok.html", euc_kr_column(with_meta=False), content_type="text/html")

    page = await fetcher.fetch(url)
    article = extract_article(page.text, page.final_url, content_type=page.content_type)

    assert article.title == "[여행칼럼] 방콕 골목에서 만난 똠얌꿍 한 그릇"
    assert article.site_name == "동방신문"
    assert article.author == "이서연"
    assert article.published == "2023-11-02"
    assert article.language == "ko"
    assert article.text.startswith("방콕의 오후는 뜨겁다.")
    assert "새우를 넣고 끓인 똠얌꿍이다." in article.text
    assert article.text.endswith("그 골목의 똠얌꿍 한 그릇을 먼저 떠올릴 것이다.")
    for furniture in (
        "현재위치",
        "독자게시판",
        "메일보내기",
        "관련 기사",
        "치앙마이 야시장",
        "독자의견",
        "주소 좀 알려주세요",
        "개인정보취급방침",
        "All Rights Reserved",
    ):
        assert furniture not in article.text, furniture


def test_a_page_of_only_navigation_has_no_article() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_article(read_page("section_index.html"), "https://hanbit.example.co.kr/opinion")
    assert caught.value.reason == "no article text found at https://hanbit.example.co.kr/opinion"


@pytest.mark.parametrize("html", ["", "   ", "<html><body></body></html>"])
def test_empty_pages_have_no_article(html: str) -> None:
    with pytest.raises(ExtractionError):
        extract_article(html, "https://example.com/")


def test_xhtml_with_an_xml_declaration() -> None:
    page = read_page("news_article.html").replace(
        "<!DOCTYPE html>", '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>'
    )
    article = extract_article(page, NEWS_URL)
    assert article.site_name == "한빛일보"
    assert article.canonical_url == NEWS_URL


def test_metadata_falls_back_to_meta_tags_and_host() -> None:
    html = """<html><head>
        <meta property="og:title" content="짧은 공지">
        <meta name="date" content="2024.07.01">
        </head><body><article>
        <p>다음 주 월요일부터 도서관 운영 시간이 오전 9시부터 오후 10시까지로 늘어납니다.</p>
        <p>주말에는 기존과 같이 오후 6시에 문을 닫습니다. 이용에 참고하시기 바랍니다.</p>
        </article></body></html>"""
    article = extract_article(html, "https://www.library.example.kr/notice/1")

    assert article.site_name == "library.example.kr"
    assert article.published == "2024-07-01"
    assert article.language == "ko"
    assert article.author == ""
    assert article.text.startswith("다음 주 월요일부터")


def test_plain_text_title_is_the_first_line() -> None:
    text = (
        "\n서버 점검 안내\n"
        "3월 20일 새벽 2시부터 4시까지 서버 점검이 있습니다.\n"
        "점검 중에는 서비스를 이용할 수 없습니다.\n"
    )
    article = extract_article(text, "https://example.kr/notice.txt", content_type="text/plain")

    assert article.title == "서버 점검 안내"
    assert article.text == (
        "3월 20일 새벽 2시부터 4시까지 서버 점검이 있습니다.\n\n"
        "점검 중에는 서비스를 이용할 수 없습니다."
    )
    assert article.site_name == "example.kr"
    assert article.language == "ko"


def test_plain_text_with_wrapped_paragraphs() -> None:
    text = "제목\n\n첫 문단의 첫 줄\n첫 문단의 둘째 줄\n\n둘째 문단\n"
    article = article_from_plain_text(text, "https://example.kr/a.txt")
    assert article.text == "첫 문단의 첫 줄 첫 문단의 둘째 줄\n\n둘째 문단"


def test_plain_text_with_only_a_title_has_no_article() -> None:
    with pytest.raises(ExtractionError):
        article_from_plain_text("제목만 있다\n", "https://example.kr/a.txt")
