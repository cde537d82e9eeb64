"""The generative mode against a real llama.cpp server (xllamacpp), offline.

SmolLM2-135M is tiny: it rarely writes [n] markers and often invents facts.
That is what these tests need: whatever it writes, the user sees only exact,
verified spans, and what no span supports is flagged.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from rag.answer import Pipeline
from rag.config import Settings
from rag.types import Answer
from rag.verify import MARKER, split_sentences

from llm_support import LlamaCppServer, assert_exact_spans, run_stream, smollm2_path

pytest.importorskip("xllamacpp")
pytest_plugins = ["llm_fixtures"]  # llamacpp, pipeline_for

# Seed questions the tiny model tends to answer in words of the article, so some
# sentences are supported (and get citations) while others are not.
QUESTIONS = (
    "What gesture did the Azerbaijani leader use to greet his Russian guest at his residence?",
    "How many ethnic Armenians fled Karabakh after Azerbaijan's offensive?",
    "Which Russian region did Ukrainian forces push into, causing Putin a problem at home?",
)


FIRST = "What did the Tass news agency ask Polad Bulbuloglu about?"
FOLLOW_UP = "What did he say about it?"


@pytest.fixture(scope="module")
def real(llamacpp: LlamaCppServer, pipeline_for: Callable[..., Pipeline]) -> Pipeline:
    return pipeline_for(llamacpp.base_url, model="smollm2", top_k=2, llm_timeout=90.0)


@pytest.fixture(scope="module")
def streamed(real: Pipeline) -> list[tuple[list[str], Answer]]:
    """Each question answered once through the server (the model is slow on a busy machine)."""
    return [run_stream(real, q) for q in QUESTIONS]


def test_llamacpp_answers_are_generated_by_the_server(streamed: list[tuple[list[str], Answer]]) -> None:
    assert all(a.mode == "llm" and not a.notice.startswith("LLM unavailable") for _, a in streamed)


def test_llamacpp_answers_cite_only_exact_file_spans(
    streamed: list[tuple[list[str], Answer]], seed_settings: Settings
) -> None:
    for _, a in streamed:
        assert_exact_spans(a, seed_settings.docs_dir)
        assert {int(n) for n in MARKER.findall(a.text)} <= {c.n for c in a.citations}
    assert sum(len(a.citations) for _, a in streamed) >= 1


def test_llamacpp_every_sentence_is_cited_or_counted_as_unsupported(
    streamed: list[tuple[list[str], Answer]],
) -> None:
    for _, answer in streamed:
        uncited = [s for s in split_sentences(answer.text) if s.strip() and not MARKER.search(s)]
        flagged = sum(1 for c in answer.citations if not c.supported)
        assert len(uncited) <= answer.unsupported_claims <= len(uncited) + flagged


def test_llamacpp_streamed_text_is_the_final_answer(streamed: list[tuple[list[str], Answer]]) -> None:
    for pieces, answer in streamed:
        assert pieces and "".join(pieces) == answer.text


def test_llamacpp_follow_up_retrieves_the_passage_about_the_earlier_subject(real: Pipeline) -> None:
    first = real.answer(FIRST)
    follow = real.answer(FOLLOW_UP, history=[(FIRST, first.text)])
    passages = real.retriever.retrieve(follow.query, real.settings.top_k).passages
    assert follow.mode == "llm" and follow.query != FOLLOW_UP
    assert any("field of work for consulates" in p.chunk.text for p in passages), follow.query


def test_llamacpp_stopped_mid_conversation_next_answer_is_extractive_within_the_timeout(
    pipeline_for: Callable[..., Pipeline],
) -> None:
    server = LlamaCppServer(smollm2_path(), max_tokens=40)
    pipeline = pipeline_for(server.base_url, model="smollm2", top_k=1, llm_timeout=30.0)
    first = pipeline.answer(QUESTIONS[1])
    server.stop()
    started = time.monotonic()
    second = pipeline.answer("And why did they flee?", history=[(QUESTIONS[1], first.text)])
    assert first.mode == "llm"
    assert second.mode == "extractive" and "could not be reached" in second.notice
    assert time.monotonic() - started < pipeline.settings.llm_timeout
