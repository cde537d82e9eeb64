"""The web chat in a real browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from rag.answer import Pipeline
from rag.config import Settings
from rag.types import Answer

from conftest import make_settings
from web_fixtures import HOSTILE_MARKDOWN, chromium, running_app, screenshot

ALIYEV = "What did Aliyev say about trade?"
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


@contextmanager
def app_page(browser: Any, settings: Settings, **launch: Any) -> Iterator[Any]:
    """A fresh app for ``settings`` and a page open on it; dialogs are recorded in ``page.dialogs``."""
    with running_app(settings, **launch) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(url)
        page.wait_for_selector("#question textarea")
        try:
            yield page
        finally:
            context.close()


@pytest.fixture()
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    """A page on an app of its own, over a copy of the seed articles."""
    with app_page(browser, make_settings(tmp_path / "app")) as page:
        yield page


def ask(page: Any, question: str) -> Any:
    """Type ``question``, send it, wait for its answer; returns the answer's turn element."""
    before = page.locator("#transcript .turn:not(.pending)").count()
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(
        "n => document.querySelectorAll('#transcript .turn:not(.pending)').length > n "
        "&& !document.querySelector('#transcript .turn.pending')",
        arg=before,
    )
    return page.locator("#transcript .turn").nth(before)


def new_chat(page: Any) -> None:
    """Start a new chat and wait until the old transcript is gone."""
    page.click("#new-chat")
    page.wait_for_function("() => document.querySelectorAll('#transcript .turn').length === 0")


def test_an_answer_links_its_marker_to_a_card_with_the_highlighted_quote(page: Any) -> None:
    turn = ask(page, ALIYEV)
    assert "$4 billion" in turn.locator(".answer").inner_text()
    card = turn.locator(".card").first
    assert "003_1b07739cf66fc550.txt" in card.locator(".card-file").inner_text()
    assert "$4 billion" in card.locator("mark.quote").inner_text()
    assert turn.locator("a.cite").first.get_attribute("href") == "#src-0-1"


def test_clicking_a_marker_opens_the_passage_with_the_quote_scrolled_into_view(page: Any, tmp_path: Path) -> None:
    turn = ask(page, ALIYEV)
    turn.locator("a.cite").first.click()
    quote = page.locator("#viewer mark.viewer-quote")
    quote.wait_for()
    assert "$4 billion" in quote.inner_text()
    assert "003_1b07739cf66fc550.txt" in page.locator("#viewer .viewer-file").inner_text()
    in_view = page.evaluate(
        """() => { const m = document.querySelector('#viewer mark.viewer-quote').getBoundingClientRect();
                   const b = document.querySelector('#viewer .viewer-text').getBoundingClientRect();
                   return m.top >= b.top && m.bottom <= b.bottom && m.top >= 0 && m.bottom <= innerHeight; }"""
    )
    assert in_view
    screenshot(page, "sources.png", tmp_path)


def test_clicking_a_card_opens_the_same_passage(page: Any) -> None:
    turn = ask(page, ALIYEV)
    turn.locator(".card").first.click()
    assert "$4 billion" in page.locator("#viewer mark.viewer-quote").inner_text()


def test_a_follow_up_uses_the_conversation_and_shows_what_was_searched(page: Any, tmp_path: Path) -> None:
    ask(page, ALIYEV)
    turn = ask(page, "What about Putin?")
    assert "searched for: “What did Putin say about trade?”" in turn.locator(".answer-meta").inner_text()
    assert "potential" in turn.locator(".answer").inner_text()
    screenshot(page, "chat.png", tmp_path)
    turn.locator("a.cite").first.click()  # markers of later turns open their own citations
    assert "potential" in page.locator("#viewer mark.viewer-quote").inner_text()


def test_an_abstention_reads_as_a_plain_answer_not_an_error(page: Any) -> None:
    turn = ask(page, "Who is the president of France?")
    assert "documents do not say" in turn.locator(".answer.abstained").inner_text()
    assert page.locator("#transcript .error").count() == 0


def test_example_questions_on_first_load_ask_when_clicked(page: Any) -> None:
    assert page.locator("#examples button").count() >= 3
    page.get_by_role("button", name=ALIYEV).click()
    page.wait_for_selector("#transcript .turn .card")
    assert "$4 billion" in page.locator("#transcript .answer").first.inner_text()
    assert not page.locator("#examples").is_visible()


def test_a_saved_chat_reopens_after_a_reload_with_working_citations(page: Any) -> None:
    ask(page, "How long since Putin last visited Azerbaijan?")
    page.reload()
    page.wait_for_selector("#question textarea")
    assert page.locator("#transcript .turn").count() == 0
    page.locator("#chat-list label", has_text="How long since Putin last visited Azerbaijan?").first.click()
    page.wait_for_selector("#transcript .turn .card")
    page.locator("#transcript .card").first.click()
    assert "six years" in page.locator("#viewer mark.viewer-quote").inner_text()


def test_a_saved_chat_survives_a_restart_of_the_app(browser: Any, tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with app_page(browser, settings) as page:
        ask(page, ALIYEV)
    assert (settings.index_dir / "chats.sqlite3").is_file()
    with app_page(browser, settings) as page:
        page.locator("#chat-list label", has_text=ALIYEV).click()
        page.locator("#transcript a.cite").first.click()
        assert "$4 billion" in page.locator("#viewer mark.viewer-quote").inner_text()


def test_new_chat_starts_an_empty_conversation(page: Any) -> None:
    ask(page, ALIYEV)
    page.click("#new-chat")
    page.wait_for_selector("#transcript .empty")
    assert page.locator("#transcript .turn").count() == 0
    assert "Click a source card" in page.locator("#viewer").inner_text()


class StreamingPipeline(Pipeline):
    """The real pipeline, but its answer arrives in slow pieces, as from an LLM."""

    def stream_answer(self, *args: Any, **kwargs: Any) -> Iterator[str | Answer]:
        for piece in ("Looking ", "through ", "the articles… "):
            time.sleep(0.7)
            yield piece
        *_, final = super().stream_answer(*args, **kwargs)
        yield final


def test_the_answer_streams_in_with_a_visible_working_state(browser: Any, tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with app_page(browser, settings, pipeline=StreamingPipeline(settings)) as page:
        page.fill("#question textarea", ALIYEV)
        page.click("#ask")
        page.wait_for_selector("#transcript .pending .working")
        assert page.locator("#ask").is_disabled()
        page.wait_for_selector("#transcript .answer.streaming", state="attached")
        assert "Looking" in page.locator("#transcript .answer.streaming").inner_text()
        page.wait_for_selector("#transcript .turn .card")
        assert page.locator("#transcript .working").count() == 0
        assert "$4 billion" in page.locator("#transcript .answer").first.inner_text()
        assert page.locator("#ask").is_enabled()


def test_the_status_line_names_the_answerer_and_the_index_size(page: Any) -> None:
    status = page.locator("#status")
    status.locator(".status").wait_for()
    assert "extractive (offline)" in status.inner_text()
    assert "2 documents" in status.inner_text()


def upload(page: Any, path: Path) -> str:
    """Upload ``path`` in the Documents tab; returns the message shown once it is indexed."""
    page.get_by_role("tab", name="Documents").click()
    page.locator("#upload input[type=file]").set_input_files(str(path))
    message = page.locator("#docs-message .message")
    message.wait_for()
    return str(message.inner_text())


def test_an_uploaded_document_is_listed_and_answerable_at_once(page: Any, tmp_path: Path) -> None:
    note = tmp_path / "lighthouse.md"
    note.write_text("# Lighthouse log\n\nThe zanzibar lighthouse keeper counted exactly 42 storms in 1931.\n")
    assert "Indexed 1 file (1 chunk): lighthouse.md" in upload(page, note)
    assert "lighthouse.md" in page.locator("#documents table").inner_text()
    assert "3 documents" in page.locator("#status").inner_text()
    screenshot(page, "documents.png", tmp_path)
    page.get_by_role("tab", name="Chat").click()
    turn = ask(page, "How many storms did the zanzibar lighthouse keeper count?")
    assert "42 storms" in turn.locator(".answer").inner_text()
    assert "lighthouse.md" in turn.locator(".card-file").first.inner_text()


def test_an_upload_with_an_unsafe_name_is_refused_with_the_reason(page: Any, tmp_path: Path) -> None:
    bad = tmp_path / "draft..final.md"
    bad.write_text("The zanzibar lighthouse keeper counted 42 storms.")
    assert "draft..final.md refused: the file name 'draft..final.md' contains '..'" in upload(page, bad)
    assert "draft..final.md" not in page.locator("#documents").inner_text()


def test_an_upload_of_an_unsupported_type_is_refused_with_the_accepted_types(page: Any, tmp_path: Path) -> None:
    bad = tmp_path / "notes.exe"
    bad.write_text("not a document")
    page.get_by_role("tab", name="Documents").click()
    # The file picker filters types; a script (or drag and drop) can still send anything.
    page.locator("#upload input[type=file]").set_input_files(str(bad))
    toast = page.locator(".toast-body", has_text="notes.exe")
    toast.wait_for()
    assert "Only .txt, .md" in toast.inner_text()


def test_a_hostile_document_is_shown_as_text_and_runs_nothing(page: Any, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.md"
    hostile.write_text(HOSTILE_MARKDOWN)
    upload(page, hostile)
    assert "<img src=x" in page.locator("#documents table").inner_text()  # the title, as text
    page.get_by_role("tab", name="Chat").click()
    turn = ask(page, "How many storms did the zanzibar lighthouse keeper report?")
    assert "onerror" in turn.locator(".answer").inner_text()
    turn.locator(".card").first.click()
    page.locator("#viewer mark.viewer-quote").wait_for()
    viewer = page.locator("#viewer").inner_text()
    assert "<script>window.__xss" in viewer and "${window.__xss='template'}" in viewer
    new_chat(page)
    ask(page, "<img src=x onerror=\"window.__xss='question'\"> what?")  # a chat title in the list, too
    assert "<img src=x" in page.locator("#chat-list").inner_text()
    page.wait_for_timeout(500)  # let any injected handler fire, if one could
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#transcript img, #viewer img, #documents img, #chat-list img, #transcript script").count() == 0
    assert page.dialogs == []
