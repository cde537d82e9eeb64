"""Loaders on any input: text in any common encoding is read back exactly, anything else
is a ``DocumentError`` with a reason — never another exception."""

from __future__ import annotations

import codecs
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rag.errors import DocumentError
from rag.loaders import decode, load_document

PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text a person writes: no C0 control characters but the usual whitespace, no surrogates.
written = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="".join(map(chr, range(32))) + "\ufeff")
    | st.sampled_from("\n\t\r"),
    max_size=500,
)
# Latin-1 printable characters; 0x80-0x9F are read as Windows-1252 (curly quotes, €) on purpose.
latin1 = st.text(
    st.characters(
        min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f" + "".join(map(chr, range(0x80, 0xA0)))
    )
    | st.just("\n")
)


def normalized(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _only_document_errors(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"doc{suffix}"
        path.write_bytes(data)
        try:
            doc = load_document(path, path.name)
        except DocumentError as exc:
            assert str(exc).strip() and "\n" not in str(exc)
        else:
            assert doc.text.strip() and "\r" not in doc.text


@given(st.binary(max_size=2000))
@PROPERTY
def test_decode_of_any_bytes_is_text_or_a_document_error(data: bytes) -> None:
    try:
        text = decode(data)
    except DocumentError:
        return
    assert "\r" not in text


@given(written)
@PROPERTY
def test_utf8_text_is_read_back_exactly(text: str) -> None:
    assert decode(text.encode("utf-8")) == normalized(text)


@given(written, st.sampled_from(["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"]))
@PROPERTY
def test_text_with_a_byte_order_mark_is_read_back_exactly(text: str, encoding: str) -> None:
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    assert decode(bom + text.encode(encoding)) == normalized(text)


@given(written.filter(str.strip), st.sampled_from(["utf-32", "utf-32-be"]))
@FEW
def test_utf32_text_with_a_byte_order_mark_is_read_back_exactly(text: str, encoding: str) -> None:
    bom = codecs.BOM_UTF32_BE if encoding == "utf-32-be" else b""
    assert decode(bom + text.encode(encoding)) == normalized(text)


@given(latin1)
@PROPERTY
def test_latin1_text_that_is_not_utf8_is_read_back_exactly(text: str) -> None:
    data = text.encode("latin-1")
    try:
        data.decode("utf-8")
        assume(False)  # bytes that are valid UTF-8 are read as UTF-8, rightly
    except UnicodeDecodeError:
        pass
    # "þÿ" is FE FF in Latin-1: a UTF-16 byte order mark, read as such, rightly.
    assume(not data.startswith((codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE)))
    assert decode(data) == text


@given(st.binary(max_size=1500), st.sampled_from([".txt", ".md", ".html", ".htm"]))
@FEW
def test_loading_any_bytes_as_a_text_file_is_a_document_or_a_document_error(data: bytes, suffix: str) -> None:
    _only_document_errors(data, suffix)


@given(st.text(max_size=400))
@FEW
def test_loading_any_markup_as_html_is_a_document_or_a_document_error(markup: str) -> None:
    _only_document_errors(markup.encode("utf-8", errors="surrogatepass"), ".html")


@given(st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=200).filter(lambda s: "</" not in s))
@FEW
def test_script_and_style_contents_never_become_document_text(hidden: str) -> None:
    marker = "Visible sentence about the harbour."
    page = f"<html><head><style>{hidden}</style></head><body><p>{marker}</p><script>{hidden}</script></body></html>"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.html"
        path.write_text(page, encoding="utf-8")
        doc = load_document(path, "page.html")
    assert doc.text == marker


def _pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": "Blank"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _pdf_bytes()


@given(st.lists(st.tuples(st.integers(0, len(PDF) - 1), st.binary(min_size=1, max_size=8)), min_size=1, max_size=6))
@FEW
def test_a_damaged_pdf_is_a_document_error(patches: list[tuple[int, bytes]]) -> None:
    data = bytearray(PDF)
    for at, patch in patches:
        data[at : at + len(patch)] = patch
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(bytes(data))
        with pytest.raises(DocumentError):  # blank or broken: either way no text, and a reason
            load_document(path, "doc.pdf")


@given(st.binary(max_size=600))
@FEW
def test_any_bytes_named_pdf_are_a_document_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(b"%PDF-1.7\n" + data)
        with pytest.raises(DocumentError):
            load_document(path, "doc.pdf")
