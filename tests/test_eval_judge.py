"""The optional LLM judge (llama-index evaluators), with an LLM that answers from a script."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
from llama_index.core.llms.callbacks import llm_completion_callback

from rag.config import Settings
from rag.evaluate import evaluate
from rag.judge import Judge, Verdict

from eval_scripted import CASES, scripted


class Says(CustomLLM):
    """An LLM that always replies ``reply`` (or raises, when ``reply`` is empty)."""

    reply: str = "YES"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="scripted")

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        if not self.reply:
            raise ConnectionError("no route to the LLM")
        return CompletionResponse(text=self.reply)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Iterator[CompletionResponse]:
        yield self.complete(prompt)


def test_the_judge_scores_faithfulness_and_relevance_as_one_or_zero() -> None:
    assert Judge(Says(reply="YES")).judge("Q?", "A.", ["context"]) == Verdict(faithfulness=1.0, relevance=1.0)
    assert Judge(Says(reply="NO")).judge("Q?", "A.", ["context"]) == Verdict(faithfulness=0.0, relevance=0.0)


def test_judged_runs_add_faithfulness_and_relevance_for_answers_with_citations(tmp_path: Path) -> None:
    result = evaluate(CASES, judge=True, judge_llm=Says(reply="YES"), pipeline=scripted(tmp_path))  # type: ignore[arg-type]
    assert result.summary["judge_faithfulness"] == 1.0 and result.summary["judge_relevance"] == 1.0
    assert result.counts["judge_faithfulness"] == 4  # q1, q2, u2, c1: the scored answers that did not abstain


def test_an_unreachable_judge_is_switched_off_with_a_notice_and_the_run_completes(tmp_path: Path) -> None:
    result = evaluate(CASES, judge=True, judge_llm=Says(reply=""), pipeline=scripted(tmp_path))  # type: ignore[arg-type]
    assert result.summary["judge_faithfulness"] is None
    assert result.notices and "LLM judge switched off" in result.notices[0]
    assert result.summary["fact_recall"] == 0.625


def test_without_an_llm_there_is_no_judge(tmp_path: Path) -> None:
    result = evaluate(CASES, pipeline=scripted(tmp_path))  # type: ignore[arg-type]
    assert result.summary["judge_faithfulness"] is None and result.counts["judge_faithfulness"] == 0


def test_asking_for_a_judge_without_a_configured_llm_says_why_it_was_skipped(tmp_path: Path) -> None:
    pipeline = scripted(tmp_path)
    pipeline.settings = Settings(docs_dir=tmp_path / "docs", index_dir=tmp_path / "index", llm="openai")
    pipeline.settings = pipeline.settings.model_copy(update={"openai_api_key": None, "openai_base_url": ""})
    result = evaluate(CASES, pipeline=pipeline)  # type: ignore[arg-type]
    assert result.notices[0].startswith("LLM judge skipped: no LLM is configured")
    assert result.summary["judge_faithfulness"] is None
