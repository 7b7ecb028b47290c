from __future__ import annotations

import pytest

from bot.sources import UnsafeURL, canonical_url, normalize_url, resolve_url, same_site
from bot.sources.urls import MAX_URL_LENGTH, url_host


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://News.Example.COM", "http://news.example.com/"),
        ("https://example.com:443/a?b=1#section-2", "https://example.com/a?b=1"),
        ("http://example.com:8080/", "http://example.com:8080/"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("http://example.com./a", "http://example.com/a"),
        (
            "https://ko.wikipedia.org/wiki/서울 특별시",
            "https://ko.wikipedia.org/wiki/%EC%84%9C%EC%9A%B8%20%ED%8A%B9%EB%B3%84%EC%8B%9C",
        ),
        ("https://ko.wikipedia.org/wiki/%EC%84%9C", "https://ko.wikipedia.org/wiki/%EC%84%9C"),
        ("http://한국일보.kr/뉴스", "http://xn--3e0bm80ac2h5no.kr/%EB%89%B4%EC%8A%A4"),
        ("http://[::1]:80/x", "http://[::1]/x"),
        ("http://10.0.0.1/", "http://10.0.0.1/"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("https://example.com/" + "a" * MAX_URL_LENGTH, "longer than 2048"),
        ("http://example.com/\x00", "control characters"),
        ("http://exa\nmple.com/", "control characters"),
        ("javascript:alert(document.cookie)", "javascript: scheme"),
        ("JavaScript:alert(1)", "javascript: scheme"),
        ("file:///etc/passwd", "file: scheme"),
        ("data:text/html,<script>alert(1)</script>", "data: scheme"),
        ("ftp://example.com/file.txt", "ftp: scheme"),
        ("example.com/news/1", "must start with http:// or https://"),
        ("https://user:secret@example.com/", "user name or password"),
        ("https://user@example.com/", "user name or password"),
        ("http://example.com:99999/", "invalid port"),
        ("http:///just/a/path", "no host"),
        ("http://exa_mple..com/", "not a valid host name"),
        ("http://2130706433/", "not a valid IPv4 address"),
        ("http://127.1/", "not a valid IPv4 address"),
        ("http://0x7f.0.0.1/", "not a valid IPv4 address"),
        ("http://[::1/", "malformed URL"),
    ],
)
def test_normalize_url_refuses(url: str, phrase: str) -> None:
    with pytest.raises(UnsafeURL) as caught:
        normalize_url(url)
    assert phrase in caught.value.reason
    assert caught.value.reason.startswith("refused: ")
    assert str(caught.value) == caught.value.reason


def test_canonical_url_strips_tracking_parameters_and_fragment() -> None:
    shared = (
        "https://News.example.co.kr/article/123?id=7&utm_source=twitter&utm_medium=social"
        "&fbclid=IwAR0x&page=2&gclid=abc#comments"
    )
    assert canonical_url(shared) == "https://news.example.co.kr/article/123?id=7&page=2"
    assert canonical_url("https://news.example.co.kr/article/123?utm_campaign=x") == (
        "https://news.example.co.kr/article/123"
    )
    assert canonical_url("https://news.example.co.kr/article/123?UTM_Source=x&b=2&a=1") == (
        "https://news.example.co.kr/article/123?b=2&a=1"
    )


def test_resolve_url_joins_and_validates() -> None:
    base = "https://news.example.co.kr/opinion/editorial/1.html"
    assert resolve_url(base, "2.html") == "https://news.example.co.kr/opinion/editorial/2.html"
    assert resolve_url(base, "/economy/") == "https://news.example.co.kr/economy/"
    assert resolve_url(base, "//cdn.example.com/x") == "https://cdn.example.com/x"
    with pytest.raises(UnsafeURL):
        resolve_url(base, "javascript:void(0)")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("https://m.news.example.co.kr/a", "https://www.example.co.kr/b", True),
        ("https://www.hani.co.kr/a", "https://hani.co.kr/b", True),
        ("https://example.co.kr/a", "https://other.co.kr/b", False),
        ("https://slowwalker.blog.example/a", "http://127.0.0.1:8000/b", False),
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:9000/b", True),
        ("https://a.example.com/", "https://b.example.com/", True),
        ("https://example.com/", "https://example.org/", False),
    ],
)
def test_same_site(a: str, b: str, expected: bool) -> None:
    assert same_site(a, b) is expected


def test_url_host_is_ascii() -> None:
    assert url_host("https://한국.kr/") == "xn--3e0b707e.kr"
    assert url_host("http://[::ffff:10.0.0.1]/") == "::ffff:a00:1"
