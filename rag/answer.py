"""The pipeline: question (+ history) -> standalone query -> hybrid retrieval -> answer."""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Iterator

from .condense import History, condense
from .config import Settings
from .embeddings import shared_model
from .errors import QuestionError, RagError
from .extractive import answer_extractive
from .ingest import ingest
from .retrieve import HybridRetriever
from .store import Store
from .types import Answer


def clean_question(question: str, limit: int) -> str:
    """The question with control characters removed; raises ``QuestionError`` if unusable."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
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
        """Yield text pieces as they are ready, then the final ``Answer``."""
        started = time.perf_counter()
        question = clean_question(question, self.settings.max_question_chars)
        if self.store.count() == 0:
            raise RagError(f"the index is empty; add documents to {self.settings.docs_dir} and run 'rag ingest'")
        query = condense(question, history, self.store.bm25().people)
        t0 = time.perf_counter()
        retrieval = self.retriever.retrieve(query, top_k or self.settings.top_k)
        t1 = time.perf_counter()
        result = answer_extractive(query, retrieval, self.store.bm25())
        t2 = time.perf_counter()
        timings = {
            "condense": (t0 - started) * 1000,
            "retrieve": (t1 - t0) * 1000,
            "generate": (t2 - t1) * 1000,
            "total": (t2 - started) * 1000,
        }
        from dataclasses import replace

        final = replace(result, query=query, timings_ms=timings)
        yield final.text
        yield final


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
