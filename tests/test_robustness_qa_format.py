"""The Q&A reader on any file: valid cases round-trip, and a malformed line is always a
``QAFileError`` that names its line — never another exception, never a skipped line."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.qa_format import QAFileError, read_cases

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any text a question may hold, including U+2028, U+0085 and other characters that are
# line breaks to str.splitlines() but plain characters inside a JSON string.
free_text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40).filter(str.strip)
fact = st.lists(free_text, min_size=1, max_size=3)
valid_case = st.fixed_dictionaries(
    {"question": free_text},
    optional={
        "reference_answer": free_text,
        "facts": st.lists(fact, max_size=3),
        "sources": st.lists(free_text, max_size=2),
        "evidence": free_text,
        "answerable": st.booleans(),
        "metadata": st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    },
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
malformed_line = st.one_of(
    # not JSON at all (one line, not blank)
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\n"), min_size=1, max_size=60)
    .filter(str.strip)
    .filter(lambda s: not _is_json(s)),
    # JSON, but not an object
    json_values.filter(lambda v: not isinstance(v, dict)).map(json.dumps),
    # an object without a usable question
    st.dictionaries(st.sampled_from(["id", "facts", "sources", "answer"]), json_values, max_size=3).map(json.dumps),
    st.fixed_dictionaries({"question": st.one_of(st.none(), st.integers(), st.just(""), st.just("   "))}).map(
        json.dumps
    ),
    # an object whose fields have the wrong type or name
    st.sampled_from(
        [
            {"question": "q", "facts": "Kursk"},
            {"question": "q", "facts": [[]]},
            {"question": "q", "facts": [[""]]},
            {"question": "q", "facts": [[1]]},
            {"question": "q", "answerable": "yes"},
            {"question": "q", "sources": [1, 2]},
            {"question": "q", "reference_answer": 3},
            {"question": "q", "fact": [["x"]]},
            {"question": "q", "id": ""},
            {"question": "q", "id": 1.5},
            {"question": "q", "turns": [{"question": "q"}]},
            {"turns": []},
            {"turns": [{"question": "q", "id": "x"}]},
            {"turns": "q"},
        ]
    ).map(json.dumps),
    # nesting deeper than the json module can recurse
    st.integers(5_000, 50_000).map(lambda depth: '{"question": "q", "facts": ' + "[" * depth + "]" * depth + "}"),
)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


@contextmanager
def qa_file(text: str) -> Iterator[Path]:
    # Hypothesis runs each example many times: a fresh file each time, not pytest's tmp_path.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "qa.jsonl"
        path.write_text(text, encoding="utf-8")
        yield path


def jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


@given(st.lists(valid_case, min_size=1, max_size=6))
@PROPERTY
def test_valid_cases_round_trip_whatever_their_text(records: list[dict[str, Any]]) -> None:
    with qa_file(jsonl(records)) as path:
        cases = read_cases(path)
    assert [c.question for c in cases] == [r["question"] for r in records]
    assert [c.where for c in cases] == [f"qa.jsonl line {i}" for i in range(1, len(records) + 1)]


@given(st.lists(valid_case, min_size=1, max_size=5), st.data(), malformed_line)
@PROPERTY
def test_a_malformed_line_is_an_error_naming_that_line(
    records: list[dict[str, Any]], data: st.DataObject, bad: str
) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    at = data.draw(st.integers(0, len(lines)), label="position")
    lines.insert(at, bad)
    with qa_file("\n".join(lines) + "\n") as path, pytest.raises(QAFileError, match=rf"qa.jsonl line {at + 1}\b"):
        read_cases(path)


@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=300))
@PROPERTY
def test_any_file_content_gives_cases_or_a_qa_file_error(text: str) -> None:
    with qa_file(text) as path:
        try:
            cases = read_cases(path)
        except QAFileError as exc:
            assert "\n" not in str(exc).strip() or len(str(exc)) < 2000
        else:
            assert cases and all(c.question.strip() for c in cases)


@given(st.binary(max_size=300))
@PROPERTY
def test_any_bytes_give_cases_or_a_qa_file_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "qa.jsonl"
        path.write_bytes(data)
        try:
            read_cases(path)
        except QAFileError:
            pass


def test_a_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text(jsonl([{"id": "a", "question": "x"}, {"id": "b", "question": "y"}, {"id": "a", "question": "z"}]))
    with pytest.raises(QAFileError, match=re.escape("line 3: id 'a' is already used at qa.jsonl line 1")):
        read_cases(path)


def test_a_question_holding_a_unicode_line_separator_stays_one_line(tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text(jsonl([{"question": "Who spoke\u2028first?"}, {"question": "And then\x85who?"}]), encoding="utf-8")
    assert [c.question for c in read_cases(path)] == ["Who spoke\u2028first?", "And then\x85who?"]
