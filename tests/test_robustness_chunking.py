"""The chunker on any document: chunks are exact, ordered, trimmed spans that lose no
text, respect the size limit, and hold their sentences — the ground of exact citations."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.chunking import MAX_CHUNK_CHARS, chunk_document
from rag.text import _TABLE_RULE, sentence_spans
from rag.types import Document

PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces real documents are made of, including the ones that fool sentence splitters.
_PIECES = [
    "The council met on Monday.",
    "Mr. Smith said the U.S. plan was final.",
    '"We agree. It is done," she said.',
    "“Quoted. Twice.” he wrote",
    "Revenue rose 3.5 percent to $4.2 billion!",
    "Is it true?",
    "J. R. R. Tolkien wrote it at 3 p.m. local time.",
    "1. Definitions.",
    "2. Grant of Copyright License",
    "# A Markdown heading",
    "Section 4 Scope",
    "- a list item;",
    "(a) another item.",
    "A HEADING IN CAPITALS",
    "word",
    "…",
    "...",
    "a" * 120,
    "Ünïcödé façade — naïve café.",
    "中文句子。第二句。",
]
_SEPARATORS = [
    " ",
    "  ",
    "\n",
    "\n\n",
    "\n\n\n",
    "\t",
    " \n",
    "\n \n",
    "\u00a0",
    "\u2003",
    "\x0c",
    "\u2028",
    "\x1c",
    "",
]
documents = st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_SEPARATORS)), max_size=80).map(
    lambda parts: "".join(p + s for p, s in parts)
)
# Hard-wrapped text (a book, a licence): lines cut near a fixed width.
wrapped = st.tuples(documents, st.integers(20, 90)).map(
    lambda t: "\n".join(t[0][i : i + t[1]] for i in range(0, len(t[0]), t[1]))
)
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=2500)


def assert_chunks_are_exact_spans(text: str, max_chars: int = MAX_CHUNK_CHARS) -> None:
    doc = Document("doc.txt", "Doc", text)
    chunks = chunk_document(doc, max_chars)
    covered = [False] * len(text)
    previous_end = 0
    for i, chunk in enumerate(chunks):
        assert chunk.index == i and chunk.id == f"doc.txt::{i}"
        assert previous_end <= chunk.start < chunk.end <= len(text), "ordered, non-overlapping, in bounds"
        assert text[chunk.start : chunk.end] == chunk.text, "the offsets round-trip"
        assert chunk.text == chunk.text.strip(), "trimmed"
        assert chunk.sentences, "every chunk holds sentences"
        sentence_end = 0
        for start, end in chunk.sentences:
            assert sentence_end <= start < end <= len(chunk.text)
            assert chunk.text[start:end].strip() == chunk.text[start:end]
            sentence_end = end
            for k in range(chunk.start + start, chunk.start + end):
                covered[k] = True
        assert chunk.sentences[0][0] == 0 and chunk.sentences[-1][1] == len(chunk.text)
        if len(chunk.sentences) > 1:
            assert len(chunk.text) <= max_chars, "only a single sentence may exceed the limit"
        previous_end = chunk.end
    # The rules of a drawn table ("+----+", "==|==") hold nothing to cite: left out on purpose.
    rules = [False] * len(text)
    at = 0
    for line in text.split("\n"):
        if _TABLE_RULE.fullmatch(line):
            rules[at : at + len(line)] = [True] * len(line)
        at += len(line) + 1
    lost = [k for k, c in enumerate(text) if not covered[k] and not c.isspace() and not rules[k]]
    assert not lost, f"text outside every sentence: {text[lost[0] : lost[0] + 20]!r}"
    if not text.strip():
        assert chunks == []


@given(documents)
@PROPERTY
def test_chunks_of_article_like_text_are_exact_spans_that_lose_nothing(text: str) -> None:
    assert_chunks_are_exact_spans(text)


@given(wrapped)
@PROPERTY
def test_chunks_of_hard_wrapped_text_are_exact_spans_that_lose_nothing(text: str) -> None:
    assert_chunks_are_exact_spans(text)


@given(any_text, st.integers(1, 400))
@PROPERTY
def test_chunks_of_any_text_at_any_size_limit_are_exact_spans_that_lose_nothing(text: str, limit: int) -> None:
    assert_chunks_are_exact_spans(text, limit)


@given(st.one_of(documents, any_text))
@PROPERTY
def test_sentences_are_ordered_trimmed_spans_that_lose_nothing(text: str) -> None:
    previous_end = 0
    covered = 0
    for start, end in sentence_spans(text):
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        covered += sum(not c.isspace() for c in text[start:end])
        previous_end = end
    assert covered == sum(not c.isspace() for c in text)
