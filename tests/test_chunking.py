"""Loading and chunking: every chunk and sentence is an exact span of the loaded text."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.chunking import chunk_document
from rag.errors import DocumentError
from rag.loaders import decode, load_document
from rag.text import readable, sentence_spans, terms
from rag.types import Document

from conftest import DATA, SEEDS

CORPUS = sorted(SEEDS.glob("*.txt")) + sorted((DATA / "licenses").glob("*.txt"))


def assert_exact_spans(doc: Document) -> None:
    chunks = chunk_document(doc)
    assert chunks, "a non-empty document has chunks"
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        for start, end in chunk.sentences:
            assert 0 <= start < end <= len(chunk.text)
            assert chunk.text[start:end].strip() == chunk.text[start:end]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_chunk_and_sentence_offsets_round_trip_on_real_documents(path: Path) -> None:
    assert_exact_spans(load_document(path, path.name))


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=3000))
@settings(max_examples=300, deadline=None)
def test_chunk_offsets_round_trip_on_any_text(text: str) -> None:
    if text.strip():
        assert_exact_spans(Document("x.txt", "x", text))


@given(
    st.lists(
        st.sampled_from(["Mr. Smith", "went", "home.", "\n", "U.S.", '"Yes," he said.', "3.5", "A", "b?", " "]),
        max_size=60,
    )
)
def test_sentences_never_overlap_and_stay_in_bounds(parts: list[str]) -> None:
    text = " ".join(parts)
    previous_end = 0
    for start, end in sentence_spans(text):
        assert previous_end <= start < end <= len(text)
        previous_end = end


def test_sentences_keep_abbreviations_initials_and_quotations_whole() -> None:
    text = (
        'Mr. Smith met J. R. Jones in the U.S. capital. He said: "We agree. It is done." Then he left. '
        'Say it with a short i, ie. "grinned". Done.'
    )
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Mr. Smith met J. R. Jones in the U.S. capital.",
        'He said: "We agree. It is done."',
        "Then he left.",
        'Say it with a short i, ie. "grinned".',
        "Done.",
    ]


def test_long_first_line_gives_a_short_title_not_a_paragraph() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        doc = load_document(path, path.name)
        assert 10 <= len(doc.title) <= 80
        assert doc.text.startswith(doc.title.rstrip("…"))


@pytest.mark.parametrize(
    ("head", "title"),
    [
        # The version line under a title belongs to it: version 2 is told from version 3.
        ("    HARBOUR LICENCE\n       Version 2, June 1991\n\n Copyright", "HARBOUR LICENCE Version 2, June 1991"),
        ("Harbour Legal Code\n\nHPL 1.0 Universal\n\nText.", "Harbour Legal Code HPL 1.0 Universal"),
        # A section's heading or a line of code is no version line.
        ("The Harbour Licence\n\tPreamble\n\nText.", "The Harbour Licence"),
        ("package Harbour::FAQ;\nour $VERSION = '7.64';\n", "package Harbour::FAQ;"),
    ],
)
def test_a_title_carries_the_version_line_under_it(tmp_path: Path, head: str, title: str) -> None:
    (tmp_path / "doc.txt").write_text(head + "\n")
    assert load_document(tmp_path / "doc.txt", "doc").title == title


def test_headings_become_chunk_context_in_articles_and_hard_wrapped_text() -> None:
    seed = load_document(SEEDS / "000_6caf851ee1c755f2.txt", "000")
    assert "A Strategic Partnership in Moscow-Baku Relations" in {c.heading for c in chunk_document(seed)}
    apache = load_document(DATA / "licenses" / "apache-2.0.txt", "apache")
    headings = {c.heading for c in chunk_document(apache)}
    assert {"1. Definitions.", "2. Grant of Copyright License", "3. Grant of Patent License"} <= headings


def test_markdown_and_html_titles_come_from_their_headings(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Quarterly report\n\nSales rose by 4 percent.\n")
    (tmp_path / "b.html").write_text(
        "<html><head><title>Page title</title><style>p{color:red}</style></head>"
        "<body><h1>Heading</h1><script>alert(1)</script><p>Visible text.</p></body></html>"
    )
    assert load_document(tmp_path / "a.md", "a.md").title == "Quarterly report"
    html = load_document(tmp_path / "b.html", "b.html")
    assert html.title == "Page title"
    assert "Visible text." in html.text
    assert "alert" not in html.text and "color" not in html.text


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure()
    fig.text(0.1, 0.5, "The harbour opened in 1887.")
    fig.savefig(tmp_path / "doc.pdf")
    plt.close(fig)
    doc = load_document(tmp_path / "doc.pdf", "doc.pdf")
    assert "harbour opened in 1887" in " ".join(doc.text.split())


def test_encodings_are_decoded_and_binary_is_refused() -> None:
    assert decode("café".encode("latin-1")) == "café"
    assert decode(codecs.BOM_UTF16_LE + "naïve".encode("utf-16-le")) == "naïve"
    assert decode(b"one\r\ntwo\rthree") == "one\ntwo\nthree"
    with pytest.raises(DocumentError, match="binary"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("  \n")
    with pytest.raises(DocumentError, match="empty"):
        load_document(tmp_path / "empty.txt", "empty.txt")


SPEC = """Widget Format
=============

        1. Overview
           1.1. Scope
           1.2. Terms
        2. Layout
           2.1. Header

1. Overview

        A widget file starts with a header and ends with a footer.
        Its total size MUST be less than 4 GiB.

1.1. Scope

        Version   Date          Description
        1.0.0     2020-01-01    First release

        In plain hexadecimal:

            FD 37 7A 58 5A 00

        The header is followed by the body. See the sections
        2.1. and 2.2. for details.

        #include <stdio.h>
"""


def _spec_chunks() -> list:
    return chunk_document(Document("spec.txt", "Widget Format", SPEC))


def test_table_rows_hex_dumps_and_code_are_not_headings() -> None:
    headings = {c.heading for c in _spec_chunks()}
    assert headings <= {"Widget Format", "1. Overview", "1.1. Scope"}, headings


def test_a_table_of_contents_is_text_under_the_title_not_a_run_of_headings() -> None:
    contents = next(c for c in _spec_chunks() if "1.2. Terms" in c.text)
    assert contents.heading == "Widget Format"
    lines = [contents.text[s:e] for s, e in contents.sentences]
    assert "1.1. Scope" in lines and "2.1. Header" in lines


def test_a_section_number_at_a_line_start_does_not_end_a_sentence() -> None:
    text = "Branch filters are listed\n  5.3.2. Delta comes next."
    assert [text[s:e] for s, e in sentence_spans(text)] == [text]


MANUAL = """1. Sections

The manual is split into the sections below, one line each:

       +--------+------------------------------------------------+
       |Section |               Section contents                 |
       +--------+------------------------------------------------+
       |   1    | user executable programs or shell commands     |
       |   2    | system calls (functions provided by the kernel)|
       +--------+------------------------------------------------+

Every page is written by man and com-
pressed with

     gzip -7c

and has a .gz extension appended.  Other pages are stored plain.
                  Valid Responses:
                  Willing, Unwilling
                  Solution:
                  Repeatedly send the packet while waiting
                  for user to choose a manager.
"""


def _manual_sentences() -> list[str]:
    return [c.text[s:e] for c in chunk_document(Document("m.txt", "M", MANUAL)) for s, e in c.sentences]


def test_each_row_of_a_drawn_table_is_a_sentence_and_its_rules_are_left_out() -> None:
    sentences = _manual_sentences()
    assert "|   2    | system calls (functions provided by the kernel)|" in sentences
    assert not any(s.startswith("+---") for s in sentences)
    assert not any("|   1 " in s and "|   2 " in s for s in sentences), "rows are not joined"


def test_a_sentence_unfinished_before_a_code_line_goes_on_after_it() -> None:
    sentences = _manual_sentences()
    whole = next(s for s in sentences if "gzip -7c" in s)
    assert whole.startswith("Every page is written") and whole.endswith("extension appended.")


def test_a_line_whose_sentence_goes_on_in_lower_case_is_no_heading() -> None:
    headings = {c.heading for c in chunk_document(Document("m.txt", "M", MANUAL))}
    assert headings == {"1. Sections"}, headings


def test_words_broken_across_lines_are_joined_in_terms_and_in_what_is_embedded() -> None:
    text = "man will be com-\n   pressed with gzip; Ankara-backed"
    assert "compress" in terms(text) and "com" not in terms(text)
    assert readable(text) == "man will be compressed with gzip; Ankara-backed"
    # A compound name broken at its own hyphen keeps the hyphen.
    assert readable("the python-dev-is-\n  python2 package") == "the python-dev-is-python2 package"


def test_an_acronyms_plural_is_the_acronym_and_an_upper_case_possessive_is_dropped() -> None:
    assert terms("Which RFCs and APIs give the IDs?") == terms("Which RFC and API give the ID?")
    assert terms("ZLIB'S FORMAT") == terms("zlib format")
    assert terms("GAS PRICES") == terms("gas prices")  # shouted words keep their last letter


def test_an_identifier_is_a_term_whole_as_well_as_by_its_parts() -> None:
    found = terms("My old script sets glob_dot_filenames.")
    assert "glob_dot_filenames" in found and "glob" in found
    assert "glob_dot_filenames" not in terms("glob dot filenames")  # prose words are no identifier


PUMP_FAQ = (
    "Pump FAQ\n\n1.1. How do I prime the pump?\n\nFill the housing with water.\n\n"
    "1.2. Is it possible to run the pump without any water in its housing for a\nshort time?\n\n"
    "No. The seal burns within seconds.\n"
)


def heading_over_each_chunk_end(text: str) -> dict[str, str]:
    """Each (small) chunk's last line -> the heading the chunk carries."""
    chunks = chunk_document(Document("f.txt", "Pump FAQ", text), max_chars=60)
    return {c.text.strip().splitlines()[-1]: c.heading for c in chunks}


def test_a_numbered_faq_question_heads_its_answer_even_when_wrapped() -> None:
    assert heading_over_each_chunk_end(PUMP_FAQ)["No. The seal burns within seconds."] == (
        "1.2. Is it possible to run the pump without any water in its housing for a short time?"
    )


def test_each_row_of_a_column_aligned_table_is_a_sentence_but_justified_or_boxed_prose_is_not() -> None:
    table = (
        "The filters are:\n\n    Filter ID   Alignment   Description\n      0x04      1 byte      x86 filter\n"
        "      0x05      4 bytes     PowerPC filter\n      0x06      16 bytes    IA64 filter\n\nThat is all."
    )
    assert [" ".join(table[s:e].split()) for s, e in sentence_spans(table)] == [
        "The filters are:",
        "Filter ID Alignment Description",
        "0x04 1 byte x86 filter",
        "0x05 4 bytes PowerPC filter",
        "0x06 16 bytes IA64 filter",
        "That is all.",
    ]
    justified = "This  is justified text with  double\nspaces that fall  at other\ncolumns on each  line, no table."
    boxed = "*  Covered Software is provided *\n*  on an as is basis, without  *\n*  warranty of any kind.        *"
    for prose in (justified, boxed):
        first_start, first_end = next(sentence_spans(prose))
        assert prose[first_start:first_end].count("\n") == 2, "one sentence over the three lines"


def test_in_a_faq_an_entry_titled_by_a_statement_heads_its_answer_too() -> None:
    faq = PUMP_FAQ + (
        "\n2.1. The pump runs and the motor sounds fine, but no water at all comes out of\nthe hose at its far end.\n\n"
        "Check that the intake sits below the water line.\n"
    )
    assert heading_over_each_chunk_end(faq)["Check that the intake sits below the water line."] == (
        "2.1. The pump runs and the motor sounds fine, but no water at all comes out of the hose at its far end."
    )
    # Without numbered questions, a numbered paragraph is the entry itself (a licence's "5.3. In the event ...").
    terms_ = (
        "Terms\n\n5.2. If You initiate litigation against any entity by asserting a patent\n"
        "infringement claim, the rights granted to You end.\n\nThis is the main rule of the section.\n"
    )
    assert {c.heading for c in chunk_document(Document("t.txt", "Terms", terms_))} == {"Terms"}


ORG = """Key server notes

** Documentation on the lookup protocol:
A minimal HTTP server on port 11371 answers a GET for /pks/lookup.
Keys are uploaded with a POST to /pks/add.

*** Options
The exact switch asks for exact matches only.
* A Markdown-style list item is not a heading.
"""


def test_org_mode_headings_below_the_top_level_head_their_text() -> None:
    chunks = chunk_document(Document("org.txt", "Key server notes", ORG))
    heading_of = {s: c.heading for c in chunks for s in (c.text[a:b] for a, b in c.sentences)}
    port = next(s for s in heading_of if "11371" in s)
    assert heading_of[port] == "Documentation on the lookup protocol:"
    assert heading_of["The exact switch asks for exact matches only."] == "Options"
    assert "A Markdown-style list item is not a heading." not in {c.heading for c in chunks}


RST_GUIDE = """Configuration Values
====================

These are the values you can set.

max_queue_size
--------------

**Default** - ``1000``

The AWS CLI internally uses a producer consumer model, where we queue up S3 tasks
that are then executed by consumers, which in this case utilize a bound thread pool.

multipart_chunksize
-------------------

**Default** - ``8MB``

Once the S3 commands have decided to use multipart operations, the file is divided into chunks.
"""


def test_a_title_over_its_underline_heads_its_section_whatever_its_case() -> None:
    chunks = chunk_document(Document("s3.txt", "S3", RST_GUIDE))
    by_heading = {c.heading: c for c in chunks}
    assert set(by_heading) == {"Configuration Values", "max_queue_size", "multipart_chunksize"}
    assert "``8MB``" in by_heading["multipart_chunksize"].text
    sentences = [c.text[s:e] for c in chunks for s, e in c.sentences]
    assert not [s for s in sentences if "---" in s or "===" in s]  # an underline is no text
    assert_exact_spans(Document("s3.txt", "S3", RST_GUIDE))


@pytest.mark.parametrize(
    "text",
    [
        "The header is followed by the body, which holds the\ncompressed data of the stream.\n-----\n\nNext part.",
        # A separator line after a one-line paragraph: a sentence, not a title.
        "Intro\n\nDon't feel bad: almost everyone gets it wrong at first.\n----------\n\nNext part.",
    ],
)
def test_a_line_of_dashes_under_a_sentence_does_not_make_it_a_heading(text: str) -> None:
    assert {c.heading for c in chunk_document(Document("x.txt", "X", text))} <= {"", "Intro"}


PROBLEMS = """Printing problems

----------------------------------------------------------------------

* The printer prints every page twice.

Some spoolers copy the job once for each tray they find. Set the tray count to one in
the spooler's configuration, or pass the -1 option to the print command, which sends a
single copy whatever the spooler believes.

----------------------------------------------------------------------

* Pages come out blank.

The driver could not find the fonts. Install the font package, then restart the spooler.
"""


def test_a_short_statement_after_a_separator_heads_its_entry() -> None:
    chunks = chunk_document(Document("p.txt", "Printing problems", PROBLEMS))
    by_heading = {c.heading: c for c in chunks}
    assert "The printer prints every page twice." in by_heading
    assert "Set the tray count to one" in by_heading["The printer prints every page twice."].text
    assert "Install the font package" in by_heading["Pages come out blank."].text


STEPS = """Garbled man pages

Some pagers show the escape sequences instead of bold text. There are three ways to fix it.

1. Set the PAGER_NO_SGR environment variable.

2. Pass option -c to the pager.

3. Append the following line to the pager's configuration file:

   disable sgr

2. Grant of Copyright License.

Each contributor grants you a licence to reproduce the work.
"""


def test_a_numbered_step_is_no_heading_but_a_numbered_title_is() -> None:
    headings = {c.heading for c in chunk_document(Document("s.txt", "S", STEPS))}
    assert headings == {"Garbled man pages", "2. Grant of Copyright License."}, headings
