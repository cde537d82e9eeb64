"""What the web app does, without Gradio: ask, open a citation, list, upload,
remove and re-index documents. The page's handlers and the API endpoints call
the same methods, so both behave alike.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .answer import Pipeline
from .chats import ChatStore, Turn
from .config import Settings
from .errors import DocumentError, RagError
from .ingest import IngestReport, ingest
from .loaders import load_document
from .render import render_viewer
from .store import IndexedDocument
from .types import Answer, Citation
from .uploads import UploadError, save_upload

Progress = Callable[[int, int, str], None]
History = list[tuple[str, str]]


@dataclass(frozen=True)
class UploadResult:
    """What happened to each uploaded file."""

    saved: tuple[str, ...] = ()
    rejected: tuple[tuple[str, str], ...] = ()
    report: IngestReport | None = None

    def message(self) -> str:
        parts = []
        report = self.report
        if report is not None:
            indexed = [*report.added, *report.updated, *report.unchanged]
            if indexed:
                files = f"{len(indexed)} file{'s' * (len(indexed) != 1)}"
                chunks = f"{report.chunks} chunk{'s' * (report.chunks != 1)}"
                parts.append(f"Indexed {files} ({chunks}): {', '.join(indexed)}")
            parts.extend(f"{name} not indexed: {why}" for name, why in report.skipped)
        parts.extend(f"{name} refused: {why}" for name, why in self.rejected)
        return "; ".join(parts) or "nothing uploaded"

    def to_dict(self) -> dict[str, object]:
        report = self.report or IngestReport()
        return {
            "saved": list(self.saved),
            "rejected": [{"file": name, "reason": why} for name, why in self.rejected],
            "added": list(report.added),
            "updated": list(report.updated),
            "unchanged": list(report.unchanged),
            "skipped": [{"file": name, "reason": why} for name, why in report.skipped],
            "chunks": report.chunks,
            "message": self.message(),
        }


@dataclass
class WebService:
    """One pipeline, one chat store and the documents folder, shared by all sessions."""

    settings: Settings
    pipeline: Pipeline
    chats: ChatStore
    _write_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, settings: Settings, pipeline: Pipeline | None = None) -> WebService:
        pipeline = pipeline or Pipeline(settings)
        return cls(settings, pipeline, ChatStore(settings.index_dir / "chats.sqlite3"))

    # -- status ----------------------------------------------------------------
    def answerer(self) -> str:
        return f"LLM ({self.settings.model})" if self.settings.use_llm else "extractive (offline)"

    def index_size(self) -> tuple[int, int]:
        """(chunks, documents) in the index."""
        return self.pipeline.store.count(), len(self.pipeline.store.documents())

    # -- asking ----------------------------------------------------------------
    def stream(self, question: str, turns: Sequence[Turn]) -> Iterator[str | Answer]:
        """Text pieces, then the final ``Answer``, for ``question`` after ``turns``."""
        history: History = [(t.question, t.answer.text) for t in turns]
        return self.pipeline.stream_answer(question, history=history or None)

    def ask(self, question: str, history: History | None = None) -> Answer:
        return self.pipeline.answer(question, history=history or None)

    def viewer(self, citation: Citation) -> str:
        """The cited document with the quote highlighted; the stored passage if the file changed."""
        text, note = self._document_text(citation)
        if text is not None:
            return render_viewer(citation.title, citation.source, text, citation.start, citation.end)
        lo = citation.start - citation.context_start
        hi = lo + len(citation.quote)
        if citation.context and citation.context[lo:hi] == citation.quote:
            return render_viewer(citation.title, citation.source, citation.context, lo, hi, note)
        return render_viewer(citation.title, citation.source, citation.quote, 0, len(citation.quote), note)

    def _document_text(self, citation: Citation) -> tuple[str | None, str]:
        path = self._path_of(citation.source)
        if path is None or not path.is_file():
            return None, "the file is no longer in the documents folder; showing the passage as it was quoted"
        try:
            text = load_document(path, citation.source).text
        except (DocumentError, OSError):
            return None, "the file cannot be read now; showing the passage as it was quoted"
        if text[citation.start : citation.end] != citation.quote:
            return None, "the file changed since this answer; showing the passage as it was quoted"
        return text, ""

    def _path_of(self, doc_id: str) -> Path | None:
        """The file of an indexed document, only if it lies inside the documents folder."""
        root = self.settings.docs_dir.resolve()
        path = (root / doc_id).resolve()
        return path if path.is_relative_to(root) and path != root else None

    # -- documents -------------------------------------------------------------
    def documents(self) -> list[IndexedDocument]:
        return self.pipeline.store.documents()

    def upload(self, files: Sequence[tuple[Path, str]], progress: Progress | None = None) -> UploadResult:
        """Save each (temporary path, original name) into the documents folder and index them."""
        saved: list[Path] = []
        rejected: list[tuple[str, str]] = []
        for source, name in files:
            try:
                saved.append(save_upload(source, name, self.settings.docs_dir))
            except UploadError as exc:
                rejected.append((name, str(exc)))
            except OSError as exc:
                rejected.append((name, f"could not be saved ({exc.strerror or exc})"))
        report = None
        if saved:
            with self._write_lock:
                report = ingest(self.settings, saved, store=self.pipeline.store, progress=progress)
        return UploadResult(tuple(p.name for p in saved), tuple(rejected), report)

    def remove(self, doc_id: str) -> str:
        """Delete an indexed document's file and chunks; returns a one-line message."""
        known = {d.id for d in self.documents()}
        if doc_id not in known:
            raise RagError(f"{doc_id!r} is not an indexed document; pick one from the list")
        path = self._path_of(doc_id)
        with self._write_lock:
            if path is not None:
                path.unlink(missing_ok=True)
            self.pipeline.store.delete_document(doc_id)
            self.pipeline.store.invalidate()  # so keyword search forgets it at once
        return f"removed {doc_id}"

    def reindex(self, progress: Progress | None = None) -> IngestReport:
        with self._write_lock:
            return ingest(self.settings, store=self.pipeline.store, progress=progress)
