"""The generative mode against a scripted OpenAI-compatible server (real HTTP, real clients).

The server plays what a real model will not do on demand: invented markers,
uncited claims, malformed JSON, hangs, rate limits, server errors.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from rag import cli
from rag.answer import Pipeline
from rag.config import Settings
from rag.llm import MAX_ATTEMPTS, build_llm
from rag.types import Answer

from llm_support import assert_exact_spans, llm_settings, run_stream
from openai_stub import OpenAIStub, Reply, first_sentence, is_condense, sources_of

pytest_plugins = ["llm_fixtures"]  # stub, pipeline_for

QUESTION = "Who is Azerbaijan's ambassador to Moscow?"
FOLLOW_UP = "What did he say about it?"
REWRITE = "What did the ambassador Polad Bulbuloglu say about a Russian consulate in Karabakh?"
KEY = "sk-test-SECRET0123456789abcdef"


@pytest.fixture()
def llm(stub: OpenAIStub, pipeline_for: Callable[..., Pipeline]) -> Pipeline:
    return pipeline_for(stub.base_url)


def answer_requests(stub: OpenAIStub) -> list[dict[str, Any]]:
    return [r for r in stub.requests if not is_condense(r)]


def quoting(*extra: str) -> Callable[[dict[str, Any]], Reply]:
    """A responder that cites the first source's first sentence, then says ``extra``."""
    return lambda request: Reply(" ".join([f"{first_sentence(sources_of(request)[1])} [1]", *extra]))


# -- the request -----------------------------------------------------------------------
def test_request_carries_the_retrieved_passages_numbered_in_rank_order(llm: Pipeline, stub: OpenAIStub) -> None:
    llm.answer(QUESTION)
    (request,) = answer_requests(stub)
    passages = llm.retriever.retrieve(QUESTION, llm.settings.top_k).passages
    sent = sources_of(request)
    assert list(sent) == list(range(1, len(passages) + 1))
    assert [sent[n + 1] for n in range(len(passages))] == [" ".join(p.chunk.text.split()) for p in passages]
    assert request["stream"] is True and request["model"] == "stub-model"


# -- verified citations ------------------------------------------------------------------
def test_generated_answer_cites_exact_file_spans(llm: Pipeline, stub: OpenAIStub, seed_settings: Settings) -> None:
    answer = llm.answer(QUESTION)
    assert answer.mode == "llm" and answer.citations
    assert all(c.supported for c in answer.citations)
    assert_exact_spans(answer, seed_settings.docs_dir)


def test_invented_marker_never_reaches_the_user_and_the_notice_says_so(llm: Pipeline, stub: OpenAIStub) -> None:
    stub.reset(quoting("Karabakh was mentioned too [9]."))
    pieces, answer = run_stream(llm, QUESTION)
    assert "[9]" not in "".join(pieces) and "[9]" not in answer.text
    assert "[9]" in answer.notice and "Removed" in answer.notice
    assert answer.citations and all(1 <= c.n <= len(answer.citations) for c in answer.citations)


def test_unsupported_sentence_is_flagged_and_counted(llm: Pipeline, stub: OpenAIStub) -> None:
    stub.reset(quoting("The ambassador was born on Mars in 1802 [1]."))
    answer = llm.answer(QUESTION)
    assert answer.unsupported_claims == 1
    assert [c.supported for c in answer.citations] == [True, False]
    assert "not supported" in answer.notice and "[not supported by the source]" in str(answer)


def test_uncited_claim_is_counted_as_unsupported(llm: Pipeline, stub: OpenAIStub) -> None:
    stub.reset(quoting("Putin also visited the Moon."))
    answer = llm.answer(QUESTION)
    assert answer.unsupported_claims == 1
    assert answer.text.endswith("Putin also visited the Moon.")


def test_no_answer_reply_is_an_abstention(llm: Pipeline, stub: OpenAIStub) -> None:
    stub.script(Reply("The documents do not say."))
    answer = llm.answer("What is the capital of France?")
    assert answer.abstained and answer.mode == "llm" and not answer.citations


# -- streaming -------------------------------------------------------------------------
def test_answer_streams_sentence_by_sentence_before_the_model_finishes(llm: Pipeline, stub: OpenAIStub) -> None:
    stub.reset(lambda r: Reply(" ".join(f"{first_sentence(t)} [{n}]" for n, t in sources_of(r).items()), pause=0.01))
    started, arrivals, pieces = time.monotonic(), [], []
    for piece in llm.stream_answer(QUESTION):
        arrivals.append(time.monotonic() - started)
        if isinstance(piece, Answer):
            answer = piece
        else:
            pieces.append(piece)
    assert len(pieces) >= 3
    assert "".join(pieces) == answer.text
    assert arrivals[0] < arrivals[-1] - 0.3  # the first sentence came well before the end


# -- failures fall back to the extractive answer --------------------------------------------
def test_malformed_json_falls_back_to_the_extractive_answer_with_a_notice(llm: Pipeline, stub: OpenAIStub) -> None:
    stub.script(Reply(raw='{"choices": [{"delta": {"content": "half'))
    answer = llm.answer(QUESTION)
    assert answer.mode == "extractive"
    assert "malformed" in answer.notice and "\n" not in answer.notice


def test_a_hang_past_the_timeout_falls_back_within_the_timeout(
    stub: OpenAIStub, pipeline_for: Callable[..., Pipeline]
) -> None:
    pipeline = pipeline_for(stub.base_url, llm_timeout=1.5)
    stub.script(Reply("too late [1].", delay=30))
    started = time.monotonic()
    answer = pipeline.answer(QUESTION)
    assert time.monotonic() - started < 1.5 + 1.0
    assert answer.mode == "extractive" and "RAG_LLM_TIMEOUT" in answer.notice


def test_rate_limit_is_retried_with_back_off_then_answered(llm: Pipeline, stub: OpenAIStub) -> None:
    stub.script(Reply(status=429, error="slow down", headers={"Retry-After": "0.2"}))
    started = time.monotonic()
    answer = llm.answer(QUESTION)
    assert answer.mode == "llm" and not answer.notice
    assert len(stub.requests) == 2
    assert time.monotonic() - started >= 0.2


def test_retries_are_bounded_and_then_fall_back(llm: Pipeline, stub: OpenAIStub) -> None:
    stub.script(*[Reply(status=429, error="slow down", headers={"Retry-After": "0.05"})] * (MAX_ATTEMPTS + 2))
    answer = llm.answer(QUESTION)
    assert len(stub.requests) == MAX_ATTEMPTS
    assert answer.mode == "extractive" and "429" in answer.notice


def test_server_error_falls_back_with_a_notice(llm: Pipeline, stub: OpenAIStub) -> None:
    stub.script(*[Reply(status=500, error="boom")] * MAX_ATTEMPTS)
    answer = llm.answer(QUESTION)
    assert answer.mode == "extractive" and "HTTP 500" in answer.notice
    assert answer.text  # the extractive answer, not an error


def test_context_too_long_trims_the_sources_and_retries(llm: Pipeline, stub: OpenAIStub) -> None:
    stub.script(Reply(status=400, error="the request exceeds the available context size, try increasing it"))
    answer = llm.answer(QUESTION)
    first, second = (len(sources_of(r)) for r in answer_requests(stub))
    assert second < first
    assert answer.mode == "llm" and f"top {second} of {first}" in answer.notice


def test_server_down_falls_back_at_once(pipeline_for: Callable[..., Pipeline]) -> None:
    gone = OpenAIStub()
    gone.close()
    pipeline = pipeline_for(gone.base_url, llm_timeout=5)
    started = time.monotonic()
    answer = pipeline.answer(FOLLOW_UP, history=[(QUESTION, "Polad Bulbuloglu [1].")])
    assert time.monotonic() - started < 2
    assert answer.mode == "extractive" and "could not be reached" in answer.notice
    assert "Bulbuloglu" in answer.query  # the offline rewrite stands in for the model's


def test_server_stopped_mid_conversation_the_next_answer_falls_back(
    seed_settings: Settings, pipeline_for: Callable[..., Pipeline]
) -> None:
    server = OpenAIStub()
    pipeline = pipeline_for(server.base_url, llm_timeout=3)
    first = pipeline.answer(QUESTION)
    server.close()
    started = time.monotonic()
    second = pipeline.answer(FOLLOW_UP, history=[(QUESTION, first.text)])
    assert first.mode == "llm" and second.mode == "extractive"
    assert second.notice and time.monotonic() - started < 3


# -- conversations -------------------------------------------------------------------------
def test_follow_up_is_rewritten_by_the_llm_before_retrieval(llm: Pipeline, stub: OpenAIStub) -> None:
    stub.reset(lambda r: Reply(REWRITE) if is_condense(r) else OpenAIStub.quote_first_source(r))
    answer = llm.answer(FOLLOW_UP, history=[(QUESTION, "Polad Bulbuloglu is the ambassador [1].")])
    condense_request, answer_request = stub.requests
    assert "Polad Bulbuloglu is the ambassador" in condense_request["messages"][-1]["content"]
    assert answer.query == REWRITE
    assert any("field of work for consulates" in text for text in sources_of(answer_request).values())


def test_rewrite_that_only_echoes_the_follow_up_is_replaced_offline(llm: Pipeline, stub: OpenAIStub) -> None:
    answer = llm.answer(FOLLOW_UP, history=[(QUESTION, "Polad Bulbuloglu is the ambassador [1].")])
    assert answer.query != FOLLOW_UP and "Bulbuloglu" in answer.query
    assert answer.mode == "llm"


# -- secrets ---------------------------------------------------------------------------------
def test_api_key_never_appears_in_logs_errors_or_answers(
    stub: OpenAIStub, pipeline_for: Callable[..., Pipeline], caplog: pytest.LogCaptureFixture
) -> None:
    pipeline = pipeline_for(stub.base_url, openai_api_key=KEY)
    stub.script(Reply(status=401, error=f"Incorrect API key provided: {KEY}"))
    with caplog.at_level(logging.DEBUG):
        answer = pipeline.answer(QUESTION)
    assert stub.headers[-1]["Authorization"] == f"Bearer {KEY}"  # it was sent, so it could have leaked
    assert "rejected the API key" in answer.notice
    for text in (caplog.text, str(answer), json.dumps(answer.to_dict()), repr(pipeline.settings)):
        assert KEY not in text


# -- building the client ----------------------------------------------------------------------
def test_openai_models_use_the_openai_class_and_other_servers_openailike(seed_settings: Settings) -> None:
    from llama_index.llms.openai import OpenAI
    from llama_index.llms.openai_like import OpenAILike

    openai_llm = build_llm(llm_settings(seed_settings, "", openai_api_key=KEY, model="gpt-4o-mini"))
    local = build_llm(llm_settings(seed_settings, "http://127.0.0.1:11434/v1", model="llama3.2"))
    assert type(openai_llm) is OpenAI and openai_llm.max_retries == 0
    assert isinstance(local, OpenAILike) and local.is_chat_model and local.api_base == "http://127.0.0.1:11434/v1"


def test_known_model_behind_a_base_url_also_works(stub: OpenAIStub, pipeline_for: Callable[..., Pipeline]) -> None:
    answer = pipeline_for(stub.base_url, model="gpt-4o-mini").answer(QUESTION)
    assert answer.mode == "llm" and stub.requests[-1]["model"] == "gpt-4o-mini"


def test_without_llm_settings_no_llm_code_is_imported(seed_settings: Settings, seed_pipeline: Pipeline) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "RAG_"))}
    env.update(RAG_DOCS_DIR=str(seed_settings.docs_dir), RAG_INDEX_DIR=str(seed_settings.index_dir))
    code = (
        f"import sys; from rag import answer; a = answer({QUESTION!r}); "
        "print(a.mode, sorted(m for m in sys.modules "
        "if m in ('rag.llm', 'rag.verify', 'openai') or m.startswith('llama_index.llms.openai')))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "extractive []", out.stderr[-2000:]


# -- the command line -------------------------------------------------------------------------
@pytest.fixture()
def cli_env(monkeypatch: pytest.MonkeyPatch, seed_settings: Settings, stub: OpenAIStub) -> None:
    for name in ("OPENAI_API_KEY", "RAG_OPENAI_API_KEY", "RAG_TOP_K", "RAG_LLM_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAG_DOCS_DIR", str(seed_settings.docs_dir))
    monkeypatch.setenv("RAG_INDEX_DIR", str(seed_settings.index_dir))
    monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
    monkeypatch.setenv("RAG_MODEL", "stub-model")


def test_rag_ask_prints_the_streamed_answer_then_its_sources(cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["ask", QUESTION]) == 0
    out = capsys.readouterr().out
    text, sources = out.split("\n\nSources:\n")
    assert text.endswith("[1].") and sources.startswith("[1] ")


def test_rag_chat_condenses_follow_ups_and_shows_the_search(
    cli_env: None, stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stub.reset(lambda r: Reply(REWRITE) if is_condense(r) else OpenAIStub.quote_first_source(r))
    lines = iter([QUESTION, FOLLOW_UP, "/quit"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    assert cli.main(["chat"]) == 0
    assert f"(searched for: {REWRITE})" in capsys.readouterr().out
