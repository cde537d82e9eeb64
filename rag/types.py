"""The values that flow through the pipeline: documents, chunks, citations, answers."""

from __future__ import annotations

import textwrap
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """A loaded file: ``id`` is its path relative to the documents folder."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Chunk:
    """A contiguous span ``text == document.text[start:end]`` of one document.

    ``sentences`` holds (start, end) offsets of its sentences, relative to ``start``.
    """

    doc_id: str
    index: int
    start: int
    end: int
    text: str
    heading: str = ""
    sentences: tuple[tuple[int, int], ...] = ()

    @property
    def id(self) -> str:
        return f"{self.doc_id}::{self.index}"


@dataclass(frozen=True)
class Citation:
    """An exact span of a source file that supports a claim of the answer."""

    n: int
    source: str
    title: str
    start: int
    end: int
    quote: str
    score: float = 0.0
    supported: bool = True
    context: str = ""
    context_start: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("context")
        data.pop("context_start")
        return data


@dataclass(frozen=True)
class Answer:
    """What ``rag.answer`` returns; ``str()`` reads like the CLI output."""

    text: str
    citations: tuple[Citation, ...] = ()
    abstained: bool = False
    mode: str = "extractive"
    query: str = ""
    notice: str = ""
    unsupported_claims: int = 0
    timings_ms: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [self.text]
        if self.notice:
            lines.append(f"({self.notice})")
        if self.citations:
            lines.append("")
            lines.append("Sources:")
            for c in self.citations:
                flag = "" if c.supported else " [not supported by the source]"
                quote = textwrap.shorten(" ".join(c.quote.split()), 160, placeholder="…")
                lines.append(f"[{c.n}] {c.title} ({c.source}:{c.start}-{c.end}){flag}")
                lines.append(f'    "{quote}"')
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``rag ask --json`` (see DESIGN.md)."""
        return {
            "answer": self.text,
            "abstained": self.abstained,
            "mode": self.mode,
            "query": self.query,
            "notice": self.notice,
            "unsupported_claims": self.unsupported_claims,
            "citations": [c.to_dict() for c in self.citations],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
