"""Fetching web pages safely and extracting articles from them.

The lowest layer of the bot: it knows about URLs, addresses, HTTP, encodings and HTML,
and nothing about the corpus or search built on top of it.

    async with Fetcher() as fetcher:
        page = await fetcher.fetch("https://news.example.co.kr/article/1")
    if looks_like_feed(page.content_type, page.text):
        entries = parse_feed(page.text, page.final_url)
    else:
        article = extract_article(page.text, page.final_url, content_type=page.content_type)
"""

from bot.sources.addresses import AddressPolicy, address_category
from bot.sources.decoding import DecodedText, decode_body, normalize_charset
from bot.sources.documents import DocumentKind, extract_document, sniff_kind
from bot.sources.errors import (
    BlockedAddress,
    DocumentProblem,
    DocumentRefused,
    ExtractionError,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    NetworkError,
    TooLarge,
    TooManyRedirects,
    UnsafeURL,
    UnsupportedContent,
)
from bot.sources.extract import ExtractedArticle, article_from_plain_text, extract_article
from bot.sources.feeds import FeedEntry, looks_like_feed, parse_feed
from bot.sources.fetcher import (
    ACCEPTED_CONTENT_TYPES,
    Fetcher,
    FetchPolicy,
    FetchResult,
    Resolver,
    Sleep,
    system_resolver,
)
from bot.sources.robots import RobotsDisallowed
from bot.sources.urls import canonical_url, normalize_url, resolve_url, same_site

__all__ = [
    "ACCEPTED_CONTENT_TYPES",
    "AddressPolicy",
    "BlockedAddress",
    "DecodedText",
    "DocumentKind",
    "DocumentProblem",
    "DocumentRefused",
    "ExtractedArticle",
    "ExtractionError",
    "FeedEntry",
    "FetchError",
    "FetchPolicy",
    "FetchResult",
    "FetchTimeout",
    "Fetcher",
    "HTTPStatusError",
    "NetworkError",
    "Resolver",
    "RobotsDisallowed",
    "Sleep",
    "TooLarge",
    "TooManyRedirects",
    "UnsafeURL",
    "UnsupportedContent",
    "address_category",
    "article_from_plain_text",
    "canonical_url",
    "decode_body",
    "extract_article",
    "extract_document",
    "looks_like_feed",
    "normalize_charset",
    "normalize_url",
    "parse_feed",
    "resolve_url",
    "same_site",
    "sniff_kind",
    "system_resolver",
]
