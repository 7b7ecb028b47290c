from __future__ import annotations

import codecs

import pytest

from bot.sources import decode_body, normalize_charset
from bot.sources.decoding import charset_from_content_type, declared_charset

# "똠" is outside EUC-KR's 2,350 syllables: only CP949 (what "euc-kr" pages really are)
# can encode it, so decoding it proves the label was read as CP949.
KOREAN = "<p>방콕 골목에서 만난 똠얌꿍 한 그릇. 할머니는 돈보다 손님이 중요하다며 웃었다.</p>"


def html(body: str, head: str = "") -> str:
    return f"<html><head>{head}<title>칼럼</title></head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("EUC-KR", "cp949"),
        ("euc_kr", "cp949"),
        ("ks_c_5601-1987", "cp949"),
        ("KSC5601", "cp949"),
        ("x-windows-949", "cp949"),
        ("CP949", "cp949"),
        ("UTF8", "utf-8"),
        ('"utf-8"', "utf-8"),
        ("iso-8859-1", "cp1252"),
        ("us-ascii", "cp1252"),
        ("shift_jis", "shift_jis"),
        ("no-such-charset", None),
        ("", None),
    ],
)
def test_normalize_charset(label: str, codec: str | None) -> None:
    assert normalize_charset(label) == codec


def test_strict_euc_kr_cannot_read_what_cp949_wrote() -> None:
    with pytest.raises(UnicodeDecodeError):
        "똠".encode("cp949").decode("euc-kr")


def test_utf8_without_any_declaration() -> None:
    decoded = decode_body(html(KOREAN).encode("utf-8"), "text/html")
    assert "똠얌꿍" in decoded.text
    assert (decoded.encoding, decoded.source) == ("utf-8", "utf-8")


def test_cp949_declared_as_euc_kr_in_the_header() -> None:
    decoded = decode_body(html(KOREAN).encode("cp949"), "text/html; charset=EUC-KR")
    assert "똠얌꿍" in decoded.text and "할머니" in decoded.text
    assert (decoded.encoding, decoded.source) == ("cp949", "header")


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="euc-kr">',
        "<meta charset=euc-kr>",
        '<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">',
        '<META CONTENT="text/html; charset=ks_c_5601-1987" HTTP-EQUIV="content-type">',
    ],
)
def test_cp949_declared_only_in_a_meta_tag(meta: str) -> None:
    decoded = decode_body(html(KOREAN, head=meta).encode("cp949"), "text/html")
    assert "똠얌꿍" in decoded.text
    assert (decoded.encoding, decoded.source) == ("cp949", "document")


def test_cp949_declared_nowhere_is_detected() -> None:
    decoded = decode_body(html(KOREAN).encode("cp949"), None)
    assert "똠얌꿍" in decoded.text and "할머니" in decoded.text
    assert (decoded.encoding, decoded.source) == ("cp949", "detected")


def test_header_claiming_utf8_over_cp949_bytes_is_not_believed() -> None:
    body = html(KOREAN, head='<meta charset="euc-kr">').encode("cp949")
    decoded = decode_body(body, "text/html; charset=utf-8")
    assert "똠얌꿍" in decoded.text
    assert decoded.source == "document"


def test_latin1_server_default_loses_to_the_meta_tag() -> None:
    body = html(KOREAN, head='<meta charset="euc-kr">').encode("cp949")
    decoded = decode_body(body, "text/html; charset=ISO-8859-1")
    assert "똠얌꿍" in decoded.text
    assert decoded.encoding == "cp949"


def test_a_few_bad_bytes_do_not_discard_the_declared_charset() -> None:
    body = html(KOREAN * 20).encode("cp949") + b"\xff broken tail"
    decoded = decode_body(body, "text/html; charset=euc-kr")
    assert decoded.source == "header"
    assert "똠얌꿍" in decoded.text


def test_xml_declaration() -> None:
    feed = (
        '<?xml version="1.0" encoding="EUC-KR"?><rss><channel><title>똠얌꿍</title></channel></rss>'
    )
    decoded = decode_body(feed.encode("cp949"), "application/rss+xml")
    assert "<title>똠얌꿍</title>" in decoded.text
    assert declared_charset(feed.encode("cp949")) == "cp949"


def test_byte_order_mark_wins() -> None:
    body = codecs.BOM_UTF8 + html(KOREAN).encode("utf-8")
    decoded = decode_body(body, "text/html; charset=euc-kr")
    assert decoded.text.startswith("<html>")
    assert "똠얌꿍" in decoded.text and decoded.source == "bom"

    utf16 = codecs.BOM_UTF16_LE + html(KOREAN).encode("utf-16-le")
    assert "똠얌꿍" in decode_body(utf16).text


def test_meta_claiming_utf16_means_utf8() -> None:
    body = html(KOREAN, head='<meta charset="utf-16">').encode("utf-8")
    decoded = decode_body(body, "text/html")
    assert decoded.encoding == "utf-8" and "똠얌꿍" in decoded.text


def test_charset_from_content_type() -> None:
    assert charset_from_content_type('text/html; charset="KS_C_5601-1987"') == "cp949"
    assert charset_from_content_type("text/html;charset=utf-8") == "utf-8"
    assert charset_from_content_type("text/html") is None
    assert charset_from_content_type(None) is None
