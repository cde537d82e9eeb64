"""Incremental ingestion: load, chunk, embed and store what changed.

Files are content-hashed: unchanged files are skipped, changed files replaced,
files gone from the folder removed (by document id, one indexed delete each).
Sentences of many files are embedded together in length-sorted batches. Each
document's chunk 0 is written last, so a document cut short by a crash has no
commit record and is redone by the next run.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import queue
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .chunking import chunk_document
from .config import Settings
from .embeddings import DIMENSION, OnnxMiniLM, shared_model
from .errors import DocumentError, IndexProblem, RagError
from .loaders import is_supported, load_document
from .store import ChunkRecord, IndexedDocument, Store, encode_vector_groups
from .text import readable
from .types import Chunk, Document

# Bump when loading or chunking changes, so existing documents are re-chunked.
PIPELINE_VERSION = "7"
HEADING_WEIGHT = 0.5
EMBED_BATCH_SENTENCES = 2048
# Documents are committed a batch at a time; a small cap bounds what a crash loses
# (and keeps progress visible) when files are short.
EMBED_BATCH_DOCUMENTS = 32
MAX_FILE_BYTES = 50 * 1024 * 1024
# Distinct sentence texts whose vectors one ingestion remembers (~1.6 KB each): licences,
# disclaimers and boilerplate repeat across files and are embedded once.
VECTOR_CACHE_TEXTS = 16384

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class IngestReport:
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()
    chunks: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        line = (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped; "
            f"{self.chunks} chunks written in {self.seconds:.1f}s"
        )
        for path, reason in self.skipped:
            line += f"\n  skipped {path}: {reason}"
        return line


@dataclass(frozen=True)
class _Pending:
    """A document read and chunked, waiting for its batch to be embedded."""

    doc: Document
    content_hash: str
    chunks: list[Chunk]
    replacing: bool


@dataclass(frozen=True)
class _Embedded:
    """A batch with its vectors: one row per sentence, in chunk order, and the headings'."""

    items: list[_Pending]
    sentence_vectors: np.ndarray
    heading_vectors: dict[str, np.ndarray]
    indexed_at: str


def document_id(path: Path, docs_dir: Path) -> str:
    """The id a file is known by: its path relative to the documents folder."""
    try:
        return path.resolve().relative_to(docs_dir.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def discover(paths: list[Path], docs_dir: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """Supported files under ``paths`` (sorted) and (path, reason) for the others."""
    files: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for root in paths:
        if not root.exists():
            raise RagError(f"{root} does not exist; create it and add .txt/.md/.pdf/.html files, or set RAG_DOCS_DIR")
        candidates = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in candidates:
            rel = path.relative_to(root) if path != root else Path(path.name)
            if any(part.startswith(".") for part in rel.parts) or (
                path.name.lower() == "readme.md" and path.parent == docs_dir
            ):
                continue
            if is_supported(path):
                files.append(path)
            else:
                skipped.append((document_id(path, docs_dir), f"unsupported type '{path.suffix or path.name}'"))
    return files, skipped


def file_hash(path: Path) -> str:
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:32]


@contextmanager
def ingest_lock(index_dir: Path) -> Iterator[None]:
    """One ingestion at a time; the OS releases the lock if the holder dies."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = (index_dir / ".ingest.lock").open("a+")
    except OSError as exc:
        raise RagError(
            f"cannot write to {index_dir} ({exc.strerror or exc}); fix its permissions or free disk space"
        ) from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RagError(f"another ingestion is running (pid {holder}); wait for it to finish") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ingest(
    settings: Settings,
    paths: list[Path] | None = None,
    rebuild: bool = False,
    store: Store | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the index up to date with ``paths`` (default: the documents folder)."""
    started = time.perf_counter()
    docs_dir = settings.docs_dir
    roots = paths or [docs_dir]
    files, skipped = discover(roots, docs_dir)
    if not files and not skipped and not rebuild:
        raise RagError(f"no documents in {', '.join(map(str, roots))}; add .txt, .md, .pdf or .html files")
    with ingest_lock(settings.index_dir):
        if rebuild and store is None and not settings.chroma_url:
            store = _open_for_rebuild(settings)
        store = store or Store(settings)
        if rebuild:
            store.reset()
        indexed = {d.id: d for d in store.documents()}
        for doc_id in store.incomplete_documents():
            # Left by an interrupted ingestion: drop the partial chunks; the file is redone below.
            store.delete_document(doc_id)
        outcome = _Outcome(skipped=skipped)
        with _BackgroundWriter(store) as writer:
            vectors = _VectorCache(shared_model())
            for batch in _batches(files, docs_dir, indexed, outcome, progress):
                # Embedding this batch overlaps the writing of the previous one.
                writer.submit(_embed_batch(vectors, batch))
        removed = (
            _remove_missing(store, indexed, outcome.seen, roots, docs_dir)
            if not paths or all(p.is_dir() for p in roots)
            else []
        )
        # A document whose file is skipped now (became unreadable) keeps its old chunks.
        store.invalidate()
        if progress:
            progress(len(files), len(files), "done")
    return IngestReport(
        tuple(outcome.added),
        tuple(outcome.updated),
        tuple(removed),
        tuple(outcome.unchanged),
        tuple(outcome.skipped),
        writer.written,
        time.perf_counter() - started,
    )


@dataclass
class _Outcome:
    """What happened to each file found, for the report."""

    seen: set[str] = field(default_factory=set)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _batches(
    files: list[Path],
    docs_dir: Path,
    indexed: dict[str, IndexedDocument],
    outcome: _Outcome,
    progress: Progress | None,
) -> Iterator[list[_Pending]]:
    """The new and changed documents, loaded and chunked, in batches to embed together."""
    batch: list[_Pending] = []
    sentences = 0
    for done, path in enumerate(files):
        doc_id = document_id(path, docs_dir)
        outcome.seen.add(doc_id)
        if progress:
            progress(done, len(files), doc_id)
        previous = indexed.get(doc_id)
        pending = _load(path, doc_id, previous, outcome)
        if pending is None:
            continue
        (outcome.updated if previous else outcome.added).append(doc_id)
        batch.append(pending)
        sentences += sum(len(c.sentences) for c in pending.chunks)
        if sentences >= EMBED_BATCH_SENTENCES or len(batch) >= EMBED_BATCH_DOCUMENTS:
            yield batch
            batch, sentences = [], 0
    if batch:
        yield batch


def _load(path: Path, doc_id: str, previous: IndexedDocument | None, outcome: _Outcome) -> _Pending | None:
    """The file as a chunked document; None when it is unchanged or unusable (recorded in ``outcome``)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise DocumentError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        content_hash = file_hash(path)
        if previous and previous.content_hash == content_hash:
            outcome.unchanged.append(doc_id)
            return None
        doc = load_document(path, doc_id)
    except (DocumentError, OSError) as exc:
        reason = str(exc) if isinstance(exc, DocumentError) else f"cannot read ({exc})"
        outcome.skipped.append((doc_id, reason))
        return None
    return _Pending(doc, content_hash, chunk_document(doc), previous is not None)


def _open_for_rebuild(settings: Settings) -> Store:
    """The store, even when the embedded index is too damaged to open: a rebuild is
    what the error message asks for, so it must not fail on the same damage."""
    try:
        return Store(settings)
    except IndexProblem:
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()  # chroma keeps the broken client per path
        shutil.rmtree(settings.index_dir / "chroma", ignore_errors=True)
        shutil.rmtree(settings.index_dir / "bm25", ignore_errors=True)
        return Store(settings)


def _remove_missing(store: Store, indexed: dict, seen: set[str], roots: list[Path], docs_dir: Path) -> list[str]:
    scopes = [document_id(root, docs_dir) for root in roots]
    removed = []
    for doc_id in indexed:
        in_scope = any(
            scope in (".", "") or doc_id == scope or doc_id.startswith(scope.rstrip("/") + "/") for scope in scopes
        )
        if in_scope and doc_id not in seen:
            store.delete_document(doc_id)
            removed.append(doc_id)
    return removed


class _VectorCache:
    """Sentence vectors by text for one ingestion, least recently used dropped first.

    Each distinct text in a batch is embedded once, and a text seen in an earlier
    batch not at all: in the benchmark corpora two thirds of all sentence tokens
    repeat (licence texts in package copyright files).
    """

    def __init__(self, model: OnnxMiniLM, capacity: int = VECTOR_CACHE_TEXTS) -> None:
        self.model = model
        self.capacity = capacity
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised row per text, in order, as ``OnnxMiniLM.embed`` gives it."""
        out = np.empty((len(texts), DIMENSION), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            vector = self._vectors.get(text)
            if vector is None:
                missing.setdefault(text, []).append(i)
            else:
                self._vectors.move_to_end(text)
                out[i] = vector
        if missing:
            new = self.model.embed(list(missing))
            for (text, rows), vector in zip(missing.items(), new, strict=True):
                out[rows] = vector
                self._vectors[text] = vector.copy()  # a copy: a row view would pin the whole batch
            while len(self._vectors) > self.capacity:
                self._vectors.popitem(last=False)
        return out


def _embed_batch(cache: _VectorCache, items: list[_Pending]) -> _Embedded:
    texts = [readable(chunk.text[s:e]) for item in items for chunk in item.chunks for s, e in chunk.sentences]
    headings = sorted({c.heading for item in items for c in item.chunks if c.heading})
    vectors = cache.embed(texts + headings)
    heading_vectors = dict(zip(headings, vectors[len(texts) :], strict=True))
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return _Embedded(items, vectors[: len(texts)], heading_vectors, now)


def _records(batch: _Embedded) -> tuple[list[ChunkRecord], np.ndarray]:
    """Every chunk of the batch as it is stored, with its vector: the normalised mean of
    its sentence vectors plus ``HEADING_WEIGHT`` times its heading's."""
    chunks = [(item, chunk) for item in batch.items for chunk in item.chunks]
    counts = [len(chunk.sentences) for _, chunk in chunks]
    blobs = encode_vector_groups(batch.sentence_vectors, counts)
    embeddings = np.empty((len(chunks), DIMENSION), dtype=np.float32)
    records = []
    row = 0
    for i, ((item, chunk), n, blob) in enumerate(zip(chunks, counts, blobs, strict=True)):
        vector = batch.sentence_vectors[row : row + n].mean(axis=0)
        row += n
        if chunk.heading:
            vector = vector + HEADING_WEIGHT * batch.heading_vectors[chunk.heading]
        embeddings[i] = vector / max(float(np.linalg.norm(vector)), 1e-12)
        records.append(_record(item, chunk, blob, batch.indexed_at))
    return records, embeddings


def _record(item: _Pending, chunk: Chunk, svec: str, indexed_at: str) -> ChunkRecord:
    metadata = {
        "source": item.doc.id,
        "title": item.doc.title,
        "heading": chunk.heading,
        "chunk": chunk.index,
        "n_chunks": len(item.chunks),
        "start": chunk.start,
        "end": chunk.end,
        "doc_hash": item.content_hash,
        "indexed_at": indexed_at,
        "sentences": _compact_spans(chunk.sentences),
        "svec": svec,
    }
    return ChunkRecord(chunk.id, item.doc.id, chunk.text, metadata)


def _write(store: Store, batch: _Embedded) -> int:
    """Replace the batch's documents: old chunks out, then every chunk but the first,
    then each document's chunk 0, its commit record. Two Chroma writes per batch, not
    two per document: each ``add`` call costs ~10-80 ms on top of its rows."""
    for item in batch.items:
        if item.replacing:
            store.delete_document(item.doc.id)
    records, embeddings = _records(batch)
    is_commit = np.array([r.metadata["chunk"] == 0 for r in records], dtype=bool)
    for part in (~is_commit, is_commit):
        store.add_chunks([r for r, take in zip(records, part, strict=True) if take], embeddings[part])
    return len(records)


class _BackgroundWriter:
    """Writes embedded batches to the store on one thread, in order, while the caller
    embeds the next batch: onnxruntime releases the GIL, so Chroma's writes and the
    Python that prepares them run beside the model instead of after it.

    At most one batch waits, which bounds memory. The first error is raised in the
    caller at its next ``submit`` or on leaving the ``with`` block; batches after it are
    not written (each is written whole or redone by the next ingestion).
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.written = 0
        self._queue: queue.Queue[_Embedded | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="rag-ingest-writer", daemon=True)

    def __enter__(self) -> _BackgroundWriter:
        self._thread.start()
        return self

    def submit(self, batch: _Embedded) -> None:
        self._raise_error()
        self._queue.put(batch)

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self._queue.put(None)
        self._thread.join()
        if exc is None:
            self._raise_error()

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self.written += _write(self.store, batch)
                except BaseException as exc:  # handed to the ingesting thread
                    self._error = exc


def _compact_spans(spans: tuple[tuple[int, int], ...]) -> str:
    return "[" + ",".join(f"[{s},{e}]" for s, e in spans) + "]"
