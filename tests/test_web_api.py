"""The web app's named API endpoints, called with gradio_client against a running app."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from rag.answer import Pipeline
from rag.config import Settings
from rag.types import Answer

from conftest import make_settings
from web_fixtures import running_app

ALIYEV = "What did Aliyev say about trade?"


@pytest.fixture(scope="module")
def app_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("web_api"))


@pytest.fixture(scope="module")
def app_url(app_settings: Settings) -> Iterator[str]:
    """One app for the read-only tests of this module."""
    with running_app(app_settings) as url:
        yield url


@pytest.fixture(scope="module")
def client(app_url: str) -> Client:
    return Client(app_url, verbose=False)


def test_ask_returns_the_answer_and_its_citations_as_data(client: Client, app_settings: Settings) -> None:
    result = client.predict(ALIYEV, None, api_name="/ask")
    assert "$4 billion" in result["answer"]
    assert result["abstained"] is False
    citation = result["citations"][0]
    assert "$4 billion" in citation["quote"]
    text = (app_settings.docs_dir / citation["source"]).read_text(encoding="utf-8")
    assert text[citation["start"] : citation["end"]] == citation["quote"]
    assert set(citation) >= {"n", "source", "title", "start", "end", "quote", "score", "supported"}


def test_ask_with_history_answers_the_follow_up_and_says_what_was_searched(client: Client) -> None:
    first = client.predict(ALIYEV, None, api_name="/ask")
    follow_up = client.predict("What about Putin?", [[ALIYEV, first["answer"]]], api_name="/ask")
    assert follow_up["query"] != "What about Putin?"
    assert "Putin" in follow_up["query"] and "trade" in follow_up["query"]
    assert follow_up["citations"]


def test_an_empty_question_is_a_one_line_error_not_a_traceback(client: Client) -> None:
    with pytest.raises(AppError) as caught:
        client.predict("   ", None, api_name="/ask")
    message = str(caught.value)
    assert "question is empty" in message
    assert "Traceback" not in message


def test_list_documents_gives_titles_chunks_and_index_time(client: Client) -> None:
    documents = client.predict(api_name="/list_documents")
    assert [d["id"] for d in documents] == ["000_6caf851ee1c755f2.txt", "003_1b07739cf66fc550.txt"]
    assert all(d["chunks"] > 0 and d["title"] and d["indexed_at"] for d in documents)


def test_status_names_the_offline_answerer_and_the_index_size(client: Client) -> None:
    status = client.predict(api_name="/status")
    assert status["answerer"] == "extractive (offline)"
    assert status["llm"] is False
    assert status["documents"] == 2 and status["chunks"] > 2


class SlowPipeline(Pipeline):
    """The real pipeline, one second slower per answer, as a slow LLM would be."""

    def stream_answer(self, *args: Any, **kwargs: Any) -> Iterator[str | Answer]:
        time.sleep(1.0)
        yield from super().stream_answer(*args, **kwargs)


def test_eight_people_asking_at_once_are_answered_together_not_one_by_one(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with running_app(settings, pipeline=SlowPipeline(settings)) as url:
        clients = [Client(url, verbose=False) for _ in range(8)]

        def ask(c: Client) -> tuple[dict, float]:
            started = time.perf_counter()
            result = c.predict(ALIYEV, None, api_name="/ask")
            return result, time.perf_counter() - started

        started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(ask, clients))
        wall = time.perf_counter() - started
    assert all("$4 billion" in r["answer"] for r, _ in results)
    latencies = sorted(seconds for _, seconds in results)
    print(f"\n8 concurrent askers, 1 s answerer: wall {wall:.2f}s, p50 {latencies[3]:.2f}s, max {latencies[-1]:.2f}s")
    assert wall < 4.0  # one after another would take 8 s


def test_uploaded_document_is_answerable_at_once_and_can_be_removed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    note = tmp_path / "lighthouse.md"
    note.write_text("# Lighthouse log\n\nThe zanzibar lighthouse keeper counted exactly 42 storms in 1931.\n")
    with running_app(settings) as url:
        client = Client(url, verbose=False)
        report = client.predict(handle_file(str(note)), api_name="/upload_document")
        assert report["saved"] == ["lighthouse.md"] and report["added"] == ["lighthouse.md"]
        assert (settings.docs_dir / "lighthouse.md").is_file()

        answer = client.predict("How many storms did the zanzibar lighthouse keeper count?", None, api_name="/ask")
        assert "42 storms" in answer["answer"]
        assert answer["citations"][0]["source"] == "lighthouse.md"

        removed = client.predict("lighthouse.md", api_name="/remove_document")
        assert removed["removed"] == "lighthouse.md"
        assert not (settings.docs_dir / "lighthouse.md").exists()
        assert "lighthouse.md" not in [d["id"] for d in client.predict(api_name="/list_documents")]
        after = client.predict("How many storms did the zanzibar lighthouse keeper count?", None, api_name="/ask")
        assert all(c["source"] != "lighthouse.md" for c in after["citations"])


def test_upload_refuses_unsupported_types_and_hidden_names_with_a_reason(client: Client, tmp_path: Path) -> None:
    for name in ("payload.exe", ".hidden.txt"):
        path = tmp_path / name
        path.write_text("some text")
        report = client.predict(handle_file(str(path)), api_name="/upload_document")
        assert report["saved"] == []
        assert report["rejected"][0]["file"] == name
        assert report["rejected"][0]["reason"]


def test_removing_an_unknown_document_is_refused(client: Client) -> None:
    with pytest.raises(AppError, match="not an indexed document"):
        client.predict("../../etc/passwd", api_name="/remove_document")


def test_reindex_reports_an_unchanged_folder(client: Client) -> None:
    report = client.predict(api_name="/reindex")
    assert report["unchanged"] == 2 and report["added"] == [] and report["removed"] == []


def test_login_is_required_when_rag_auth_is_set(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, auth="alice:wonderland")
    with running_app(settings) as url:
        assert httpx.get(url + "config", follow_redirects=True).status_code in (401, 403)
        client = Client(url, auth=("alice", "wonderland"), verbose=False)
        assert client.predict(api_name="/status")["documents"] == 2


def test_mcp_server_offers_the_same_tools(tmp_path: Path) -> None:
    pytest.importorskip("mcp", reason="the MCP server needs the 'mcp' package (pip install 'gradio[mcp]')")
    with running_app(make_settings(tmp_path), mcp_server=True) as url:
        schema = httpx.get(url + "gradio_api/mcp/schema", timeout=30).json()
    names = {tool["name"] for tool in schema}
    assert {"ask", "list_documents", "upload_document", "remove_document"} <= names


def test_with_an_llm_the_status_names_the_model_and_unsupported_claims_come_back_flagged(tmp_path: Path) -> None:
    stub_module = pytest.importorskip("openai_stub", reason="the OpenAI-compatible test server is not available")

    def reply(request: dict) -> Any:
        if stub_module.is_condense(request):
            return stub_module.Reply(ALIYEV)
        return stub_module.Reply("Trade stands at $4 billion, Aliyev said [1]. He was born on Mars [2].")

    stub = stub_module.OpenAIStub(reply)
    settings = make_settings(tmp_path, llm="openai", openai_base_url=stub.base_url, model="stub-model")
    try:
        with running_app(settings) as url:
            client = Client(url, verbose=False)
            assert client.predict(api_name="/status")["answerer"] == "LLM (stub-model)"
            answer = client.predict(ALIYEV, None, api_name="/ask")
    finally:
        stub.close()
    assert answer["mode"] == "llm"
    assert any(c["supported"] is False for c in answer["citations"]) and answer["unsupported_claims"] >= 1
