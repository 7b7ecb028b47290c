"""Adding an article by URL: downloaded, extracted, saved, indexed, never twice."""

from __future__ import annotations

import pytest

from bot.refresh import ChangeKind
from tests.refresh.conftest import feed, news_page
from tests.sources.conftest import read_page
from tests.sources.local_web import Response


async def test_an_added_article_answers_questions_with_a_link_to_it(web, refresher, service):
    url = news_page(web)
    result = await refresher.add(url)
    assert result.change.kind is ChangeKind.ADDED, result.change
    assert "청년 월세" in result.article.title
    assert result.article.url.endswith("/opinion/editorial/20240315-youth-rent.html")
    assert "월세" in result.sample

    answer = service.ask("청년 월세 특별지원 사업 연장")
    assert answer.answered
    assert answer.hits[0].url == result.article.url
    # Navigation, comments and related articles stayed behind.
    body = result.article.body
    assert "지방 청년들 얘기는 왜 하나도 없나요" not in body


async def test_adding_the_same_article_twice_keeps_one(web, refresher, library):
    url = news_page(web)
    await refresher.add(url)
    again = await refresher.add(url + "?utm_source=share")
    assert again.change.kind is ChangeKind.UNCHANGED
    copy = await refresher.add(news_page(web, "/mirror/same-text.html"))
    assert copy.change.kind is ChangeKind.UNCHANGED
    titles = [a.title for a in library.store.load().articles]
    assert sum("청년 월세" in t for t in titles) == 1


async def test_an_euc_kr_page_comes_out_as_hangul(web, refresher):
    raw = read_page("column_euckr.html")
    url = web.page("/euckr.html", raw.encode("cp949"), content_type="text/html")
    result = await refresher.add(url)
    assert result.change.kind is ChangeKind.ADDED, result.change
    assert any("\uac00" <= ch <= "\ud7a3" for ch in result.article.body)
    assert "\ufffd" not in result.article.body


async def test_a_feed_url_subscribes_and_adds_its_articles(web, refresher, library):
    news_page(web)
    web.page("/column/bangkok.html", read_page("blog_post.html"))
    url = feed(web, "feed_rss.xml", "application/rss+xml")
    result = await refresher.add(url)
    assert result.change.kind is ChangeKind.ADDED
    assert url in library.store.sources_file.read_text()
    assert len(library.store.load().articles) >= 3


@pytest.mark.parametrize(
    ("path", "setup", "reason"),
    [
        ("/missing", lambda web: None, "404"),
        ("/broken", lambda web: web.add("/broken", Response(500, b"oops")), "500"),
        (
            "/logo.png",
            lambda web: web.page("/logo.png", b"\x89PNG", content_type="image/png"),
            "image/png",
        ),
        (
            "/loop",
            lambda web: (web.redirect("/loop", "/loop2"), web.redirect("/loop2", "/loop")),
            "redirect",
        ),
        (
            "/to-lan",
            lambda web: web.redirect("/to-lan", "http://192.168.0.10/admin"),
            "192.168.0.10",
        ),
        ("/slow", lambda web: web.hang("/slow"), "time"),
        (
            "/nav-only",
            lambda web: web.page("/nav-only", "<html><body><nav>홈 뉴스</nav></body></html>"),
            "no article text",
        ),
    ],
)
async def test_a_failed_add_is_explained_and_changes_nothing(
    web, refresher, library, path, setup, reason
):
    setup(web)
    before = library.store.load().fingerprint
    result = await refresher.add(web.url(path))
    assert result.change.kind is ChangeKind.FAILED
    assert reason.lower() in result.change.reason.lower()
    assert library.store.load().fingerprint == before


@pytest.mark.parametrize(
    "url",
    [
        "",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://x.test/a",
        "http://user:pw@x.test/",
        "http://[::1]/",
        "http://localhost/",
    ],
)
async def test_hostile_urls_are_refused_before_any_request(refresher, url):
    result = await refresher.add(url)
    assert result.change.kind is ChangeKind.FAILED
    assert result.change.reason
