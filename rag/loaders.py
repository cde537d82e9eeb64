"""Read .txt, .md, .pdf and .html files into ``Document`` values.

The loaded text is what citations point into: for text files it is the file
decoded with universal newlines (what ``open(path).read()`` gives for UTF-8),
for PDF and HTML it is the extracted text.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser
from pathlib import Path

from .errors import DocumentError
from .text import clip, sentence_spans
from .types import Document

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".pdf", ".html", ".htm")
TITLE_LIMIT = 80


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def decode(data: bytes) -> str:
    """Decode text bytes: BOMs first, then UTF-8, then Windows-1252 / Latin-1.

    Raises ``DocumentError`` for data that is not text (NUL bytes, control noise).
    """
    # UTF-32 first: its little-endian BOM begins with UTF-16's.
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            text = data.decode(encoding, errors="replace")
            break
    else:
        if b"\x00" in data[:8192]:
            raise DocumentError("binary file (contains NUL bytes), not text")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\t\f")
    if sample and controls / len(sample) > 0.02:
        raise DocumentError("binary file (control characters), not text")
    return text


def load_text(path: Path) -> tuple[str, str]:
    """Return (text, explicit title or "") for a supported file."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _load_pdf(path), ""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read file: {exc.strerror or exc}") from exc
    text = decode(raw)
    if suffix in (".html", ".htm"):
        return _html_to_text(text)
    if suffix in (".md", ".markdown"):
        match = re.match(r"\s*#\s+(.+)", text)
        return text, (clip(match.group(1), TITLE_LIMIT) if match else "")
    return text, ""


# The line under a title saying which version it is: "Version 2, June 1991", "CC0 1.0 Universal".
_VERSION_LINE = re.compile(r"(?=.*(?:\bversion\s+\d|\b\d+\.\d+\b))(?!.*[;=$<>{}])[^\n]{1,40}", re.I)


def derive_title(text: str, fallback: str) -> str:
    """A short title: the first line when it is short (with the version line under it, so
    that "GNU GENERAL PUBLIC LICENSE Version 2, June 1991" is told from version 3), else
    its first sentence, clipped."""
    lines = [line.strip() for line in text.splitlines()]
    at = next((i for i, line in enumerate(lines) if line), len(lines))
    first_line = lines[at].lstrip("#").strip() if at < len(lines) else ""
    if not first_line:
        return fallback
    if len(first_line) <= TITLE_LIMIT:
        below = next((line for line in lines[at + 1 : at + 3] if line), "")  # at most a blank line apart
        if _VERSION_LINE.fullmatch(below) and len(first_line) + len(below) < TITLE_LIMIT:
            return f"{first_line} {below}"
        return first_line
    span = next(sentence_spans(first_line), (0, len(first_line)))
    return clip(first_line[span[0] : span[1]].rstrip("."), TITLE_LIMIT)


def _load_pdf(path: Path) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError

        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (OSError, ValueError, PyPdfError) as exc:
        raise DocumentError(f"unreadable PDF ({exc})") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise DocumentError("PDF has no extractable text (scanned images?); run OCR first")
    return text


_BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table section article header footer "
    "blockquote pre hr dd dt title main nav aside figure figcaption".split()
)
_SKIP_TAGS = frozenset("script style noscript template svg head".split())


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self.heading_parts: list[str] = []
        self._skip = 0
        self._in_title = False
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in _SKIP_TAGS:
            self._skip += 1
        if tag == "h1":
            self._in_h1 = True
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _SKIP_TAGS and self._skip:
            self._skip -= 1
        if tag == "h1":
            self._in_h1 = False
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
        elif not self._skip:
            self.parts.append(data)
            if self._in_h1:
                self.heading_parts.append(data)


def _html_to_text(html: str) -> tuple[str, str]:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    text = "\n".join(line for line in lines if line)
    title = " ".join("".join(parser.title_parts).split()) or " ".join("".join(parser.heading_parts).split())
    return text, clip(title, TITLE_LIMIT)


def load_document(path: Path, doc_id: str) -> Document:
    """Load one file as a ``Document``; raises ``DocumentError`` with the reason."""
    text, title = load_text(path)
    if not text.strip():
        raise DocumentError("empty file")
    return Document(id=doc_id, title=title or derive_title(text, path.stem), text=text)
