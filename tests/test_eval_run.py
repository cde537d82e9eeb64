"""``evaluate`` on the hand-made Freedonia set (tests/eval_scripted.py): every value is known."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.evaluate import EvalResult, evaluate

from eval_scripted import CASES, ScriptedPipeline, scripted


@pytest.fixture()
def run(tmp_path: Path) -> tuple[EvalResult, ScriptedPipeline]:
    pipeline = scripted(tmp_path)
    return evaluate(CASES, pipeline=pipeline), pipeline  # type: ignore[arg-type]


def test_retrieval_hits_and_mrr_use_the_top_five_passages_of_the_standalone_query(run) -> None:
    result, pipeline = run
    assert result.summary["hit_at_1"] == 0.5  # q2, c1
    assert result.summary["hit_at_5"] == 0.75  # q1, q2, c1
    assert result.summary["mrr"] == 0.625  # (1/2 + 1 + 0 + 1) / 4
    assert ("When did Fred found Fredville?", 5) in pipeline.retriever.calls


def test_fact_recall_is_the_mean_share_of_facts_found_over_answerable_cases(run) -> None:
    result, _ = run
    assert result.summary["fact_recall"] == 0.625  # (1/2 + 1 + 0 + 1) / 4
    assert {c.id: c.scores["fact_recall"] for c in result.cases}["q1"] == 0.5


def test_first_citation_hit_checks_the_first_cited_sentence(run) -> None:
    result, _ = run
    assert result.summary["first_citation_hit"] == 0.75  # q3 cites nothing


def test_token_f1_is_scored_only_where_a_reference_answer_is_given(run) -> None:
    result, _ = run
    # "capital of freedonia is fredville" vs "fredville has 300 bridges": P = 1/5, R = 1/4
    assert result.summary["token_f1"] == pytest.approx(0.2222, abs=1e-4)
    assert result.counts["token_f1"] == 1


def test_citation_validity_counts_every_citation_of_every_turn(run) -> None:
    result, _ = run
    assert result.summary["citation_validity"] == pytest.approx(5 / 6, abs=1e-4)
    assert result.counts["citation_validity"] == 6


def test_citation_support_is_the_share_of_citations_overlapping_the_evidence(run) -> None:
    result, _ = run
    assert result.summary["citation_support"] == pytest.approx(1 / 3, abs=1e-4)  # q1: 0 of 1, q2: 1 of 2


def test_abstention_precision_recall_and_false_abstentions(run) -> None:
    result, _ = run
    assert result.summary["abstention_recall"] == 0.5  # u1 abstained, u2 answered
    assert result.summary["abstention_precision"] == 0.5  # abstentions: u1 (right), q3 (wrong)
    assert result.summary["false_abstention_rate"] == 0.25  # q3 of q1, q2, q3, c1


def test_answer_length_and_latency(run) -> None:
    result, _ = run
    assert result.summary["answer_words_median"] == 5.5  # 6, 8, 4, 5 words, markers removed
    assert result.summary["latency_p50_ms"] == 40.0  # every answer: 10 ... 70 ms
    assert result.summary["latency_p95_ms"] == 67.0


def test_failures_say_what_went_wrong(run) -> None:
    result, _ = run
    failures = {c.id: c.failures for c in result.failures}
    assert set(failures) == {"q1", "q2", "u2", "q3"}
    assert "missing fact(s): 300" in failures["q1"]
    assert any("citation [2] is not the exact span" in f for f in failures["q2"])
    assert failures["u2"] == ("answered, but the documents cannot answer it",)
    assert "abstained, but the documents answer it" in failures["q3"]
    assert result.summary["failures"] == 4 and result.summary["cases"] == 6


def test_turns_run_in_order_with_the_history_of_the_conversation(run) -> None:
    _, pipeline = run
    calls = dict(pipeline.calls)
    assert calls["Who founded Fredville?"] == []
    assert calls["When did he do it?"] == [("Who founded Fredville?", "Fred founded Fredville in 1850. [1]")]


def test_only_the_last_turn_is_scored_unless_every_turn_has_facts(tmp_path: Path) -> None:
    pipeline = scripted(tmp_path)
    both = {
        "id": "c2",
        "turns": [
            {"question": "Who founded Fredville?", "facts": [["miller"]]},
            {"question": "When did he do it?", "facts": [["1850"]]},
        ],
    }
    result = evaluate([CASES[5], both], pipeline=pipeline)  # type: ignore[arg-type]
    last_only, every = result.cases
    assert [t.scored for t in last_only.turns] == [False, True]
    assert every.scores["fact_recall"] == 0.5  # turn 1 misses "miller", turn 2 has "1850"


def test_metrics_that_need_a_missing_key_are_skipped(tmp_path: Path) -> None:
    pipeline = scripted(tmp_path)
    result = evaluate([{"question": "Who is the mayor?"}], pipeline=pipeline)  # type: ignore[arg-type]
    (case,) = result.cases
    assert all(v is None for v in case.scores.values())
    assert not case.failed
    assert result.summary["fact_recall"] is None and result.summary["hit_at_5"] is None


def test_a_question_the_pipeline_refuses_fails_its_case_and_scores_zero(tmp_path: Path) -> None:
    pipeline = scripted(tmp_path)
    too_long = "Why? " * 1000
    limit = pipeline.settings.max_question_chars

    def refuse(question: str, history: object = None, top_k: object = None) -> object:
        from rag.answer import clean_question

        return pipeline.answers[clean_question(question, limit)]

    pipeline.answer = refuse  # type: ignore[method-assign]
    result = evaluate([{"id": "long", "question": too_long, "facts": [["x"]]}], pipeline=pipeline)  # type: ignore[arg-type]
    (case,) = result.cases
    assert case.scores["fact_recall"] == 0.0
    assert case.failures[0].startswith("error: the question is") and "RAG_MAX_QUESTION_CHARS" in case.failures[0]
