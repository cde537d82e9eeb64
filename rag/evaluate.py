"""Run a Q&A set through the pipeline and score it (``rag eval``; definitions: docs/evaluation.md).

Deterministic: no judge LLM is needed. With an LLM configured, a llama-index judge adds
faithfulness and relevance on top.
"""

from __future__ import annotations

import statistics
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .answer import Pipeline, get_pipeline
from .config import Settings
from .errors import DocumentError, QuestionError
from .judge import Judge, JudgeUnavailable
from .loaders import load_text
from .metrics import (
    fact_found,
    find_spans,
    first_citation_hit,
    first_hit_rank,
    hit_at,
    mean,
    overlaps,
    passage_is_hit,
    percentile,
    ratio,
    reciprocal_rank,
    token_f1,
    word_count,
)
from .qa_format import QACase, Turn, parse_cases, read_cases
from .types import Answer

RETRIEVAL_DEPTH = 5  # hit@5 and MRR look at the top 5 passages, whatever top_k answers with
# Summary keys in the order they are shown; the value is the label of reports.
SUMMARY_LABELS = {
    "hit_at_1": "retrieval hit@1",
    "hit_at_5": "retrieval hit@5",
    "mrr": "retrieval MRR",
    "fact_recall": "fact recall",
    "first_citation_hit": "first-citation hit",
    "token_f1": "token F1",
    "citation_validity": "citation validity",
    "citation_support": "citation support",
    "abstention_precision": "abstention precision",
    "abstention_recall": "abstention recall",
    "false_abstention_rate": "false-abstention rate",
    "answer_words_median": "median answer words",
    "latency_p50_ms": "latency p50 (ms)",
    "latency_p95_ms": "latency p95 (ms)",
    "judge_faithfulness": "LLM judge: faithfulness",
    "judge_relevance": "LLM judge: relevance",
}
CASE_METRICS = ("hit_at_1", "hit_at_5", "mrr", "fact_recall", "first_citation_hit", "token_f1")


@dataclass(frozen=True)
class Passage:
    """A retrieved passage, as the report shows it."""

    rank: int
    source: str
    start: int
    end: int
    text: str
    hit: bool


@dataclass(frozen=True)
class CitationCheck:
    n: int
    source: str
    start: int
    end: int
    quote: str
    valid: bool  # file text[start:end] == quote
    supports: bool | None  # span overlaps the evidence; None when no evidence is given


@dataclass(frozen=True)
class TurnResult:
    expected: Turn
    scored: bool
    answer: Answer | None  # None when the question raised an error
    error: str = ""
    passages: tuple[Passage, ...] = ()
    citations: tuple[CitationCheck, ...] = ()
    facts_found: tuple[bool, ...] = ()
    scores: Mapping[str, float | None] = field(default_factory=dict)

    @property
    def abstained(self) -> bool:
        return self.answer is not None and self.answer.abstained


@dataclass(frozen=True)
class CaseResult:
    id: str
    turns: tuple[TurnResult, ...]
    scores: Mapping[str, float | None]  # mean over the scored turns; None = not applicable
    failures: tuple[str, ...]  # what went wrong, one line each; empty = passed

    @property
    def failed(self) -> bool:
        return bool(self.failures)

    @property
    def scored(self) -> tuple[TurnResult, ...]:
        return tuple(t for t in self.turns if t.scored)


@dataclass(frozen=True)
class EvalResult:
    """Per-case results and the summary of one run (one setting) over a Q&A set."""

    label: str
    settings: Mapping[str, Any]
    cases: tuple[CaseResult, ...]
    summary: Mapping[str, float | int | None]
    counts: Mapping[str, int]  # how many cases (turns, citations) each summary value is over
    notices: tuple[str, ...] = ()

    @property
    def failures(self) -> tuple[CaseResult, ...]:
        return tuple(c for c in self.cases if c.failed)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "settings": dict(self.settings), "summary": dict(self.summary)}

    def __str__(self) -> str:
        lines = [f"{self.label}: {self.summary['cases']} cases, {self.summary['failures']} with failures"]
        for key, label in SUMMARY_LABELS.items():
            value = self.summary.get(key)
            if value is not None:
                lines.append(f"  {label:<26} {format_value(key, value):>8}   (n={self.counts.get(key, 0)})")
        lines.extend(f"  note: {n}" for n in self.notices)
        return "\n".join(lines)


def format_value(key: str, value: float | int | None) -> str:
    if value is None:
        return "–"
    if key.startswith("latency") or key == "answer_words_median":
        return f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else f"{value:.0f}"
    return f"{value:.3f}"


def evaluate(
    qa: Path | str | Iterable[Mapping[str, Any] | QACase],
    settings: Settings | None = None,
    *,
    label: str = "",
    judge: bool | None = None,
    judge_llm: Any = None,
    progress: bool = False,
    pipeline: Pipeline | None = None,
) -> EvalResult:
    """Answer every case of ``qa`` (a Q&A file or cases) and score the answers.

    ``judge`` adds LLM-judge faithfulness and relevance (default: when an LLM is configured).
    """
    cases = read_cases(qa) if isinstance(qa, Path | str) else parse_cases(qa)
    settings = settings or (pipeline.settings if pipeline else Settings())
    pipeline = pipeline or get_pipeline(settings)
    judge_on = settings.use_llm if judge is None else judge
    notices: list[str] = []
    the_judge = None
    if judge_on:
        try:
            the_judge = Judge.for_settings(settings, judge_llm)
        except JudgeUnavailable as exc:
            notices.append(str(exc))
    files = _Files(Path(settings.docs_dir))
    label = label or describe(settings)

    from tqdm import tqdm

    results = []
    with tqdm(cases, desc=label, unit="case", file=sys.stderr, disable=not progress, leave=False) as bar:
        for case in bar:
            results.append(_run_case(case, pipeline, files, the_judge))
    if the_judge and the_judge.notice:
        notices.append(the_judge.notice)
    notices.extend(answer_notices(results))
    summary, counts = summarize(results)
    return EvalResult(label, public_settings(settings), tuple(results), summary, counts, tuple(notices))


def answer_notices(cases: Sequence[CaseResult], limit: int = 3) -> list[str]:
    """The most frequent ``Answer.notice`` lines (e.g. why the LLM fell back), with how often."""
    answers = [t.answer for c in cases for t in c.turns if t.answer is not None]
    counted = Counter(a.notice for a in answers if a.notice)
    return [f"{n} of {len(answers)} answers: {notice}" for notice, n in counted.most_common(limit)]


def describe(settings: Settings) -> str:
    answerer = settings.model if settings.use_llm else "extractive"
    return f"{answerer}, {settings.retrieval}, top_k={settings.top_k}"


def public_settings(settings: Settings) -> dict[str, Any]:
    """The settings that shape the results (no secrets)."""
    return {
        "docs_dir": str(settings.docs_dir),
        "llm": settings.llm,
        "answerer": "llm" if settings.use_llm else "extractive",
        "model": settings.model if settings.use_llm else "",
        "retrieval": settings.retrieval,
        "top_k": settings.top_k,
    }


class _Files:
    """Loaded file texts (what citations point into), read once per file."""

    def __init__(self, docs_dir: Path) -> None:
        self.docs_dir = docs_dir
        self._texts: dict[str, str | None] = {}
        self._spans: dict[tuple[str, str], list[tuple[int, int]]] = {}

    def text(self, source: str) -> str | None:
        if source not in self._texts:
            try:
                self._texts[source] = load_text(self.docs_dir / source)[0]
            except DocumentError:
                self._texts[source] = None
        return self._texts[source]

    def evidence_spans(self, source: str, evidence: str) -> list[tuple[int, int]]:
        key = (source, evidence)
        if key not in self._spans:
            text = self.text(source)
            self._spans[key] = find_spans(text, evidence) if text is not None else []
        return self._spans[key]


def _run_case(case: QACase, pipeline: Pipeline, files: _Files, judge: Judge | None) -> CaseResult:
    history: list[tuple[str, str]] = []
    turns = []
    scored = set(case.scored_turns)
    for i, expected in enumerate(case.turns):
        try:
            answer = pipeline.answer(expected.question, history=list(history))
        except QuestionError as exc:
            # A question the pipeline refuses (too long, empty) fails this case, not the run;
            # its facts count as not found, so an error never raises the fact recall.
            facts = expected.facts if expected.expects_answer else None
            zero = {"fact_recall": 0.0, "first_citation_hit": 0.0} if facts else {}
            found = tuple(False for _ in facts or ())
            turns.append(TurnResult(expected, i in scored, None, error=str(exc), facts_found=found, scores=zero))
            history.append((expected.question, ""))
            continue
        history.append((expected.question, answer.text))
        turns.append(_score_turn(expected, i in scored, answer, pipeline, files, judge))
    scores = {key: mean(t.scores.get(key) for t in turns if t.scored) for key in _TURN_SCORE_KEYS}
    checked = [c for t in turns for c in t.citations]
    scores["citation_validity"] = ratio(sum(c.valid for c in checked), len(checked))
    return CaseResult(case.id, tuple(turns), scores, _failures(case, turns))


_TURN_SCORE_KEYS = (*CASE_METRICS, "decision", "citation_support", "judge_faithfulness", "judge_relevance")


def _score_turn(
    expected: Turn, scored: bool, answer: Answer, pipeline: Pipeline, files: _Files, judge: Judge | None
) -> TurnResult:
    scores: dict[str, float | None] = {}
    citations = tuple(_check_citation(c, expected, files) for c in answer.citations)
    if not scored:
        return TurnResult(expected, False, answer, citations=citations)
    answerable = expected.expects_answer
    if answerable is not None:
        # Per case only (the summary has abstention precision/recall): answered when it should, or abstained.
        scores["decision"] = float(answer.abstained != answerable)
    passages: tuple[Passage, ...] = ()
    if answerable and (expected.evidence or expected.sources):
        retrieval = pipeline.retriever.retrieve(answer.query or expected.question, RETRIEVAL_DEPTH)
        passages = tuple(
            Passage(
                rank,
                p.chunk.doc_id,
                p.chunk.start,
                p.chunk.end,
                p.chunk.text,
                passage_is_hit(p.chunk.doc_id, p.chunk.text, expected.evidence, expected.sources),
            )
            for rank, p in enumerate(retrieval.passages, start=1)
        )
        rank = first_hit_rank([p.hit for p in passages])
        scores.update(hit_at_1=hit_at(rank, 1), hit_at_5=hit_at(rank, 5), mrr=reciprocal_rank(rank))
    found: tuple[bool, ...] = ()
    if answerable and expected.facts:
        found = tuple(fact_found(f, answer.text) for f in expected.facts)
        scores["fact_recall"] = sum(found) / len(found)
        scores["first_citation_hit"] = float(first_citation_hit(expected.facts, [c.quote for c in answer.citations]))
    if answerable and expected.reference_answer:
        scores["token_f1"] = token_f1(answer.text, expected.reference_answer)
    if answerable and expected.evidence and citations:
        scores["citation_support"] = sum(bool(c.supports) for c in citations) / len(citations)
    if judge and not answer.abstained:
        contexts = list(dict.fromkeys(c.context or c.quote for c in answer.citations))
        verdict = judge.judge(expected.question, answer.text, contexts)
        scores.update(judge_faithfulness=verdict.faithfulness, judge_relevance=verdict.relevance)
    return TurnResult(expected, True, answer, "", passages, citations, found, scores)


def _check_citation(citation: Any, expected: Turn, files: _Files) -> CitationCheck:
    text = files.text(citation.source)
    valid = text is not None and text[citation.start : citation.end] == citation.quote
    supports = None
    if expected.evidence:
        span = (citation.start, citation.end)
        supports = any(overlaps(span, e) for ev in expected.evidence for e in files.evidence_spans(citation.source, ev))
    return CitationCheck(citation.n, citation.source, citation.start, citation.end, citation.quote, valid, supports)


def _failures(case: QACase, turns: list[TurnResult]) -> tuple[str, ...]:
    """One line per thing that went wrong, in the scored turns (and invalid citations anywhere)."""
    out: list[str] = []
    many = len(case.scored_turns) > 1
    for i, t in enumerate(turns, start=1):
        prefix = f"turn {i}: " if many or not t.scored else ""
        out.extend(
            f"{prefix}citation [{c.n}] is not the exact span {c.source}:{c.start}-{c.end}"
            for c in t.citations
            if not c.valid
        )
        if not t.scored:
            continue
        if t.error:
            out.append(f"{prefix}error: {t.error}")
            continue
        expected = t.expected.expects_answer
        if expected is True and t.abstained:
            out.append(f"{prefix}abstained, but the documents answer it")
        if expected is False and not t.abstained:
            out.append(f"{prefix}answered, but the documents cannot answer it")
        if not t.abstained and t.facts_found and not all(t.facts_found):
            missing = [f[0] for f, ok in zip(t.expected.facts or (), t.facts_found, strict=True) if not ok]
            out.append(f"{prefix}missing fact(s): " + "; ".join(missing))
        if t.scores.get("hit_at_5") == 0.0:
            what = "the evidence" if t.expected.evidence else "a listed source"
            out.append(f"{prefix}no passage with {what} in the top {RETRIEVAL_DEPTH}")
        # Citing another passage is only wrong when the answer also lacks the expected facts.
        if t.scores.get("citation_support") == 0.0 and t.scores.get("fact_recall", 0.0) != 1.0:
            out.append(f"{prefix}no cited span overlaps the evidence")
        if t.scores.get("judge_faithfulness") == 0.0:
            out.append(f"{prefix}LLM judge: not faithful to the sources")
        if t.scores.get("judge_relevance") == 0.0:
            out.append(f"{prefix}LLM judge: not relevant to the question")
    return tuple(out)


def summarize(cases: Sequence[CaseResult]) -> tuple[dict[str, float | int | None], dict[str, int]]:
    """The summary values and, for each, how many cases (or turns, citations) it is over."""
    summary: dict[str, float | int | None] = {}
    counts: dict[str, int] = {}
    for key in (*CASE_METRICS, "judge_faithfulness", "judge_relevance"):
        values = [c.scores[key] for c in cases if c.scores.get(key) is not None]
        summary[key], counts[key] = mean(values), len(values)
    all_turns = [t for c in cases for t in c.turns]
    scored = [t for c in cases for t in c.scored if t.answer is not None]
    checked = [ch for t in all_turns for ch in t.citations]
    summary["citation_validity"] = ratio(sum(ch.valid for ch in checked), len(checked))
    counts["citation_validity"] = len(checked)
    evidenced = [ch for t in scored if t.expected.expects_answer and t.expected.evidence for ch in t.citations]
    summary["citation_support"] = ratio(sum(bool(ch.supports) for ch in evidenced), len(evidenced))
    counts["citation_support"] = len(evidenced)
    answerable = [t for t in scored if t.expected.expects_answer is True]
    unanswerable = [t for t in scored if t.expected.expects_answer is False]
    abstentions = [t for t in scored if t.abstained and t.expected.expects_answer is not None]
    right_abstentions = sum(t.abstained for t in unanswerable)
    summary["abstention_precision"] = ratio(right_abstentions, len(abstentions))
    summary["abstention_recall"] = ratio(right_abstentions, len(unanswerable))
    summary["false_abstention_rate"] = ratio(sum(t.abstained for t in answerable), len(answerable))
    counts.update(abstention_precision=len(abstentions), abstention_recall=len(unanswerable))
    counts["false_abstention_rate"] = len(answerable)
    answered = [word_count(t.answer.text) for t in scored if t.answer is not None and not t.abstained]
    summary["answer_words_median"] = float(statistics.median(answered)) if answered else None
    counts["answer_words_median"] = len(answered)
    latencies = [t.answer.timings_ms["total"] for t in all_turns if t.answer and "total" in t.answer.timings_ms]
    summary["latency_p50_ms"], summary["latency_p95_ms"] = percentile(latencies, 50), percentile(latencies, 95)
    counts["latency_p50_ms"] = counts["latency_p95_ms"] = len(latencies)
    ordered: dict[str, float | int | None] = {"cases": len(cases), "failures": sum(c.failed for c in cases)}
    for key in SUMMARY_LABELS:
        value = summary[key]
        ordered[key] = round(value, 4) if isinstance(value, float) else value
    return ordered, counts
