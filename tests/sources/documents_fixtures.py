"""Small real documents built in the test: PDFs (pypdf's writer), DOCX (python-docx), zips.

``make_pdf`` writes Korean text a PDF reader can extract: a Type0 font with Identity-H
encoding whose ToUnicode map gives each character its own CID (no glyphs are embedded,
so a viewer shows boxes, but the text layer is real).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

import docx
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

__all__ = ["make_docx", "make_pdf", "zip_bomb"]


def _to_unicode(chars: Sequence[str]) -> bytes:
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    for start in range(0, len(chars), 100):
        chunk = chars[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        for offset, char in enumerate(chunk, start=start + 1):
            lines.append(f"<{offset:04X}> <{ord(char):04X}>")
        lines.append("endbfchar")
    lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    return "\n".join(lines).encode("ascii")


def make_pdf(
    lines_per_page: Sequence[Sequence[str]],
    *,
    title: str = "",
    author: str = "",
    password: str | None = None,
) -> bytes:
    """A PDF with one page per item of ``lines_per_page``, each line drawn at its height."""
    chars = sorted({c for page in lines_per_page for line in page for c in line})
    cid = {char: index for index, char in enumerate(chars, start=1)}
    writer = PdfWriter()
    cmap = DecodedStreamObject()
    cmap.set_data(_to_unicode(chars))
    descendant = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/CIDFontType2"),
            NameObject("/BaseFont"): NameObject("/TestFont"),
            NameObject("/CIDSystemInfo"): DictionaryObject(
                {
                    NameObject("/Registry"): TextStringObject("Adobe"),
                    NameObject("/Ordering"): TextStringObject("Identity"),
                    NameObject("/Supplement"): NumberObject(0),
                }
            ),
            NameObject("/DW"): NumberObject(1000),
        }
    )
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type0"),
            NameObject("/BaseFont"): NameObject("/TestFont"),
            NameObject("/Encoding"): NameObject("/Identity-H"),
            NameObject("/DescendantFonts"): ArrayObject([writer._add_object(descendant)]),
            NameObject("/ToUnicode"): writer._add_object(cmap),
        }
    )
    font_ref = writer._add_object(font)
    for lines in lines_per_page:
        page = writer.add_blank_page(width=595, height=842)
        commands = ["BT", "/F1 10 Tf"]
        for number, line in enumerate(lines):
            encoded = "".join(f"{cid[c]:04X}" for c in line)
            commands.append(f"1 0 0 1 40 {800 - 14 * number} Tm <{encoded}> Tj")
        commands.append("ET")
        content = DecodedStreamObject()
        content.set_data("\n".join(commands).encode("ascii"))
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})}
        )
    metadata = {k: v for k, v in (("/Title", title), ("/Author", author)) if v}
    if metadata:
        writer.add_metadata(metadata)
    if password is not None:
        writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(
    paragraphs: Sequence[str], *, title: str = "", heading: str = "", author: str = "테스트"
) -> bytes:
    """A .docx with an optional core-properties title, a first heading and paragraphs."""
    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = author
    if heading:
        document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb(real_docx: bytes, *, inflated: int = 200_000_000) -> bytes:
    """A real .docx with one extra part of ``inflated`` zero bytes (a few hundred KB packed)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(real_docx)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        with target.open("word/media/padding.bin", "w", force_zip64=True) as member:
            block = bytes(1_000_000)
            for _ in range(inflated // len(block)):
                member.write(block)
    return out.getvalue()
