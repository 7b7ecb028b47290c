from __future__ import annotations

import feedparser
import pytest

from bot.sources import FeedEntry, Fetcher, extract_article, looks_like_feed, parse_feed
from tests.sources.conftest import PAGES, read_page
from tests.sources.local_web import LocalWeb
from tests.sources.test_fetcher import euc_kr_column

BASE = "https://hanbit.example.co.kr"


def rss(base: str = BASE) -> str:
    return read_page("feed_rss.xml").replace("{base}", base)


def test_rss_entries() -> None:
    entries = parse_feed(rss(), f"{BASE}/rss/opinion.xml")

    assert entries == [
        FeedEntry(
            url=f"{BASE}/opinion/editorial/20240315-youth-rent.html?utm_source=rss&utm_medium=feed",
            title="[사설] 청년 월세 지원, 일회성 생색내기로 끝나선 안 된다",
            # 08:00 KST is still the 14th in UTC: the date is the one the feed wrote.
            published="2024-03-15",
        ),
        FeedEntry(
            url=f"{BASE}/column/bangkok.html",
            title="[여행칼럼] 방콕 골목에서 만난 똠얌꿍 한 그릇",
            published="2023-11-02",
        ),
        # The third item repeats the first link with a different tracking parameter and
        # the fourth links to javascript:, so both are left out.
    ]


def test_atom_entries_with_relative_links() -> None:
    entries = parse_feed(read_page("feed_atom.xml"), "https://slowwalker.blog.example/atom.xml")

    assert entries == [
        FeedEntry(
            url="https://slowwalker.blog.example/entry/jeju-olle-7",
            title="제주 올레길 7코스 걷기, 외돌개에서 월평까지",
            published="2024-05-04",
        ),
        FeedEntry(
            url="https://slowwalker.blog.example/entry/spring-books",
            title="봄에 읽은 책 다섯 권",
            published="2024-04-20",  # no <published>: the <updated> date
        ),
    ]


def test_not_a_feed_gives_no_entries() -> None:
    assert parse_feed(read_page("news_article.html"), BASE) == []
    assert parse_feed("", BASE) == []


def test_a_string_that_looks_like_a_url_or_path_is_only_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # feedparser downloads a str that looks like a URL and opens one that names a file;
    # parse_feed must do neither.
    def no_downloads(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("feedparser tried to download")

    monkeypatch.setattr(feedparser.http, "get", no_downloads)
    assert parse_feed("http://127.0.0.1:9/feed.xml", BASE) == []
    assert parse_feed(str(PAGES / "feed_atom.xml"), BASE) == []


@pytest.mark.parametrize(
    ("content_type", "text", "expected"),
    [
        ("application/rss+xml; charset=utf-8", "", True),
        ("application/atom+xml", "", True),
        ("text/xml", rss(), True),
        ("application/xml", read_page("feed_atom.xml"), True),  # comment before the root
        ("text/html", rss(), True),  # a mislabelled feed
        ("text/html", read_page("news_article.html"), False),
        ("application/xml", '<?xml version="1.0"?><urlset></urlset>', False),  # a sitemap
        ("text/plain", "rss feed <rss> mentioned in passing", False),
        ("", '\ufeff<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="x"></rdf:RDF>', True),
    ],
)
def test_looks_like_feed(content_type: str, text: str, expected: bool) -> None:
    assert looks_like_feed(content_type, text) is expected


async def test_feed_to_articles_over_http(web: LocalWeb, fetcher: Fetcher) -> None:
    """Fetch a feed from the local server, then every article it lists."""
    web.page("/rss/opinion.xml", rss(web.base_url), content_type="application/rss+xml")
    web.page("/opinion/editorial/20240315-youth-rent.html", read_page("news_article.html"))
    web.page("/column/bangkok.html", euc_kr_column(with_meta=True), content_type="text/html")

    feed = await fetcher.fetch(web.url("/rss/opinion.xml"))
    assert looks_like_feed(feed.content_type, feed.text)
    entries = parse_feed(feed.text, feed.final_url)

    titles = []
    for entry in entries:
        page = await fetcher.fetch(entry.url)
        article = extract_article(page.text, page.final_url, content_type=page.content_type)
        titles.append(article.title)
    assert titles == [
        "[사설] 청년 월세 지원, 일회성 생색내기로 끝나선 안 된다",
        "[여행칼럼] 방콕 골목에서 만난 똠얌꿍 한 그릇",
    ]


async def test_euc_kr_feed_declared_only_in_the_xml_declaration(
    web: LocalWeb, fetcher: Fetcher
) -> None:
    text = rss(web.base_url).replace('encoding="UTF-8"', 'encoding="EUC-KR"')
    web.page("/rss/euckr.xml", text.encode("cp949"), content_type="application/rss+xml")

    feed = await fetcher.fetch(web.url("/rss/euckr.xml"))
    entries = parse_feed(feed.text, feed.final_url)

    assert feed.encoding == "cp949"
    assert [entry.title for entry in entries][1] == "[여행칼럼] 방콕 골목에서 만난 똠얌꿍 한 그릇"
