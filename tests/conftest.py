"""Shared fixtures: a real index over a copy of the seed articles (built once per session)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.answer import Pipeline
from rag.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"


def make_settings(tmp: Path, docs: Path | None = None, **overrides: object) -> Settings:
    """Settings whose documents folder and index live under ``tmp`` (never the repo's)."""
    docs_dir = tmp / "docs"
    if not docs_dir.exists():
        shutil.copytree(docs or SEEDS, docs_dir)
    values: dict[str, object] = {"docs_dir": docs_dir, "index_dir": tmp / "index", "llm": "none"}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("seeds"))


@pytest.fixture(scope="session")
def seed_pipeline(seed_settings: Settings) -> Pipeline:
    """A pipeline over the seed articles; its index is built on first use."""
    return Pipeline(seed_settings)


@pytest.fixture()
def fresh_settings(tmp_path: Path) -> Settings:
    """Settings over a private copy of the seeds, for tests that change documents."""
    return make_settings(tmp_path)
