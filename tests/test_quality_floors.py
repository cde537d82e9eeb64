"""Answer quality on every development set stays above the level it has reached.

These are regression floors, not targets: each sits a little below what the
offline extractive answerer measured when the set was added (docs/evaluation.md),
so that a change which makes answers worse on any kind of document fails here.
Every citation of every answer must be an exact span of its file, always.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import rag
from rag.config import Settings

from conftest import DATA, SEEDS, make_settings

# set, documents, fact recall, first citation holds the answer, abstention recall, false abstentions
FLOORS = [
    ("seeds_qa.jsonl", SEEDS, 0.89, 0.85, 0.95, 0.02),
    ("fresh_seeds_qa.jsonl", SEEDS, 0.95, 0.92, 0.95, 0.03),
    ("blind_seeds_qa.jsonl", SEEDS, 0.90, 0.90, 0.95, 0.03),
    ("blind2_seeds_qa.jsonl", SEEDS, 0.92, 0.89, 0.95, 0.03),
    ("holdout_qa.jsonl", SEEDS, 0.80, 0.68, 0.95, 0.02),
    ("licenses_qa.jsonl", DATA / "licenses", 0.92, 0.88, 0.95, 0.04),
    ("gpl_qa.jsonl", DATA / "gpl", 0.93, 0.80, 0.80, 0.02),
    ("specs_qa.jsonl", DATA / "specs", 0.70, 0.66, 0.95, 0.04),
    ("blind3_seeds_qa.jsonl", SEEDS, 0.93, 0.90, 0.95, 0.03),
    ("blind4_seeds_qa.jsonl", SEEDS, 0.86, 0.82, 0.95, 0.03),
    ("manuals_qa.jsonl", DATA / "manuals", 0.72, 0.56, 0.30, 0.03),
    ("blind5_seeds_qa.jsonl", SEEDS, 0.88, 0.88, 0.95, 0.03),
    ("specs2_qa.jsonl", DATA / "specs", 0.61, 0.56, 0.60, 0.03),
    ("blind6_seeds_qa.jsonl", SEEDS, 0.85, 0.87, 0.95, 0.03),
    ("refdocs_qa.jsonl", DATA / "refdocs", 0.74, 0.60, 0.80, 0.06),
    ("blind7_seeds_qa.jsonl", SEEDS, 0.91, 0.88, 0.95, 0.03),
    ("techdocs_qa.jsonl", DATA / "techdocs", 0.69, 0.56, 0.30, 0.03),
    ("blind8_seeds_qa.jsonl", SEEDS, 0.94, 0.91, 0.95, 0.03),
    ("newdocs_qa.jsonl", DATA / "newdocs", 0.81, 0.79, 0.45, 0.04),
    ("blind9_seeds_qa.jsonl", SEEDS, 0.88, 0.85, 0.85, 0.03),
    ("finaldocs_qa.jsonl", DATA / "finaldocs", 0.60, 0.46, 0.20, 0.04),
    ("blind10_seeds_qa.jsonl", SEEDS, 0.94, 0.94, 0.95, 0.03),
    ("docs9_qa.jsonl", DATA / "docs9", 0.60, 0.50, 0.30, 0.04),
    ("blind11_seeds_qa.jsonl", SEEDS, 0.94, 0.91, 0.95, 0.03),
    ("docs10_qa.jsonl", DATA / "docs10", 0.50, 0.46, 0.0, 0.04),
    ("blind12_seeds_qa.jsonl", SEEDS, 0.94, 0.94, 0.85, 0.03),
    ("docs11_qa.jsonl", DATA / "docs11", 0.46, 0.43, 0.60, 0.11),
    ("blind13_seeds_qa.jsonl", SEEDS, 0.94, 0.94, 0.95, 0.03),
    ("docs12_qa.jsonl", DATA / "docs12", 0.61, 0.61, 0.70, 0.02),
    ("licenses2_qa.jsonl", DATA / "licenses2", 0.83, 0.87, 0.85, 0.04),
    ("licenses3_qa.jsonl", DATA / "licenses3", 0.72, 0.68, 0.95, 0.07),
    ("licenses4_qa.jsonl", DATA / "licenses4", 0.50, 0.46, 0.70, 0.10),
]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Settings]:
    """Settings over a copy of a documents folder, indexed once for every set on it."""
    built: dict[Path, Settings] = {}

    def settings_for(docs: Path) -> Settings:
        if docs not in built:
            built[docs] = make_settings(tmp_path_factory.mktemp(docs.name), docs=docs)
        return built[docs]

    return settings_for


@pytest.mark.parametrize(("qa", "docs", "recall", "first_hit", "abstains", "false_abstentions"), FLOORS)
def test_quality_stays_above_its_floor(
    indexed: Callable[[Path], Settings],
    qa: str,
    docs: Path,
    recall: float,
    first_hit: float,
    abstains: float,
    false_abstentions: float,
) -> None:
    summary = rag.evaluate(DATA / qa, indexed(docs)).summary
    assert summary["citation_validity"] == 1.0
    assert summary["fact_recall"] >= recall
    assert summary["first_citation_hit"] >= first_hit
    assert summary["abstention_recall"] >= abstains
    assert summary["false_abstention_rate"] <= false_abstentions
