"""The pipeline: question (+ history) -> standalone query -> hybrid retrieval -> answer."""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from .condense import History, condense
from .config import Settings
from .embeddings import shared_model
from .errors import QuestionError, RagError
from .extractive import answer_extractive
from .ingest import ingest
from .retrieve import HybridRetriever, Retrieval
from .store import Store
from .types import Answer

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # the LLM modules are imported only when an LLM is configured
    from .llm import LlmAnswerer, LlmFailure


_ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


def clean_question(question: str, limit: int) -> str:
    """The question with control characters removed; raises ``QuestionError`` if unusable."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    question = _ANSI_ESCAPE.sub("", question)  # colour codes pasted from a terminal
    if question.isprintable():  # the usual case: nothing to replace, no per-character pass
        text = question
    else:
        text = "".join(ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " " for ch in question)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty; type a question about the documents")
    if len(text) > limit:
        raise QuestionError(
            f"the question is {len(text):,} characters long; the limit is {limit:,} "
            "(RAG_MAX_QUESTION_CHARS): ask something shorter"
        )
    return text


class Pipeline:
    """Everything needed to answer, built once from ``Settings`` and reused (thread-safe)."""

    def __init__(self, settings: Settings | None = None, build_if_missing: bool = True) -> None:
        self.settings = settings or Settings()
        self.model = shared_model()
        self.store = Store(self.settings)
        if build_if_missing and self.store.count() == 0:
            ingest(self.settings, store=self.store)
        self.retriever = HybridRetriever(self.store, self.model, self.settings.retrieval)
        self._llm: LlmAnswerer | None = None
        self._llm_lock = threading.Lock()

    def answer(self, question: str, history: History | None = None, top_k: int | None = None) -> Answer:
        final = None
        for piece in self.stream_answer(question, history, top_k):
            if isinstance(piece, Answer):
                final = piece
        assert final is not None
        return final

    def stream_answer(
        self, question: str, history: History | None = None, top_k: int | None = None
    ) -> Iterator[str | Answer]:
        """Yield text pieces as they are ready, then the final ``Answer``.

        The final ``Answer`` is authoritative: when the LLM fails after some text
        was streamed, the extractive answer that replaces it follows.
        """
        started = time.perf_counter()
        question = clean_question(question, self.settings.max_question_chars)
        if self.store.count() == 0:
            raise RagError(f"the index is empty; add documents to {self.settings.docs_dir} and run 'rag ingest'")
        people = self.store.bm25().people
        deadline = time.monotonic() + self.settings.llm_timeout  # one budget for every LLM call of this answer
        failure = None
        if self.settings.use_llm:
            query, failure = self.llm.condense(question, history, deadline, lambda q, h: condense(q, h, people))
        else:
            query = condense(question, history, people)
        t0 = time.perf_counter()
        retrieval = self.retriever.retrieve(query, top_k or self.settings.top_k)
        t1 = time.perf_counter()
        result = None
        streamed = False
        if self.settings.use_llm:
            for piece in self._generate(query, retrieval, deadline, failure):
                if isinstance(piece, str):
                    streamed = True
                    yield piece
                else:
                    result, failure = piece
        if result is None:
            result = answer_extractive(query, retrieval, self.store.bm25())
            if failure is not None:
                from .llm import fallback_notice

                log.warning("LLM answer failed (%s); falling back to the extractive answer", failure)
                result = replace(result, notice=fallback_notice(failure))
            # After a partial LLM answer, the extractive one follows on its own paragraph.
            yield ("\n\n" if streamed else "") + result.text
        t2 = time.perf_counter()
        timings = {
            "condense": (t0 - started) * 1000,
            "retrieve": (t1 - t0) * 1000,
            "generate": (t2 - t1) * 1000,
            "total": (t2 - started) * 1000,
        }
        yield replace(result, query=query, timings_ms=timings)

    @property
    def llm(self) -> LlmAnswerer:
        """The generative answerer, built on first use (its imports cost a second)."""
        with self._llm_lock:
            if self._llm is None:
                from .llm import LlmAnswerer

                self._llm = LlmAnswerer(self.settings)
            return self._llm

    def _generate(
        self, query: str, retrieval: Retrieval, deadline: float, failure: LlmFailure | None
    ) -> Iterator[str | tuple[Answer | None, LlmFailure | None]]:
        """The verified LLM answer (text streamed as it is verified), or why there is none."""
        from .llm import Generated, LlmFailure, llm_notice

        if failure is not None and failure.unreachable:
            yield None, failure  # the rewrite just found the server down: do not wait for it twice
            return
        bm25 = self.store.bm25()
        generated = None
        try:
            for piece in self.llm.stream(
                query, retrieval, deadline, self.model.embed, lambda t: bm25.idf(t) if bm25.knows(t) else 0.0
            ):
                if isinstance(piece, Generated):
                    generated = piece
                else:
                    yield piece
        except LlmFailure as exc:
            yield None, exc
            return
        assert generated is not None
        v = generated.verified
        answer = Answer(
            text=v.text,
            citations=v.citations,
            abstained=v.abstained,
            mode="llm",
            notice=llm_notice(generated, len(retrieval.passages)),
            unsupported_claims=v.unsupported,
        )
        yield answer, None


_pipelines: dict[Settings, Pipeline] = {}
_pipelines_lock = threading.Lock()


def get_pipeline(settings: Settings | None = None) -> Pipeline:
    """The pipeline for ``settings`` (default: from the environment), built on first use."""
    settings = settings or Settings()
    with _pipelines_lock:
        pipeline = _pipelines.get(settings)
        if pipeline is None:
            pipeline = _pipelines[settings] = Pipeline(settings)
        return pipeline


def answer(
    question: str, history: History | None = None, settings: Settings | None = None, top_k: int | None = None
) -> Answer:
    """Answer ``question`` from the documents, citing exact spans; see ``Answer``."""
    return get_pipeline(settings).answer(question, history, top_k)


def stream_answer(
    question: str, history: History | None = None, settings: Settings | None = None, top_k: int | None = None
) -> Iterator[str | Answer]:
    """Like ``answer`` but yields text as it arrives and ends with the final ``Answer``."""
    return get_pipeline(settings).stream_answer(question, history, top_k)
