"""URL validation and canonical forms.

Two forms come out of this module:

* :func:`normalize_url` — the URL we actually request: validated, lower-cased scheme and
  host, IDN host in its ASCII (punycode) form, default port and fragment dropped, unsafe
  characters percent-encoded. It raises :class:`UnsafeURL` for anything we refuse.
* :func:`canonical_url` — the normalized URL minus tracking parameters (``utm_*``,
  ``fbclid``, ...), used as the key for de-duplicating articles.

Whether the *address* behind a host may be contacted is decided later, in
:mod:`bot.sources.addresses`, once the host has been resolved.
"""

from __future__ import annotations

import re
from contextlib import suppress
from ipaddress import IPv6Address, ip_address
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

import idna
from tld import get_fld

from bot.sources.errors import UnsafeURL

__all__ = [
    "MAX_URL_LENGTH",
    "canonical_url",
    "normalize_url",
    "resolve_url",
    "same_site",
    "url_host",
]

MAX_URL_LENGTH = 2048
_ALLOWED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that only identify the campaign or click that led to a page.
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
    }
)
_TRACKING_PREFIXES = ("utm_",)

# C0 controls, DEL and C1 controls: never legitimate inside a URL someone pastes.
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ASCII_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
# A last label like "1" or "0x7f" makes WHATWG parsers read the host as an IPv4 address
# ("127.1", "2130706433"); we only accept the plain dotted-quad spelling of those.
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")
# Characters left alone when percent-encoding a path or query: RFC 3986 reserved and
# unreserved characters plus "%" so existing escapes survive.
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_SAFE_QUERY = _SAFE_PATH + "?"


def normalize_url(url: str) -> str:
    """Validate ``url`` and return the form we request.

    Raises :class:`UnsafeURL` with a one-line reason when the URL is empty, longer than
    :data:`MAX_URL_LENGTH`, contains control characters, is not http(s), carries
    credentials, or has a malformed host or port.
    """
    url = url.strip(" \t\r\n\f\v")
    if not url:
        raise UnsafeURL("refused: the URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURL(f"refused: the URL is longer than {MAX_URL_LENGTH} characters")
    if _CONTROL_CHARS.search(url):
        raise UnsafeURL("refused: the URL contains control characters")

    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise UnsafeURL(f"refused: malformed URL ({exc})") from None

    scheme = parts.scheme.lower()
    if not scheme:
        raise UnsafeURL("refused: the URL must start with http:// or https://")
    if scheme not in _ALLOWED_SCHEMES:
        raise UnsafeURL(f"refused: the {scheme}: scheme is not allowed (only http and https)")
    if "@" in parts.netloc:
        raise UnsafeURL("refused: the URL must not contain a user name or password")

    host = _normalize_host(parts.hostname or "")
    try:
        port = parts.port
    except ValueError:
        raise UnsafeURL("refused: the URL has an invalid port") from None

    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = quote(parts.path, safe=_SAFE_PATH) or "/"
    query = quote(parts.query, safe=_SAFE_QUERY)
    return urlunsplit((scheme, netloc, path, query, ""))


def canonical_url(url: str) -> str:
    """Return the de-duplication key for ``url``: normalized, without tracking parameters.

    The order and spelling of the remaining parameters is kept: some sites do route on
    them, and two links to one article almost always share the same order anyway.
    """
    parts = urlsplit(normalize_url(url))
    kept = [pair for pair in parts.query.split("&") if pair and not _is_tracking(pair)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), ""))


def resolve_url(base: str, reference: str) -> str:
    """Resolve ``reference`` (a link or ``Location`` header) against ``base`` and normalize it."""
    return normalize_url(urljoin(base, reference.strip()))


def url_host(url: str) -> str:
    """The normalized host of ``url`` (ASCII, lower case, no brackets for IPv6)."""
    host = urlsplit(normalize_url(url)).hostname
    assert host is not None  # normalize_url refuses URLs without a host
    return host


def same_site(url_a: str, url_b: str) -> bool:
    """Whether two URLs belong to the same site (``m.news.example.co.kr`` ~ ``example.co.kr``).

    A site is a registrable domain by the public suffix list (tld's bundled copy, never
    updated over the network), private suffixes included: ``alice.blogspot.com`` and
    ``bob.blogspot.com`` are two sites, as are two ``*.github.io`` pages. A host under a
    suffix the list doesn't know (``intranet.corp``, test names) is taken to be its last
    two labels; an IP address is a site of its own.

    Raises :class:`UnsafeURL` if either URL is refused by :func:`normalize_url`.
    """
    return _site_of(url_host(url_a)) == _site_of(url_host(url_b))


def _normalize_host(host: str) -> str:
    """Validate a host from ``urlsplit`` and return its ASCII lower-case form."""
    host = host.rstrip(".")
    if not host:
        raise UnsafeURL("refused: the URL has no host")
    with suppress(ValueError):  # an IP literal, in its canonical spelling; else a name
        address = ip_address(host)
        return address.compressed if isinstance(address, IPv6Address) else str(address)

    if host.isascii():
        host = host.lower()
        labels = host.split(".")
        if len(host) > 253 or not all(_ASCII_LABEL.fullmatch(label) for label in labels):
            raise UnsafeURL(f"refused: {host!r} is not a valid host name")
    else:
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            raise UnsafeURL(f"refused: {host!r} is not a valid host name") from None
        labels = host.split(".")

    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        raise UnsafeURL(f"refused: {host!r} is not a valid IPv4 address")
    return host


def _is_tracking(pair: str) -> bool:
    key = unquote(pair.partition("=")[0]).lower()
    return key in _TRACKING_PARAMS or key.startswith(_TRACKING_PREFIXES)


def _site_of(host: str) -> str:
    labels = host.split(".")
    if ":" in host or _NUMERIC_LABEL.fullmatch(labels[-1]):  # an IP address is its own site
        return host
    site = get_fld(host, fix_protocol=True, fail_silently=True, search_private=True)
    return str(site) if site else ".".join(labels[-2:])
