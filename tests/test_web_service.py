"""The web app's actions, without a server: the document viewer, removing and re-indexing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from rag.errors import RagError
from rag.service import WebService

from conftest import make_settings

ALIYEV = "What did Aliyev say about trade?"


@pytest.fixture()
def service(tmp_path: Path) -> WebService:
    return WebService.create(make_settings(tmp_path))


def test_the_viewer_shows_the_whole_document_with_the_quote_marked(service: WebService) -> None:
    citation = service.ask(ALIYEV).citations[0]
    html = service.viewer(citation)
    assert '<mark class="viewer-quote" id="viewer-quote">Total trade turnover' in html
    assert "Russian President Vladimir Putin, making his first visit" in html  # the document's start


def test_the_viewer_falls_back_to_the_quoted_passage_when_the_file_changed(service: WebService) -> None:
    citation = service.ask(ALIYEV).citations[0]
    path = service.settings.docs_dir / citation.source
    path.write_text("Rewritten.\n" + path.read_text())
    html = service.viewer(citation)
    assert "the file changed since this answer" in html
    assert "$4 billion" in html and "viewer-quote" in html


def test_the_viewer_never_reads_outside_the_documents_folder(service: WebService, tmp_path: Path) -> None:
    citation = service.ask(ALIYEV).citations[0]
    secret = tmp_path / "secret.txt"
    secret.write_text("x" * 6000)
    html = service.viewer(replace(citation, source="../secret.txt"))
    assert "xxxx" not in html and "no longer in the documents folder" in html


def test_removing_a_document_deletes_its_file_and_its_chunks(service: WebService) -> None:
    doc_id = "003_1b07739cf66fc550.txt"
    assert service.remove(doc_id) == f"removed {doc_id}"
    assert not (service.settings.docs_dir / doc_id).exists()
    assert [d.id for d in service.documents()] == ["000_6caf851ee1c755f2.txt"]
    assert all(c.source != doc_id for c in service.ask(ALIYEV).citations)


def test_only_indexed_documents_can_be_removed(service: WebService) -> None:
    with pytest.raises(RagError, match="not an indexed document"):
        service.remove("../index/chats.sqlite3")


def test_reindex_picks_up_files_added_to_the_folder(service: WebService) -> None:
    (service.settings.docs_dir / "extra.md").write_text("# Extra\n\nThe zanzibar lighthouse logged 42 storms.\n")
    report = service.reindex()
    assert report.added == ("extra.md",)
    assert "42 storms" in service.ask("How many storms did the zanzibar lighthouse log?").text


def test_the_answerer_is_named_for_the_status_line(tmp_path: Path) -> None:
    offline = WebService.create(make_settings(tmp_path))
    assert offline.answerer() == "extractive (offline)"
    llm = replace(offline, settings=make_settings(tmp_path, llm="openai", model="some-model"))
    assert llm.answerer() == "LLM (some-model)"
