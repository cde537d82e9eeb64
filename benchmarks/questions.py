"""The benchmark questions: the project's Q&A files (about the seeds and the licences,
which every corpus contains) plus "What does X do?" for documented names spread
evenly through the corpus, so lookups touch the whole index, not one corner of it."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QA_FILES = ("seeds_qa.jsonl", "licenses_qa.jsonl", "holdout_qa.jsonl")
_HEADING = re.compile(r"^# ([A-Za-z][\w.]{3,60})$", re.M)


def from_qa_files(paths: list[Path]) -> list[str]:
    """The single-turn questions of these Q&A files (missing files skipped)."""
    out = []
    for path in paths:
        if not path.is_file():
            continue
        for line in path.read_text().splitlines():
            if line.strip():
                case = json.loads(line)
                if isinstance(case.get("question"), str):
                    out.append(case["question"])
    return out


def _from_corpus(corpus: Path, wanted: int) -> list[str]:
    names = []
    for path in sorted(corpus.rglob("*.txt")):
        if path.parent.name in ("stdlib", "site"):
            names.extend(_HEADING.findall(path.read_text(encoding="utf-8")))
    if not names:
        return []
    step = max(1, len(names) // wanted)
    return [f"What does {name.replace('_', ' ')} do?" for name in names[::step][:wanted]]


def questions(corpus: Path, generated: int = 60) -> tuple[list[str], list[str]]:
    """(warm-up questions, measured questions): disjoint, in a fixed shuffled order."""
    pool = list(
        dict.fromkeys(
            from_qa_files([ROOT / "tests" / "data" / name for name in QA_FILES]) + _from_corpus(corpus, generated)
        )
    )
    random.Random(20241125).shuffle(pool)
    return pool[:10], pool[10:]
