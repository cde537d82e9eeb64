"""Optional LLM judge for ``rag eval``: faithfulness and relevance with llama-index evaluators.

Only used when an LLM is configured; every other metric is deterministic. A judge that
fails (no network, bad key) is switched off for the rest of the run with one notice,
instead of waiting for a timeout on every case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .config import Settings


@dataclass(frozen=True)
class Verdict:
    faithfulness: float | None
    relevance: float | None


class Judge:
    """Scores an answer's faithfulness to its contexts and its relevance to the question (1 or 0)."""

    def __init__(self, llm: Any, settings: Settings | None = None) -> None:
        from llama_index.core.evaluation import FaithfulnessEvaluator, RelevancyEvaluator

        self._faithfulness = FaithfulnessEvaluator(llm=llm)
        self._relevance = RelevancyEvaluator(llm=llm)
        self._settings = settings
        self.notice = ""

    @classmethod
    def for_settings(cls, settings: Settings, llm: Any = None) -> Judge | None:
        """A judge using the LLM of ``settings`` (or ``llm``); None, with the reason, when there is none."""
        if llm is None:
            from .llm import LlmFailure, build_llm

            try:
                llm = build_llm(settings)
            except LlmFailure as exc:
                raise JudgeUnavailable(f"LLM judge skipped: {exc}") from exc
        return cls(llm, settings)

    @property
    def active(self) -> bool:
        return not self.notice

    def judge(self, question: str, answer: str, contexts: Sequence[str]) -> Verdict:
        if not self.active or not contexts:
            return Verdict(None, None)
        try:
            faithful = self._faithfulness.evaluate(query=question, response=answer, contexts=list(contexts))
            relevant = self._relevance.evaluate(query=question, response=answer, contexts=list(contexts))
        except Exception as exc:  # the judge is optional: any failure of the LLM stops it, not the run
            detail = f"{type(exc).__name__}: {exc}"
            if self._settings is not None:
                from .llm import mask_secrets

                detail = mask_secrets(detail, self._settings)
            self.notice = f"LLM judge switched off after an error: {detail[:200]}"
            return Verdict(None, None)
        return Verdict(faithful.score, relevant.score)


class JudgeUnavailable(Exception):
    """No LLM to judge with; ``str()`` is the notice for the report."""
