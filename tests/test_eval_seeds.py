"""``rag eval`` over the seed articles with the real pipeline, from Python and from the command line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import rag
from rag.compare import compare
from rag.config import Settings
from rag.qa_format import read_cases

from conftest import DATA, ROOT, make_settings

SEEDS_QA = DATA / "seeds_qa.jsonl"
SUMMARY_KEYS = {
    "cases",
    "failures",
    "hit_at_1",
    "hit_at_5",
    "mrr",
    "fact_recall",
    "first_citation_hit",
    "token_f1",
    "citation_validity",
    "citation_support",
    "abstention_precision",
    "abstention_recall",
    "false_abstention_rate",
    "answer_words_median",
    "latency_p50_ms",
    "latency_p95_ms",
}


def recall_by_hand(text: str, facts: list[list[str]]) -> float:
    """Fact recall written from its definition alone, to check ``rag.evaluate`` against."""
    answer = " ".join(re.sub(r"\[\d+\]", " ", text).split()).lower()
    return sum(any(" ".join(alt.split()).lower() in answer for alt in fact) for fact in facts) / len(facts)


def test_fact_recall_agrees_with_an_independent_computation_over_rag_answer(seed_settings: Settings) -> None:
    records = [json.loads(line) for line in SEEDS_QA.read_text().splitlines() if line.strip()]
    by_hand = {}
    for record in records:
        turns = record.get("turns") or [record]
        if record.get("answerable") is False or not turns[-1].get("facts"):
            continue
        if len(turns) > 1 and all(t.get("facts") for t in turns):
            continue  # scored turn by turn; the seed set has none
        history: list[tuple[str, str]] = []
        for turn in turns:
            answer = rag.answer(turn["question"], history=history, settings=seed_settings)
            history.append((turn["question"], answer.text))
        by_hand[record["id"]] = recall_by_hand(answer.text, turns[-1]["facts"])

    result = rag.evaluate(SEEDS_QA, seed_settings)

    scored = {c.id: c.scores["fact_recall"] for c in result.cases if c.scores["fact_recall"] is not None}
    assert scored == by_hand
    assert result.summary["fact_recall"] == round(sum(by_hand.values()) / len(by_hand), 4)


def test_every_citation_of_the_seed_set_is_an_exact_file_span(seed_settings: Settings) -> None:
    result = rag.evaluate(SEEDS_QA, seed_settings)
    assert result.summary["citation_validity"] == 1.0
    assert result.summary["hit_at_5"] is not None and result.summary["mrr"] is not None


def test_compare_runs_the_set_under_each_setting_in_order(seed_settings: Settings) -> None:
    cases = read_cases(SEEDS_QA)[:6]
    first, second = compare(cases, ["top_k=3", "retrieval=bm25+top_k=4"], seed_settings)
    assert (first.label, second.label) == ("top_k=3", "retrieval=bm25+top_k=4")
    assert (first.settings["top_k"], first.settings["retrieval"]) == (3, seed_settings.retrieval)
    assert (second.settings["top_k"], second.settings["retrieval"]) == (4, "bm25")
    assert len(first.cases) == len(second.cases) == 6


def test_rag_eval_prints_the_summary_as_json_and_writes_a_self_contained_report(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    env = {**os.environ, "RAG_DOCS_DIR": str(settings.docs_dir), "RAG_INDEX_DIR": str(settings.index_dir)}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    report = tmp_path / "report"
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "eval", str(SEEDS_QA), "--json", "--report", str(report), "--llm", "none"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert SUMMARY_KEYS <= set(summary)
    assert summary["cases"] == len(read_cases(SEEDS_QA))
    assert 0 <= summary["hit_at_5"] <= 1 and 0 <= summary["mrr"] <= 1
    html = (report / "report.html").read_text()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html)
    assert ('<h2 id="failures">' in html and '<table class="cases failures">' in html) or "No failures." in html
    assert re.search(r'<img alt="[^"]*" src="data:image/png;base64,[A-Za-z0-9+/]{100,}', html)
    assert (report / "report.md").read_text().startswith("# Evaluation report")


def test_a_bad_qa_file_exits_with_one_line_naming_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "fine?"}\n{"question": \n')
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "eval", str(bad)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: bad.jsonl line 2: not valid JSON (Expecting value at column 14); each line must be one JSON object"
    ]
