"""The fetcher against a real HTTP server on 127.0.0.1.

Every fetcher here either allows only 127.0.0.1/32 or nothing at all, and resolves names
with a static table, so the refusals below happen before any connection is attempted.
"""

from __future__ import annotations

import gzip
import itertools
import socket
from collections.abc import Iterator
from ipaddress import ip_address

import httpx
import pytest

from bot.sources import (
    BlockedAddress,
    Fetcher,
    FetchPolicy,
    FetchTimeout,
    HTTPStatusError,
    NetworkError,
    TooLarge,
    TooManyRedirects,
    UnsafeURL,
    UnsupportedContent,
)
from bot.sources.addresses import IPAddress
from tests.sources.conftest import StaticResolver, loopback_policy, read_page
from tests.sources.local_web import LocalWeb, Request, Response

EUC_KR_META = '<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">\n'
FIFTY_MB = 50 * 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def euc_kr_column(*, with_meta: bool) -> bytes:
    """The EUC-KR test column as its server sends it: CP949 bytes, meta tag optional."""
    page = read_page("column_euckr.html")
    assert EUC_KR_META in page
    if not with_meta:
        page = page.replace(EUC_KR_META, "")
    return page.encode("cp949")


def zeros(total: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """``total`` bytes in chunks, without ever holding more than one chunk."""
    block = b"0" * chunk
    for _ in range(total // chunk):
        yield block


# -- pages and encodings ---------------------------------------------------------------


async def test_fetches_a_utf8_article(web: LocalWeb, fetcher: Fetcher) -> None:
    url = web.page("/opinion/editorial/20240315-youth-rent.html", read_page("news_article.html"))

    result = await fetcher.fetch(url)

    assert result.status == 200
    assert result.url == result.final_url == url
    assert result.content_type == "text/html"
    assert result.encoding == "utf-8"
    assert "청년 월세 특별지원 사업을 1년 더 연장하기로 했다" in result.text
    assert not result.not_modified
    sent = web.requests_for("/opinion/editorial/20240315-youth-rent.html")[0]
    assert "article-qa-bot" in sent.headers["user-agent"]
    assert sent.headers["accept-language"].startswith("ko")


@pytest.mark.parametrize(
    ("content_type", "with_meta"),
    [
        pytest.param("text/html; charset=euc-kr", False, id="charset-in-header"),
        pytest.param("text/html", True, id="charset-in-meta-only"),
        pytest.param("text/html", False, id="charset-nowhere"),
        pytest.param(None, False, id="no-content-type-charset-nowhere"),
    ],
)
async def test_euc_kr_pages_come_out_as_hangul(
    web: LocalWeb, fetcher: Fetcher, content_type: str | None, with_meta: bool
) -> None:
    body = euc_kr_column(with_meta=with_meta)
    url = web.page("/column/bangkok.html", body, content_type=content_type or "text/html")

    result = await fetcher.fetch(url)

    assert result.encoding == "cp949"
    for words in ("방콕 골목에서 만난 똠얌꿍 한 그릇", "할머니는 돈보다 손님이 중요하다며"):
        assert words in result.text
    assert "\ufffd" not in result.text


async def test_plain_text_and_feeds_are_accepted(web: LocalWeb, fetcher: Fetcher) -> None:
    text_url = web.page("/notice.txt", "공지사항\n\n서버 점검 안내", content_type="text/plain")
    feed_url = web.page("/rss.xml", read_page("feed_rss.xml"), content_type="application/rss+xml")
    assert (await fetcher.fetch(text_url)).content_type == "text/plain"
    assert (await fetcher.fetch(feed_url)).content_type == "application/rss+xml"


async def test_gzip_bodies_are_decoded(web: LocalWeb, fetcher: Fetcher) -> None:
    body = gzip.compress(read_page("news_article.html").encode("utf-8"))
    url = web.page("/gz.html", body, headers={"Content-Encoding": "gzip"})

    result = await fetcher.fetch(url)

    assert "청년 주거 정책은 저출생 대책과도 맞닿아 있다" in result.text


async def test_connects_to_the_resolved_address_of_a_host_name(
    web: LocalWeb, fetcher: Fetcher, resolver: StaticResolver
) -> None:
    web.page("/named.html", "<p>이름으로 찾아온 페이지</p>")

    result = await fetcher.fetch(web.url("/named.html", host="news.test"))

    assert "이름으로 찾아온 페이지" in result.text
    assert result.final_url == f"http://news.test:{web.port}/named.html"
    # Vetted once per hop before sending, and again by the connection it was sent on:
    # for robots.txt, then for the page.
    assert resolver.lookups == ["news.test"] * 4
    assert len(web.requests_for("/robots.txt")) == 1
    assert web.requests_for("/named.html")[0].headers["host"] == f"news.test:{web.port}"


# -- conditional requests and changing pages -------------------------------------------


async def test_etag_and_last_modified_give_not_modified(web: LocalWeb, fetcher: Fetcher) -> None:
    etag = '"v1-3f2a"'
    modified = "Fri, 15 Mar 2024 02:02:00 GMT"

    def article(request: Request) -> Response:
        unchanged = request.headers.get("if-none-match") == etag or (
            request.headers.get("if-modified-since") == modified
        )
        headers = {"ETag": etag, "Last-Modified": modified}
        if unchanged:
            return Response(304, b"", None, headers)
        return Response(body=read_page("news_article.html").encode("utf-8"), headers=headers)

    url = web.add("/article.html", article)

    first = await fetcher.fetch(url)
    assert (first.status, first.etag, first.last_modified) == (200, etag, modified)

    by_etag = await fetcher.fetch(url, etag=first.etag)
    by_date = await fetcher.fetch(url, last_modified=first.last_modified)
    for again in (by_etag, by_date):
        assert again.not_modified
        assert again.status == 304
        assert again.text == ""
        assert again.etag == etag and again.last_modified == modified

    conditional = web.requests_for("/article.html")[1:]
    assert conditional[0].headers["if-none-match"] == etag
    assert conditional[1].headers["if-modified-since"] == modified


async def test_a_page_that_changes_between_requests(web: LocalWeb, fetcher: Fetcher) -> None:
    versions = itertools.count(1)

    def live_blog(request: Request) -> Response:
        version = next(versions)  # a new version on every request: never 304
        body = f"<html><body><p>속보 {version}보: 상황이 계속 바뀌고 있다.</p></body></html>"
        return Response(body=body.encode("utf-8"), headers={"ETag": f'"v{version}"'})

    url = web.add("/live.html", live_blog)

    first = await fetcher.fetch(url)
    second = await fetcher.fetch(url, etag=first.etag)

    assert "속보 1보" in first.text and first.etag == '"v1"'
    assert not second.not_modified
    assert "속보 2보" in second.text and second.etag == '"v2"'


# -- redirects -------------------------------------------------------------------------


async def test_follows_redirects_to_the_final_url(web: LocalWeb, fetcher: Fetcher) -> None:
    web.redirect("/old", "/moved", status=301)
    web.redirect("/moved", f"{web.base_url}/new?from=old", status=307)
    final = web.page("/new", "<p>새 주소</p>")

    result = await fetcher.fetch(web.url("/old"))

    assert result.url == web.url("/old")
    assert result.final_url == final + "?from=old"
    assert "새 주소" in result.text


async def test_redirect_loop(web: LocalWeb, fetcher: Fetcher) -> None:
    web.redirect("/a", "/b")
    web.redirect("/b", "/a")

    with pytest.raises(TooManyRedirects) as caught:
        await fetcher.fetch(web.url("/a"))

    assert caught.value.reason == f"redirect loop: {web.url('/b')} leads back to {web.url('/a')}"


async def test_too_many_redirects(web: LocalWeb, resolver: StaticResolver) -> None:
    for hop in range(4):
        web.redirect(f"/hop{hop}", f"/hop{hop + 1}")
    web.page("/hop4", "<p>끝</p>")

    async with Fetcher(loopback_policy(max_redirects=4), resolver=resolver) as enough:
        assert "끝" in (await enough.fetch(web.url("/hop0"))).text
    async with Fetcher(loopback_policy(max_redirects=3), resolver=resolver) as strict:
        with pytest.raises(TooManyRedirects, match="more than 3 redirects"):
            await strict.fetch(web.url("/hop0"))


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("http://10.0.0.1/admin", "refused: 10.0.0.1 is a private address"),
        ("http://192.168.0.10/", "refused: 192.168.0.10 is a private address"),
        ("http://[::ffff:127.0.0.2]/", "refused: ::ffff:7f00:2 is a loopback address"),
        (
            "http://intranet.test/wiki",
            "refused: intranet.test resolves to a private address (192.168.0.10)",
        ),
        (
            "http://metadata.test/latest/meta-data/",
            "refused: metadata.test resolves to a link-local address (169.254.169.254)",
        ),
        (
            "http://mixed.test/",
            "refused: mixed.test resolves to a private address (10.0.0.5)",
        ),
    ],
)
async def test_redirect_to_a_private_address_is_refused_before_connecting(
    web: LocalWeb, fetcher: Fetcher, location: str, message: str
) -> None:
    web.redirect("/go", location)

    with pytest.raises(BlockedAddress) as caught:
        await fetcher.fetch(web.url("/go"))

    assert caught.value.reason == f"{message} (redirect from {web.url('/go')})"
    assert [request.path for request in web.requests] == ["/robots.txt", "/go"]


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "javascript:alert(1)", "ftp://example.com/"]
)
async def test_redirect_to_another_scheme_is_refused(
    web: LocalWeb, fetcher: Fetcher, location: str
) -> None:
    web.redirect("/go", location)

    with pytest.raises(UnsafeURL, match="scheme is not allowed") as caught:
        await fetcher.fetch(web.url("/go"))

    assert caught.value.reason.endswith(f"(redirect from {web.url('/go')})")


# -- the address policy ----------------------------------------------------------------


async def test_default_policy_refuses_loopback(web: LocalWeb) -> None:
    web.page("/", "<p>비밀</p>")

    async with Fetcher() as fetcher:
        with pytest.raises(BlockedAddress) as by_address:
            await fetcher.fetch(web.url("/"))
        with pytest.raises(BlockedAddress) as by_name:
            await fetcher.fetch(web.url("/", host="localhost"))  # system resolver, /etc/hosts

    assert by_address.value.reason == "refused: 127.0.0.1 is a loopback address"
    assert by_name.value.reason.startswith("refused: localhost resolves to a loopback address (")
    assert web.requests == []


async def test_allowed_networks_open_only_the_test_server(web: LocalWeb) -> None:
    web.page("/", "<p>열림</p>")

    async with Fetcher(loopback_policy()) as fetcher:
        assert "열림" in (await fetcher.fetch(web.url("/"))).text
        with pytest.raises(BlockedAddress, match=r"127\.0\.0\.2 is a loopback address"):
            await fetcher.fetch(f"http://127.0.0.2:{web.port}/")


async def test_dns_rebinding_is_caught_at_connect_time(web: LocalWeb) -> None:
    """A name that passes the check, then resolves elsewhere when the socket is opened."""
    web.page("/", "<p>내부</p>")
    answers: Iterator[list[IPAddress]] = iter([[ip_address("127.0.0.1")], [ip_address("10.0.0.1")]])

    async def rebinding(host: str) -> list[IPAddress]:
        return next(answers)

    async with Fetcher(loopback_policy(), resolver=rebinding) as fetcher:
        with pytest.raises(BlockedAddress, match=r"rebind.test resolves to a private address"):
            await fetcher.fetch(web.url("/", host="rebind.test"))

    assert web.requests == []


async def test_an_injected_transport_is_still_vetted_on_every_hop(
    resolver: StaticResolver,
) -> None:
    def site(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/moved":
            return httpx.Response(301, headers={"Location": "http://intranet.test/"})
        return httpx.Response(200, text="<p>가짜 사이트</p>", headers={"Content-Type": "text/html"})

    transport = httpx.MockTransport(site)
    async with Fetcher(loopback_policy(), resolver=resolver, transport=transport) as fetcher:
        page = await fetcher.fetch("http://news.test/page")
        with pytest.raises(BlockedAddress, match=r"intranet\.test resolves to a private"):
            await fetcher.fetch("http://news.test/moved")

    assert "가짜 사이트" in page.text
    # The page's hop, then robots.txt's (read once for the site), then the moved page's.
    assert resolver.lookups == ["news.test", "news.test", "news.test", "intranet.test"]


async def test_redirect_without_location(web: LocalWeb, fetcher: Fetcher) -> None:
    url = web.add("/nowhere", Response(302, b"", None))

    with pytest.raises(HTTPStatusError, match="redirect without a Location header") as caught:
        await fetcher.fetch(url)

    assert caught.value.status == 302


async def test_unknown_host_is_a_network_error(fetcher: Fetcher) -> None:
    with pytest.raises(NetworkError, match=r"could not resolve nowhere\.test"):
        await fetcher.fetch("http://nowhere.test/")


async def test_connection_refused_is_a_network_error(fetcher: Fetcher) -> None:
    with socket.socket() as probe:  # a port that was just free: nothing listens there now
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    with pytest.raises(NetworkError, match="could not fetch"):
        await fetcher.fetch(f"http://127.0.0.1:{closed_port}/")


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://127.0.0.1/", "javascript:alert(1)", "gopher://127.0.0.1:70/"],
)
async def test_non_http_schemes_are_refused(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(UnsafeURL, match="scheme is not allowed"):
        await fetcher.fetch(url)


# -- failures --------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "phrase"), [(404, "Not Found"), (500, "Internal Server Error")])
async def test_error_statuses(web: LocalWeb, fetcher: Fetcher, status: int, phrase: str) -> None:
    url = web.add("/broken", Response(status, "오류".encode(), "text/html; charset=utf-8"))

    with pytest.raises(HTTPStatusError) as caught:
        await fetcher.fetch(url)

    assert caught.value.status == status
    assert caught.value.reason == f"HTTP {status} {phrase} from {url}"


async def test_a_server_that_never_answers_times_out(
    web: LocalWeb, resolver: StaticResolver
) -> None:
    url = web.hang("/slow")

    async with Fetcher(loopback_policy(timeout=1.0), resolver=resolver) as fetcher:
        with pytest.raises(FetchTimeout) as caught:
            await fetcher.fetch(url)

    assert "timed out" in caught.value.reason and url in caught.value.reason
    assert len(web.requests_for("/slow")) == 1  # the deadline is the whole fetch's: no retry


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "streamed"])
async def test_a_50_mb_response_is_cut_off(
    web: LocalWeb, fetcher: Fetcher, declare_length: bool
) -> None:
    headers = {"Content-Length": str(FIFTY_MB)} if declare_length else {}
    served: list[int] = []

    def counted() -> Iterator[bytes]:
        for chunk in zeros(FIFTY_MB):
            served.append(len(chunk))
            yield chunk

    url = web.add("/huge.html", lambda request: Response(body=counted(), headers=headers))

    with pytest.raises(TooLarge) as caught:
        await fetcher.fetch(url)

    # Cut off early: the server got to write the limit and what the sockets buffer, no more.
    assert sum(served) < FIFTY_MB // 2
    assert "5,242,880 byte limit" in caught.value.reason
    if declare_length:
        assert caught.value.reason == (f"{url} is 52,428,800 bytes, over the 5,242,880 byte limit")


async def test_the_limit_counts_decompressed_bytes(web: LocalWeb, fetcher: Fetcher) -> None:
    bomb = gzip.compress(b"0" * (6 * 1024 * 1024))  # ~6 KB on the wire
    url = web.page("/bomb.html", bomb, headers={"Content-Encoding": "gzip"})

    with pytest.raises(TooLarge, match="larger than the 5,242,880 byte limit"):
        await fetcher.fetch(url)


@pytest.mark.parametrize(
    ("content_type", "shown"),
    [("image/png", "image/png"), ("application/pdf", "application/pdf"), (None, "no stated")],
)
async def test_non_text_content_is_refused(
    web: LocalWeb, fetcher: Fetcher, content_type: str | None, shown: str
) -> None:
    url = web.add("/logo.png", Response(body=PNG, content_type=content_type))

    with pytest.raises(UnsupportedContent) as caught:
        await fetcher.fetch(url)

    assert shown in caught.value.reason
    assert caught.value.reason.endswith("not a web page or feed")


def test_policy_defaults() -> None:
    policy = FetchPolicy()
    assert (policy.timeout, policy.max_bytes, policy.max_redirects) == (15.0, 5 * 1024**2, 5)
    assert policy.allow_private_addresses is False
    assert policy.allowed_networks == ()
