"""Read Q&A sets for ``rag eval``: the JSONL format of DESIGN.md and llama-index
``LabelledRagDataset`` JSON.

Every line is either a valid case or an error naming the line and the fix;
nothing is skipped silently (blank lines aside).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import RagError

Fact = tuple[str, ...]  # alternatives; any one found counts

# "metadata" is free-form and ignored; any other unknown key is an error, because a
# misspelt key ("fact") would silently drop a metric.
_CASE_KEYS = frozenset({"id", "turns", "answerable", "metadata"})
_TURN_KEYS = frozenset({"question", "reference_answer", "facts", "sources", "evidence", "answerable", "metadata"})


class QAFileError(RagError):
    """A Q&A file (or one of its lines) is not in the format of DESIGN.md."""


@dataclass(frozen=True)
class Turn:
    """One question with what a right answer must contain; ``None`` = not given."""

    question: str
    reference_answer: str | None = None
    facts: tuple[Fact, ...] | None = None
    sources: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()  # alternatives: exact quotes of a source, or reference contexts
    answerable: bool | None = None

    @property
    def expects_answer(self) -> bool | None:
        """``answerable`` as given, else True when the turn says what the answer holds, else unknown."""
        if self.answerable is not None:
            return self.answerable
        return True if (self.facts or self.reference_answer or self.sources or self.evidence) else None


@dataclass(frozen=True)
class QACase:
    """A single question (one turn) or a conversation whose turns run in order."""

    id: str
    turns: tuple[Turn, ...]
    where: str = ""  # "file.jsonl line 3", for messages

    @property
    def scored_turns(self) -> tuple[int, ...]:
        """Indexes of the turns that are scored: every turn when each has facts, else the last."""
        if len(self.turns) > 1 and all(t.facts for t in self.turns):
            return tuple(range(len(self.turns)))
        return (len(self.turns) - 1,)

    @property
    def question(self) -> str:
        return self.turns[-1].question


def read_cases(path: Path | str) -> list[QACase]:
    """The cases of a Q&A file; raises ``QAFileError`` naming the bad line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise QAFileError(f"cannot read the Q&A file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise QAFileError(f"{path} is not UTF-8 text; save it as UTF-8 JSONL") from exc
    whole = _whole_json(text)
    if isinstance(whole, Mapping) and "examples" in whole:
        return _labelled_rag_dataset(whole, path)
    cases: list[QACase] = []
    if isinstance(whole, list):  # a JSON array of cases instead of one per line
        cases = [parse_case(record, f"{path.name} item {i}") for i, record in enumerate(whole, start=1)]
        if not cases:
            raise QAFileError(f"{path} holds no cases; add one JSON object per line (see docs/evaluation.md)")
        _check_unique_ids(cases)
        return cases
    # Lines end at \n, \r\n or \r only: str.splitlines() would also cut at U+2028 or U+0085,
    # which a JSON string may hold, and break a valid case in two.
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QAFileError(
                f"{where}: not valid JSON ({exc.msg} at column {exc.colno}); each line must be one JSON object"
            ) from exc
        except RecursionError:  # json raises it, not JSONDecodeError, for very deep nesting
            raise QAFileError(f"{where}: JSON nested too deeply; each line must be one flat case object") from None
        cases.append(parse_case(record, where))
    if not cases:
        raise QAFileError(f"{path} holds no cases; add one JSON object per line (see docs/evaluation.md)")
    _check_unique_ids(cases)
    return cases


def parse_cases(records: Iterable[Mapping[str, Any] | QACase]) -> list[QACase]:
    """Cases from Python values (dicts in the JSONL shape, or ``QACase``)."""
    cases = [r if isinstance(r, QACase) else parse_case(r, f"case {i}") for i, r in enumerate(records, start=1)]
    if not cases:
        raise QAFileError("no Q&A cases given")
    _check_unique_ids(cases)
    return cases


def parse_case(record: Any, where: str) -> QACase:
    """One case from its JSON object; ``where`` names it in error messages."""
    if not isinstance(record, Mapping):
        raise QAFileError(f"{where}: expected a JSON object with a 'question', got {type(record).__name__}")
    case_id = record.get("id", where.replace(" ", "-"))
    if not isinstance(case_id, str | int) or isinstance(case_id, bool) or str(case_id) == "":
        raise QAFileError(f"{where}: 'id' must be a non-empty string")
    answerable = _optional_bool(record, "answerable", where)
    if "turns" in record:
        if "question" in record:
            raise QAFileError(f"{where}: give either 'question' or 'turns', not both")
        unknown = set(record) - _CASE_KEYS
        if unknown:
            raise QAFileError(
                f"{where}: unknown key(s) {_names(unknown)} beside 'turns'; move them into the turns "
                f"(allowed here: {_names(_CASE_KEYS)})"
            )
        raw_turns = record["turns"]
        if not isinstance(raw_turns, list) or not raw_turns:
            raise QAFileError(f"{where}: 'turns' must be a non-empty list of objects with a 'question'")
        turns = tuple(_parse_turn(t, f"{where} turn {i}", answerable, _TURN_KEYS) for i, t in enumerate(raw_turns, 1))
    else:
        if "question" not in record:
            raise QAFileError(f"{where}: missing 'question' (or 'turns' for a conversation)")
        turns = (_parse_turn(record, where, answerable, _TURN_KEYS | {"id"}),)
    return QACase(id=str(case_id), turns=turns, where=where)


def _parse_turn(record: Any, where: str, default_answerable: bool | None, allowed: frozenset[str]) -> Turn:
    if not isinstance(record, Mapping):
        raise QAFileError(f"{where}: expected a JSON object with a 'question'")
    unknown = set(record) - allowed
    if unknown:
        raise QAFileError(f"{where}: unknown key(s) {_names(unknown)}; allowed: {_names(allowed)}")
    question = record.get("question")
    if not isinstance(question, str) or not question.strip():
        raise QAFileError(f"{where}: 'question' must be a non-empty string")
    reference = record.get("reference_answer")
    if reference is not None and not isinstance(reference, str):
        raise QAFileError(f"{where}: 'reference_answer' must be a string")
    answerable = _optional_bool(record, "answerable", where)
    return Turn(
        question=question,
        reference_answer=reference,
        facts=_facts(record.get("facts"), where),
        sources=_strings(record.get("sources"), "sources", where),
        evidence=tuple(e for e in _strings(record.get("evidence"), "evidence", where) if e.strip()),
        answerable=answerable if answerable is not None else default_answerable,
    )


def _facts(value: Any, where: str) -> tuple[Fact, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise QAFileError(f'{where}: \'facts\' must be a list of lists of strings, e.g. [["$4 billion", "4 billion"]]')
    facts = []
    for i, fact in enumerate(value, start=1):
        # A bare string is a fact with one wording: ["Kursk"] means [["Kursk"]].
        alternatives = [fact] if isinstance(fact, str) else fact
        if (
            not isinstance(alternatives, list)
            or not alternatives
            or not all(isinstance(a, str) and a.strip() for a in alternatives)
        ):
            raise QAFileError(f"{where}: fact {i} must be a non-empty list of non-empty strings (its wordings)")
        facts.append(tuple(alternatives))
    return tuple(facts)


def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise QAFileError(f"{where}: '{key}' must be a string or a list of strings")


def _optional_bool(record: Mapping[str, Any], key: str, where: str) -> bool | None:
    value = record.get(key)
    if value is not None and not isinstance(value, bool):
        raise QAFileError(f"{where}: '{key}' must be true or false, got {json.dumps(value)}")
    return value


def _names(keys: Iterable[str]) -> str:
    return ", ".join(f"'{k}'" for k in sorted(keys))


def _whole_json(text: str) -> Any:
    """The file parsed as one JSON value, or None when it is JSONL (several values)."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):  # deep nesting: let the line-by-line reader name the line
        return None


def _labelled_rag_dataset(data: Mapping[str, Any], path: Path) -> list[QACase]:
    """llama-index ``LabelledRagDataset``: query, reference_answer, reference_contexts."""
    examples = data["examples"]
    if not isinstance(examples, list) or not examples:
        raise QAFileError(f"{path}: 'examples' must be a non-empty list")
    cases = []
    for i, example in enumerate(examples, start=1):
        where = f"{path.name} example {i}"
        if not isinstance(example, Mapping) or not isinstance(example.get("query"), str) or not example["query"]:
            raise QAFileError(f"{where}: each example needs a 'query' string")
        reference = example.get("reference_answer")
        contexts = example.get("reference_contexts") or []
        if not isinstance(contexts, list) or not all(isinstance(c, str) for c in contexts):
            raise QAFileError(f"{where}: 'reference_contexts' must be a list of strings")
        turn = Turn(
            question=example["query"],
            reference_answer=reference if isinstance(reference, str) and reference else None,
            evidence=tuple(c for c in contexts if c.strip()),
            answerable=True,  # the dataset holds no unanswerable questions
        )
        cases.append(QACase(id=str(example.get("id") or f"example-{i}"), turns=(turn,), where=where))
    _check_unique_ids(cases)
    return cases


def _check_unique_ids(cases: list[QACase]) -> None:
    seen: dict[str, str] = {}
    for case in cases:
        if case.id in seen:
            raise QAFileError(f"{case.where}: id '{case.id}' is already used at {seen[case.id]}; ids must be unique")
        seen[case.id] = case.where
