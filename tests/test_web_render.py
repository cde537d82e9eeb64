"""The HTML of the web chat: escaped text, linked markers, highlighted quotes."""

from __future__ import annotations

from rag.chats import Turn
from rag.render import (
    link_markers,
    quote_in_context,
    render_answer,
    render_card,
    render_documents,
    render_status,
    render_transcript,
    render_viewer,
)
from rag.store import IndexedDocument
from rag.types import Answer, Citation

PASSAGE = "Before the quote. Trade stands at $4 billion, Aliyev said. After the quote."
QUOTE = "Trade stands at $4 billion, Aliyev said."


def citation(n: int = 1, **changes: object) -> Citation:
    start = 100 + PASSAGE.index(QUOTE)
    values: dict = dict(
        n=n,
        source="a.txt",
        title="Trade talks",
        start=start,
        end=start + len(QUOTE),
        quote=QUOTE,
        context=PASSAGE,
        context_start=100,
    )
    values.update(changes)
    return Citation(**values)


def test_markers_become_links_to_their_cards() -> None:
    html = link_markers("Trade grew [1]. Also [2].", turn=3, known={1, 2})
    assert '<a class="cite" href="#src-3-1" data-cite="1" data-turn="3" data-n="1"' in html
    assert 'href="#src-3-2"' in html


def test_grouped_markers_link_each_number() -> None:
    html = link_markers("Both [1, 2].", turn=0, known={1, 2})
    assert html.count('class="cite"') == 2


def test_a_bracketed_number_without_a_citation_stays_text() -> None:
    assert link_markers("Array a[7] and [1].", turn=0, known={1}).startswith("Array a[7] and <a")


def test_answer_text_is_escaped() -> None:
    html = link_markers('<img src=x onerror="alert(1)"> [1]', turn=0, known={1})
    assert "<img" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_the_quote_is_highlighted_inside_its_passage() -> None:
    html = quote_in_context(citation())
    assert html == f'Before the quote. <mark class="quote">{QUOTE}</mark> After the quote.'


def test_a_long_passage_is_clipped_around_the_quote() -> None:
    long = "x" * 1000 + QUOTE + "y" * 1000
    html = quote_in_context(citation(context=long, context_start=citation().start - 1000))
    assert html.startswith("…x") and html.endswith("y…")
    assert len(html) < 800


def test_a_quote_without_its_passage_is_shown_alone() -> None:
    assert quote_in_context(citation(context="")) == f'<mark class="quote">{QUOTE}</mark>'


def test_document_text_in_a_card_is_escaped() -> None:
    hostile = "<script>alert(1)</script>"
    html = render_card(0, citation(title=hostile, source="<b>.txt", context=PASSAGE.replace("Before", hostile)))
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html


def test_an_unsupported_citation_is_flagged_not_hidden() -> None:
    html = render_card(0, citation(supported=False))
    assert "card-unsupported" in html and "not supported by this source" in html
    assert QUOTE.replace("$", "$") in html


def test_the_rewritten_query_is_shown_when_it_differs_from_the_question() -> None:
    answer = Answer(text="x [1]", citations=(citation(),), query="What did Putin say about trade?")
    assert "searched for: “What did Putin say about trade?”" in render_answer(0, "What about Putin?", answer)
    same = Answer(text="x", query="What about Putin?")
    assert "searched for" not in render_answer(0, "What about Putin?", same)


def test_a_notice_is_shown_with_the_answer() -> None:
    answer = Answer(text="x", notice="the LLM timed out; this is the extractive answer")
    assert "the LLM timed out" in render_answer(0, "q", answer)


def test_an_abstention_is_a_plain_answer() -> None:
    html = render_answer(0, "q", Answer(text="The documents do not say.", abstained=True))
    assert '<div class="answer abstained">The documents do not say.</div>' in html
    assert "error" not in html


def test_the_transcript_shows_a_working_state_for_a_pending_question() -> None:
    html = render_transcript([Turn("q1", Answer(text="a1"))], pending="<q2>", partial="So far")
    assert 'class="working"' in html and "&lt;q2&gt;" in html and "So far" in html


def test_an_empty_transcript_shows_the_hint() -> None:
    assert "Ask away" in render_transcript([], empty_hint="Ask away")


def test_the_viewer_highlights_the_span_and_escapes_the_document() -> None:
    text = "<h1>Head</h1> quoted part <i>tail</i>"
    start = text.index("quoted")
    html = render_viewer("T", "f.html", text, start, start + len("quoted part"))
    assert '<mark class="viewer-quote" id="viewer-quote">quoted part</mark>' in html
    assert "<h1>" not in html and "&lt;i&gt;tail&lt;/i&gt;" in html


def test_the_documents_table_escapes_titles_and_names() -> None:
    doc = IndexedDocument("<x>.md", "<img src=x>", 3, "h", "2024-01-01T10:00:00+00:00")
    html = render_documents([doc])
    assert "<img" not in html and "&lt;x&gt;.md" in html and "2024-01-01 10:00:00 UTC" in html


def test_the_status_names_the_answerer_and_counts() -> None:
    html = render_status("LLM (gpt-4o-mini)", 1234, 5, notice="fell back")
    assert "LLM (gpt-4o-mini)" in html and "1,234" in html and "5</b> documents" in html and "fell back" in html
