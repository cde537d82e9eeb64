"""Reading Q&A sets: the JSONL format of DESIGN.md and llama-index LabelledRagDataset JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.qa_format import QAFileError, read_cases


def write_jsonl(path: Path, *lines: object) -> Path:
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def test_a_single_turn_case_reads_every_key(tmp_path: Path) -> None:
    record = {
        "id": "q1",
        "question": "How much trade?",
        "reference_answer": "About $4 billion.",
        "facts": [["$4 billion", "4 billion"], ["potential"]],
        "sources": ["003_x.txt"],
        "evidence": "a little more than $4 billion",
        "answerable": True,
    }
    (case,) = read_cases(write_jsonl(tmp_path / "qa.jsonl", record))
    (turn,) = case.turns
    assert case.id == "q1" and turn.question == "How much trade?"
    assert turn.facts == (("$4 billion", "4 billion"), ("potential",))
    assert turn.sources == ("003_x.txt",) and turn.evidence == ("a little more than $4 billion",)
    assert turn.reference_answer == "About $4 billion." and turn.expects_answer is True


def test_only_the_question_is_required(tmp_path: Path) -> None:
    (case,) = read_cases(write_jsonl(tmp_path / "qa.jsonl", {"question": "Who?"}))
    turn = case.turns[0]
    assert turn.facts is None and turn.reference_answer is None and turn.evidence == () and turn.sources == ()
    assert turn.expects_answer is None  # unknown: abstention metrics skip it
    assert case.id == "qa.jsonl-line-1"


def test_unanswerable_cases_and_answerability_implied_by_expectations(tmp_path: Path) -> None:
    cases = read_cases(
        write_jsonl(
            tmp_path / "qa.jsonl", {"question": "Who?", "answerable": False}, {"question": "Y?", "facts": [["x"]]}
        )
    )
    assert [c.turns[0].expects_answer for c in cases] == [False, True]


def test_a_conversation_scores_its_last_turn_unless_each_turn_has_facts(tmp_path: Path) -> None:
    last = {"id": "c1", "turns": [{"question": "Who?"}, {"question": "And when?", "facts": [["1850"]]}]}
    every = {"id": "c2", "turns": [{"question": "Who?", "facts": [["Fred"]]}, {"question": "When?", "facts": [["1"]]}]}
    c1, c2 = read_cases(write_jsonl(tmp_path / "qa.jsonl", last, every))
    assert [t.question for t in c1.turns] == ["Who?", "And when?"]
    assert c1.scored_turns == (1,)
    assert c2.scored_turns == (0, 1)


def test_case_level_answerable_applies_to_the_turns(tmp_path: Path) -> None:
    record = {"id": "c1", "answerable": False, "turns": [{"question": "Who?"}, {"question": "When?"}]}
    (case,) = read_cases(write_jsonl(tmp_path / "qa.jsonl", record))
    assert case.turns[-1].expects_answer is False


def test_a_bare_string_fact_is_one_fact_with_one_wording(tmp_path: Path) -> None:
    (case,) = read_cases(write_jsonl(tmp_path / "qa.jsonl", {"question": "Q?", "facts": ["Kursk", ["a", "b"]]}))
    assert case.turns[0].facts == (("Kursk",), ("a", "b"))


def test_blank_lines_are_allowed_and_line_numbers_stay_true(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "qa.jsonl", {"question": "A?"}, "", '{"question": "B?"')
    with pytest.raises(QAFileError, match=r"qa\.jsonl line 3: not valid JSON"):
        read_cases(path)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"id": "x"}, "missing 'question'"),
        ({"question": ""}, "'question' must be a non-empty string"),
        ({"question": "Q?", "facts": "Kursk"}, "'facts' must be a list"),
        ({"question": "Q?", "facts": [[]]}, "fact 1 must be a non-empty list"),
        ({"question": "Q?", "fact": [["x"]]}, "unknown key"),
        ({"question": "Q?", "answerable": "no"}, "'answerable' must be true or false"),
        ({"question": "Q?", "turns": [{"question": "A?"}]}, "either 'question' or 'turns'"),
        ({"turns": []}, "'turns' must be a non-empty list"),
        ({"turns": [{"facts": [["x"]]}]}, "turn 1: 'question' must be a non-empty string"),
        (["Q?"], "expected a JSON object"),
    ],
)
def test_a_bad_line_is_an_error_naming_its_line(tmp_path: Path, line: object, message: str) -> None:
    path = write_jsonl(tmp_path / "qa.jsonl", {"question": "Fine?"}, line)
    with pytest.raises(QAFileError, match=r"qa\.jsonl line 2") as error:
        read_cases(path)
    assert message in str(error.value)


def test_duplicate_ids_are_an_error(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "qa.jsonl", {"id": "q1", "question": "A?"}, {"id": "q1", "question": "B?"})
    with pytest.raises(QAFileError, match=r"id 'q1' is already used at qa\.jsonl line 1"):
        read_cases(path)


def test_an_empty_or_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(QAFileError, match="holds no cases"):
        read_cases(write_jsonl(tmp_path / "empty.jsonl", ""))
    with pytest.raises(QAFileError, match="cannot read"):
        read_cases(tmp_path / "nope.jsonl")


def test_a_llama_index_labelled_rag_dataset_is_read(tmp_path: Path) -> None:
    dataset = {
        "examples": [
            {
                "query": "Who welcomed Putin?",
                "query_by": {"model_name": "gpt-4", "type": "ai"},
                "reference_contexts": ["In Baku, a beaming Aliyev welcomed Putin into his residence with a hug."],
                "reference_answer": "Aliyev.",
                "reference_answer_by": {"type": "human"},
            },
            {"query": "Second?", "reference_contexts": [], "reference_answer": "Yes."},
        ]
    }
    path = tmp_path / "rag_dataset.json"
    path.write_text(json.dumps(dataset, indent=2))
    first, second = read_cases(path)
    assert first.question == "Who welcomed Putin?"
    assert first.turns[0].reference_answer == "Aliyev."
    assert first.turns[0].evidence == ("In Baku, a beaming Aliyev welcomed Putin into his residence with a hug.",)
    assert first.turns[0].expects_answer is True and second.turns[0].evidence == ()


def test_a_labelled_rag_dataset_example_without_a_query_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "rag_dataset.json"
    path.write_text(json.dumps({"examples": [{"reference_answer": "x"}]}))
    with pytest.raises(QAFileError, match="example 1: each example needs a 'query'"):
        read_cases(path)


def test_a_json_array_of_cases_is_read_like_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "qa.json"
    path.write_text(json.dumps([{"id": "a", "question": "A?"}, {"id": "b", "question": "B?", "answerable": False}]))
    assert [c.id for c in read_cases(path)] == ["a", "b"]
