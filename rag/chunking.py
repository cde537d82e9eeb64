"""Split a document into chunks that follow its sections, paragraphs and sentences.

Every chunk and sentence keeps character offsets into the loaded text, so any
span can be cited exactly. Two layouts are recognised: one paragraph per line
(news articles, Markdown) and hard-wrapped text whose paragraphs are separated
by blank lines (plain-text books, licences, RFCs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import quantiles

from .text import sentence_spans
from .types import Chunk, Document

MAX_CHUNK_CHARS = 900
_SECTION_PREFIX = r"(?:section\s+|article\s+|§\s*)?\d+(?:\.\d+)*\.?\s+"
_NUMBERED_HEADING = re.compile(_SECTION_PREFIX + r"[A-Z][^.\n]{1,70}\.?$", re.I)
_INLINE_NUMBERED_HEADING = re.compile(r"\s*(\d+(?:\.\d+)*\.?\s+[A-Z][^.\n]{1,60}?)\.\s+[A-Z]")
_COLUMN_GAP = re.compile(r"\S {2,}\S")
_STEP = re.compile(
    _SECTION_PREFIX + r"(?:set|unset|pass|use|run|add|append|install|create|remove|delete|edit|open|type|call|"
    r"make|put|copy|move|change|select|click|enter|download|build|configure|start|stop|restart|check|ensure|"
    r"replace|rename|write|read|press|choose|go|save|load|log|upgrade|update)\s[^\n]*[.:]$",
    re.I,
)
_SECTION_NUMBER = re.compile("^" + _SECTION_PREFIX, re.I)
_MARKDOWN_HEADING = re.compile(r"#{1,6}(?:\s|$)")
# An Org-mode heading below the top level ("** Documentation on HKP:"); a single "* " also
# opens a Markdown list item, so it is left to the other rules.
_ORG_HEADING = re.compile(r"\*{2,6} \S[^\n]{0,78}$")
# This many headings in a row are a table of contents: text, not the sections' headings.
CONTENTS_RUN = 4
# A wrapped sentence going on in lower case ("for user to choose a manager."), not a URL.
_GOES_ON = re.compile(r"[ \t\u00a0]*[a-z]+[ \t,;.]")
_FINISHED = ".!?:;\"'”’)]"
_LIST_ITEM = re.compile(r"\s*(?:[-*•]|\(?[0-9a-zA-Z]{1,3}[.)])\s+")


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int
    is_heading: bool
    heading_text: str = ""
    underlined: bool = False  # a title over its underline: a heading, whatever follows


def _lines(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _wrap_width(text: str, lines: list[tuple[int, int]]) -> int:
    """The width text is hard-wrapped at, or 0 when lines are whole paragraphs."""
    lengths = [e - s for s, e in lines if text[s:e].strip()]
    if len(lengths) < 8:
        return 0
    p90 = quantiles(lengths, n=10)[-1]
    return int(p90) if p90 <= 100 else 0


def _looks_like_heading(line: str) -> bool:
    line = line.strip()
    if not line:
        return False
    if _MARKDOWN_HEADING.match(line) or _ORG_HEADING.match(line):
        return True
    words = line.split()
    if len(line) > 80 or len(words) > 12 or _COLUMN_GAP.search(_SECTION_NUMBER.sub("", line, count=1)):
        return False  # a table row ("Version   Date   Description") is no heading
    if _NUMBERED_HEADING.match(line):
        # "1. Set the GROFF_NO_SGR environment variable.": a step of a procedure, not a title.
        return _STEP.match(line) is None
    if sum(w.isalpha() for w in words) * 2 < len(words):
        return False  # "FD 37 7A 58 5A 00", "0-5 0x3F"
    if line[-1] in ".,;:!?\"'”’)-–—":
        return False
    # Title-like: starts with a capital or digit; mostly capitalised or short.
    return line[0].isupper() or line[0].isdigit()


# A line of one punctuation character repeated: under a title, it makes the title a heading
# (reStructuredText's "max_concurrent_requests" over "-----", Markdown's setext "Usage" over "===").
_UNDERLINE = re.compile(r"([=\-~^*+#`])\1{2,}[ \t]*")


def _underlined_titles(text: str, lines: list[tuple[int, int]]) -> set[int]:
    """The lines that are titles: set off by a blank line (or an overline) above and an
    underline below, whatever their case."""
    titles: set[int] = set()
    for i in range(1, len(lines)):
        title, under = text[lines[i - 1][0] : lines[i - 1][1]], text[lines[i][0] : lines[i][1]]
        if not _UNDERLINE.fullmatch(under) or not title.strip() or title[:1].isspace() or len(title) > 80:
            continue
        if _UNDERLINE.fullmatch(title) or len(title.split()) > 12 or _LIST_ITEM.match(title):
            continue
        if title.rstrip().endswith((".", ",", ";")):
            continue  # a sentence over a separator line ("Don't feel bad: ... at first." / "-----")
        above = text[lines[i - 2][0] : lines[i - 2][1]] if i >= 2 else ""
        if not above.strip() or _UNDERLINE.fullmatch(above):
            titles.add(i - 1)
    return titles


def paragraphs(text: str) -> list[Paragraph]:
    """Paragraphs and headings of ``text`` with offsets, in order."""
    lines = _lines(text)
    width = _wrap_width(text, lines)
    wrapped = width > 0
    out: list[Paragraph] = []
    block: list[tuple[int, int]] = []
    titles = _underlined_titles(text, lines)

    def flush() -> None:
        if block:
            start, end = block[0][0], block[-1][1]
            para = _paragraph(text, start, end)
            # The line right under "Valid Responses:" is its value ("Willing, Unwilling"), no heading.
            under_label = _line_above(text, start).rstrip().endswith(":")
            out.append(Paragraph(para.start, para.end, False) if para.is_heading and under_label else para)
            block.clear()

    after_blank = False
    for n, (start, end) in enumerate(lines):
        line = text[start:end]
        if (n - 1 in titles or n + 1 in titles) and _UNDERLINE.fullmatch(line):
            continue  # a title's underline (or overline): no text of its own
        if n in titles:
            flush()
            out.append(Paragraph(start, start + len(line.rstrip()), True, line.strip(), underlined=True))
            after_blank = True
            continue
        if not line.strip():
            after_blank = True
            continue
        if not wrapped:
            # A line is a paragraph, unless it goes on with a sentence the one before left open.
            if not (block and _sentence_goes_on(text[block[-1][0] : block[-1][1]], line)):
                flush()
            block.append((start, end))
            continue
        if after_blank and not _sentence_goes_on(text[block[-1][0] : block[-1][1]] if block else "", line):
            flush()
        after_blank = False
        # In hard-wrapped text a heading or a list item starts a new paragraph.
        previous = text[block[-1][0] : block[-1][1]] if block else ""
        if block and (
            (_looks_like_heading(line) and previous.rstrip().endswith((".", ":", "?", "!")))
            or (_LIST_ITEM.match(line) and previous.rstrip().endswith((".", ":", ";")))
            # A short title line directly above its text (a wrapped line is near full width),
            # unless the text goes on in lower case: then the line was a sentence's start.
            or (
                len(block) == 1
                and _looks_like_heading(previous)
                and len(previous.strip()) < 0.6 * width
                and not previous.rstrip().endswith(".")
                and not _GOES_ON.match(line)
            )
        ):
            flush()
        block.append((start, end))
    flush()
    return _entry_titles(text, _faq_titles(text, out))


def _entry_titles(text: str, paras: list[Paragraph]) -> list[Paragraph]:
    """Entries set apart by separator lines ("-----"), each opened by a short statement of
    a problem ("* My document says that the current year is 19100, not 2000.") with its
    answer below: the statement heads the entry, as a FAQ's question heads its answer."""
    out = list(paras)
    for i in range(1, len(paras) - 1):
        para, before, after = paras[i], paras[i - 1], paras[i + 1]
        body = text[para.start : para.end]
        if (
            not para.is_heading
            and _UNDERLINE.fullmatch(text[before.start : before.end])
            and len(body) <= 250
            and body.count("\n") <= 3
            and not _UNDERLINE.fullmatch(text[after.start : after.end])
            and after.end - after.start > len(body)
        ):
            out[i] = Paragraph(para.start, para.end, True, " ".join(body.lstrip("*-• ").split()))
    return out


_ENTRY_NUMBER = re.compile(r"\d+\.\d+(?:\.\d+)*\.?\s+[A-Z]")  # "3.1. P", not a list's "1. "


def _faq_titles(text: str, paras: list[Paragraph]) -> list[Paragraph]:
    """In a FAQ (numbered questions heading their answers), an entry titled by a statement
    ("3.1. Programs run OK on Valgrind, but at exit ... die.") heads its answer too."""
    questions = sum(
        p.is_heading and text[p.end - 1 : p.end] == "?" and _ENTRY_NUMBER.match(text, p.start) is not None
        for p in paras
    )
    if questions < 2:
        return paras
    out = list(paras)
    for i, para in enumerate(paras[:-1]):
        body = text[para.start : para.end]
        if (
            not para.is_heading
            and _ENTRY_NUMBER.match(body)
            and len(body) <= 250
            and body.count("\n") <= 2
            and _ENTRY_NUMBER.match(text, paras[i + 1].start) is None  # its answer follows, not the next entry
        ):
            out[i] = Paragraph(para.start, para.end, True, " ".join(body.split()))
    return out


def _line_above(text: str, start: int) -> str:
    """The line directly above the line that starts at ``start`` ("" at the top)."""
    end = text.rfind("\n", 0, start)
    return text[text.rfind("\n", 0, end) + 1 : end] if end > 0 else ""


def _sentence_goes_on(last_line: str, line: str) -> bool:
    """Whether ``line``, after a blank line, goes on with the sentence that ``last_line``
    left unfinished: "... compressed with" / "gzip -7c" / "and have a .gz extension"."""
    last = last_line.rstrip()
    return bool(last) and last[-1] not in _FINISHED and _GOES_ON.match(line) is not None


def _is_numbered_question(body: str) -> bool:
    """A FAQ entry's question, wrapped or not: "5.4. Is it possible to attach Valgrind to a
    program that is already\nrunning?" heads the answer below it."""
    number = _SECTION_NUMBER.match(body)
    return (
        number is not None
        and body.endswith("?")
        and len(body) <= 200
        and body.count("\n") <= 2
        and body[number.end() :][:1].isupper()
    )


def _paragraph(text: str, start: int, end: int) -> Paragraph:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    body = text[start:end]
    if "\n" not in body and _looks_like_heading(body):
        return Paragraph(start, end, True, body.lstrip("#*").strip())
    if _is_numbered_question(body):
        return Paragraph(start, end, True, " ".join(body.split()))
    inline = _INLINE_NUMBERED_HEADING.match(body)
    if inline:
        return Paragraph(start, end, False, inline.group(1).strip())
    return Paragraph(start, end, False)


def _contents_as_text(paras: list[Paragraph]) -> list[Paragraph]:
    """Runs of ``CONTENTS_RUN`` or more headings (a table of contents) turned into text."""
    out = list(paras)
    run_start = 0
    for i in range(len(paras) + 1):
        if i < len(paras) and paras[i].is_heading and not paras[i].underlined:
            continue
        if i - run_start >= CONTENTS_RUN:
            out[run_start:i] = [Paragraph(p.start, p.end, False) for p in paras[run_start:i]]
        run_start = i + 1
    return out


def chunk_document(doc: Document, max_chars: int = MAX_CHUNK_CHARS) -> list[Chunk]:
    """Chunks of whole sentences, never crossing a heading, at most ``max_chars`` each
    (a single longer sentence becomes a chunk of its own)."""
    text = doc.text
    chunks: list[Chunk] = []
    heading = ""
    pending: list[tuple[int, int]] = []  # sentence spans waiting to form a chunk
    heading_spans: list[tuple[int, int]] = []  # the headings among them

    def emit() -> None:
        if not pending:
            return
        start, end = pending[0][0], pending[-1][1]
        rel = tuple((s - start, e - start) for s, e in pending)
        chunks.append(Chunk(doc.id, len(chunks), start, end, text[start:end], heading, rel))
        pending.clear()
        heading_spans.clear()

    for para in _contents_as_text(paragraphs(text)):
        if para.is_heading:
            # The heading opens the next chunk: it is text too ("Version 2.0, January 2004").
            # Headings in a row (title, subtitle, section) stay together.
            if len(heading_spans) < len(pending):
                emit()
            heading = para.heading_text
            pending.append((para.start, para.end))
            heading_spans.append((para.start, para.end))
            continue
        if para.heading_text:
            emit()
            heading = para.heading_text
        spans = list(sentence_spans(text, para.start, para.end))
        para_len = para.end - para.start
        # Keep a paragraph whole when it fits beside what is pending.
        if pending and para.end - pending[0][0] > max_chars and para_len <= max_chars:
            emit()
        for span in spans:
            if pending and span[1] - pending[0][0] > max_chars:
                emit()
            pending.append(span)
    emit()
    return chunks
