"""A pipeline that answers from a script, for evaluation tests whose right values are known.

It has the two methods ``rag eval`` uses (``answer`` and ``retriever.retrieve``) and records
every call; answers and citations are real ``Answer``/``Citation`` values over files the test
writes, so the metrics see exactly what the pipeline would give them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.types import Answer, Citation


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Passage:
    chunk: Chunk


@dataclass(frozen=True)
class Retrieval:
    passages: tuple[Passage, ...]


@dataclass
class ScriptedRetriever:
    ranking: dict[str, list[Chunk]]  # query -> chunks, best first
    calls: list[tuple[str, int]] = field(default_factory=list)

    def retrieve(self, query: str, top_k: int) -> Retrieval:
        self.calls.append((query, top_k))
        return Retrieval(tuple(Passage(c) for c in self.ranking.get(query, [])[:top_k]))


@dataclass
class ScriptedPipeline:
    settings: Settings
    answers: dict[str, Answer]  # question -> answer
    retriever: ScriptedRetriever
    calls: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)

    def answer(self, question: str, history: list[tuple[str, str]] | None = None, top_k: int | None = None) -> Answer:
        self.calls.append((question, list(history or [])))
        return self.answers[question]


class Corpus:
    """Files written into ``docs`` and helpers to cite their exact spans."""

    def __init__(self, docs: Path, files: dict[str, str]) -> None:
        docs.mkdir(parents=True, exist_ok=True)
        self.docs = docs
        self.files = files
        for name, text in files.items():
            (docs / name).write_text(text, encoding="utf-8")

    def span(self, name: str, quote: str) -> tuple[int, int]:
        start = self.files[name].index(quote)
        return start, start + len(quote)

    def cite(self, n: int, name: str, quote: str, *, wrong_quote: str | None = None) -> Citation:
        """A citation of ``quote`` in ``name``; ``wrong_quote`` replaces its text (an invalid citation)."""
        start, end = self.span(name, quote)
        return Citation(n=n, source=name, title=name, start=start, end=end, quote=wrong_quote or quote)

    def chunk(self, name: str) -> Chunk:
        return Chunk(name, 0, len(self.files[name]), self.files[name])


# --- the Freedonia scenario: six cases whose every metric is worked out in test_eval_run.py ---

A = "The capital of Freedonia is Fredville. It has 300 bridges.\nThe river is called Blue.\n"
B = "Fred founded Fredville in 1850. He was a miller.\n"
ABSTAIN = "The documents do not say."

CASES: list[dict[str, Any]] = [
    {
        "id": "q1",
        "question": "What is the capital and how many bridges does it have?",
        "facts": [["Fredville"], ["300", "three hundred"]],
        "evidence": "It has 300 bridges.",
        "sources": ["a.txt"],
        "reference_answer": "Fredville has 300 bridges",
    },
    {"id": "q2", "question": "How many bridges?", "facts": [["300 bridges"]], "evidence": "It has 300 bridges."},
    {"id": "u1", "question": "Who is the mayor?", "answerable": False},
    {"id": "u2", "question": "How long is the river?", "answerable": False},
    {"id": "q3", "question": "What is the river called?", "facts": [["Blue"]], "evidence": "The river is called Blue."},
    {
        "id": "c1",
        "turns": [
            {"question": "Who founded Fredville?"},
            {"question": "When did he do it?", "facts": [["1850"]], "sources": ["b.txt"]},
        ],
    },
]


def scripted(tmp_path: Path) -> ScriptedPipeline:
    corpus = Corpus(tmp_path / "docs", {"a.txt": A, "b.txt": B})
    a, b = corpus.chunk("a.txt"), corpus.chunk("b.txt")

    def said(text: str, *citations: Any, ms: float, query: str = "", abstained: bool = False) -> Answer:
        return Answer(text, tuple(citations), abstained, query=query, timings_ms={"total": ms})

    answers = {
        "What is the capital and how many bridges does it have?": said(
            "The capital of Freedonia is Fredville. [1]",
            corpus.cite(1, "a.txt", "The capital of Freedonia is Fredville."),
            ms=10,
            query="q1",
        ),
        "How many bridges?": said(
            "It has 300 bridges. [1] The river is Blue. [2]",
            corpus.cite(1, "a.txt", "It has 300 bridges."),
            corpus.cite(2, "a.txt", "The river is called Blue.", wrong_quote="The river is Blue."),
            ms=20,
            query="q2",
        ),
        "Who is the mayor?": said(ABSTAIN, ms=30, abstained=True),
        "How long is the river?": said(
            "Fredville has a river. [1]", corpus.cite(1, "a.txt", "The river is called Blue."), ms=40
        ),
        "What is the river called?": said(ABSTAIN, ms=50, abstained=True, query="q3"),
        "Who founded Fredville?": said(
            "Fred founded Fredville in 1850. [1]", corpus.cite(1, "b.txt", "Fred founded Fredville in 1850."), ms=60
        ),
        "When did he do it?": said(
            "He founded it in 1850. [1]",
            corpus.cite(1, "b.txt", "Fred founded Fredville in 1850."),
            ms=70,
            query="When did Fred found Fredville?",
        ),
    }
    # q1 finds the evidence at rank 2, q2 at rank 1, q3 not at all; c1 by source.
    ranking = {"q1": [b, a], "q2": [a, b], "q3": [b], "When did Fred found Fredville?": [b, a]}
    settings = Settings(docs_dir=tmp_path / "docs", index_dir=tmp_path / "index", llm="none")
    return ScriptedPipeline(settings, answers, ScriptedRetriever(ranking))
