"""Fetching politely: robots.txt is obeyed, transient failures are tried again after a
pause that grows, and a site is a registrable domain by the public suffix list."""

from __future__ import annotations

import itertools

import pytest

from bot.sources import (
    Fetcher,
    HTTPStatusError,
    NetworkError,
    RobotsDisallowed,
    same_site,
)
from bot.sources.fetcher import _retry_after
from tests.sources.conftest import StaticResolver, loopback_policy
from tests.sources.local_web import LocalWeb, Response

ROBOTS = b"User-agent: *\nDisallow: /private/\n"
# A group naming us replaces the "*" group for us (RFC 9309): /private/ is open to us here.
OUR_GROUP = ROBOTS + b"\nUser-agent: article-qa-bot\nDisallow: /members/\n"


class Pauses:
    """A ``sleep`` that records the pauses asked for and returns at once."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)


def robots(web: LocalWeb, body: bytes = ROBOTS, status: int = 200) -> None:
    web.add("/robots.txt", Response(status, body, "text/plain"))


# -- robots.txt --------------------------------------------------------------------------


async def test_a_page_robots_txt_disallows_is_not_fetched(web: LocalWeb, fetcher: Fetcher):
    robots(web)
    web.page("/private/a.html", "<p>비공개</p>")
    web.page("/public/c.html", "<p>공개 기사</p>")

    with pytest.raises(RobotsDisallowed, match=r"robots\.txt of 127\.0\.0\.1:\d+ disallows"):
        await fetcher.fetch(web.url("/private/a.html"))
    assert "공개 기사" in (await fetcher.fetch(web.url("/public/c.html"))).text

    assert web.requests_for("/private/a.html") == []
    assert len(web.requests_for("/robots.txt")) == 1  # once per fetcher and site


async def test_the_group_naming_the_bot_is_the_one_obeyed(web: LocalWeb, fetcher: Fetcher):
    robots(web, OUR_GROUP)
    web.page("/private/a.html", "<p>우리에게는 열림</p>")
    web.page("/members/b.html", "<p>회원</p>")
    with pytest.raises(RobotsDisallowed):
        await fetcher.fetch(web.url("/members/b.html"))
    assert "우리에게는 열림" in (await fetcher.fetch(web.url("/private/a.html"))).text


async def test_robots_txt_applies_to_every_redirect_hop(web: LocalWeb, fetcher: Fetcher):
    robots(web)
    web.redirect("/go", "/private/secret.html")
    web.page("/private/secret.html", "<p>x</p>")
    with pytest.raises(RobotsDisallowed):
        await fetcher.fetch(web.url("/go"))
    assert web.requests_for("/private/secret.html") == []


@pytest.mark.parametrize("status", [404, 403, 410])
async def test_no_robots_txt_allows_everything(web: LocalWeb, fetcher: Fetcher, status: int):
    robots(web, b"nope", status)
    web.page("/private/a.html", "<p>열린 페이지</p>")
    assert "열린 페이지" in (await fetcher.fetch(web.url("/private/a.html"))).text


async def test_a_robots_txt_the_server_fails_on_disallows_for_now(web: LocalWeb, fetcher: Fetcher):
    robots(web, b"oops", 500)
    web.page("/a.html", "<p>x</p>")
    with pytest.raises(RobotsDisallowed, match=r"could not be read \(HTTP 500\)"):
        await fetcher.fetch(web.url("/a.html"))
    assert web.requests_for("/a.html") == []


async def test_robots_can_be_ignored_by_policy(web: LocalWeb, resolver: StaticResolver):
    robots(web)
    web.page("/private/a.html", "<p>사내용</p>")
    async with Fetcher(loopback_policy(respect_robots=False), resolver=resolver) as fetcher:
        assert "사내용" in (await fetcher.fetch(web.url("/private/a.html"))).text
    assert web.requests_for("/robots.txt") == []


# -- retries -----------------------------------------------------------------------------


async def test_a_transient_failure_is_tried_again_with_growing_pauses(
    web: LocalWeb, resolver: StaticResolver
):
    answers = itertools.chain(
        [Response(503, b"busy"), Response(502, b"gateway")],
        itertools.repeat(Response(200, "<p>세 번째에 됐다</p>".encode())),
    )
    web.add("/flaky.html", lambda _request: next(answers))
    pauses = Pauses()
    policy = loopback_policy(retries=2, retry_delay=1.0)
    async with Fetcher(policy, resolver=resolver, sleep=pauses) as fetcher:
        page = await fetcher.fetch(web.url("/flaky.html"))
    assert "세 번째에 됐다" in page.text
    assert pauses.asked == [1.0, 2.0]
    assert len(web.requests_for("/flaky.html")) == 3


async def test_retries_are_bounded(web: LocalWeb, resolver: StaticResolver):
    web.add("/down.html", Response(503, b"down"))
    pauses = Pauses()
    async with Fetcher(loopback_policy(retries=3), resolver=resolver, sleep=pauses) as fetcher:
        with pytest.raises(HTTPStatusError, match="HTTP 503") as caught:
            await fetcher.fetch(web.url("/down.html"))
    assert caught.value.status == 503
    assert len(web.requests_for("/down.html")) == 4 and len(pauses.asked) == 3


async def test_retry_after_is_honoured_and_a_long_one_ends_the_tries(
    web: LocalWeb, resolver: StaticResolver
):
    web.add("/soon.html", Response(429, b"", headers={"Retry-After": "7"}))
    web.add("/later.html", Response(429, b"", headers={"Retry-After": "3600"}))
    pauses = Pauses()
    policy = loopback_policy(retries=1, retry_delay=1.0, max_retry_delay=30.0)
    async with Fetcher(policy, resolver=resolver, sleep=pauses) as fetcher:
        with pytest.raises(HTTPStatusError):
            await fetcher.fetch(web.url("/soon.html"))
        assert pauses.asked == [7.0]
        with pytest.raises(HTTPStatusError):
            await fetcher.fetch(web.url("/later.html"))
    assert pauses.asked == [7.0] and len(web.requests_for("/later.html")) == 1


@pytest.mark.parametrize("status", [404, 410, 500, 403])
async def test_a_definite_answer_is_not_tried_again(
    web: LocalWeb, resolver: StaticResolver, status: int
):
    web.add("/gone.html", Response(status, b"no"))
    pauses = Pauses()
    async with Fetcher(loopback_policy(), resolver=resolver, sleep=pauses) as fetcher:
        with pytest.raises(HTTPStatusError):
            await fetcher.fetch(web.url("/gone.html"))
    assert pauses.asked == [] and len(web.requests_for("/gone.html")) == 1


async def test_a_refused_connection_is_tried_again_an_unknown_host_is_not(
    resolver: StaticResolver,
):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    pauses = Pauses()
    async with Fetcher(loopback_policy(), resolver=resolver, sleep=pauses) as fetcher:
        with pytest.raises(NetworkError):
            await fetcher.fetch(f"http://127.0.0.1:{port}/")
        assert len(pauses.asked) == 2
        with pytest.raises(NetworkError, match="could not resolve"):
            await fetcher.fetch("http://nowhere.test/")
    assert len(pauses.asked) == 2


# -- same site ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("https://alice.blogspot.com/2025/a.html", "https://bob.blogspot.com/2025/a.html", False),
        ("https://alice.blogspot.com/a", "https://www.alice.blogspot.com/b", True),
        ("https://alice.github.io/x", "https://bob.github.io/x", False),
        ("https://m.news.example.co.kr/a", "https://www.example.co.kr/b", True),
        ("https://news.example.or.kr/a", "https://example.go.kr/b", False),
        ("https://blog.naver.com/a", "https://news.naver.com/b", True),
        ("https://www.예시.한국/a", "https://m.예시.한국/b", True),
        ("https://intranet.corp/a", "https://wiki.intranet.corp/b", True),  # not in the list
    ],
)
def test_sites_are_told_apart_by_the_public_suffix_list(a: str, b: str, expected: bool):
    assert same_site(a, b) is expected


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        ("²", None),  # a digit to str.isdigit, not a number of seconds
        ("Wed, 21 Oct 2015 07:28:00 -0000", 0.0),  # parsed without a time zone: in the past
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("soon", None),
        ("", None),
    ],
)
def test_a_hostile_retry_after_is_read_or_ignored_never_a_crash(header, seconds):
    assert _retry_after(header) == seconds
