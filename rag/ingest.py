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
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .chunking import chunk_document
from .config import Settings
from .embeddings import OnnxMiniLM, shared_model
from .errors import DocumentError, IndexProblem, RagError
from .loaders import is_supported, load_document
from .store import Store, encode_vectors
from .types import Chunk, Document

# Bump when loading or chunking changes, so existing documents are re-chunked.
PIPELINE_VERSION = "2"
HEADING_WEIGHT = 0.5
EMBED_BATCH_SENTENCES = 2048
# Documents are committed a batch at a time; a small cap bounds what a crash loses
# (and keeps progress visible) when files are short.
EMBED_BATCH_DOCUMENTS = 32
MAX_FILE_BYTES = 50 * 1024 * 1024

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


@dataclass
class _Batch:
    """Documents waiting to be embedded together."""

    items: list[tuple[Document, str, list[Chunk], bool]] = field(default_factory=list)
    sentences: int = 0


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
        model = shared_model()
        seen: set[str] = set()
        added: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        chunks_written = 0
        batch = _Batch()

        def flush() -> None:
            nonlocal chunks_written
            chunks_written += _write_batch(store, model, batch)
            batch.items.clear()
            batch.sentences = 0

        for done, path in enumerate(files):
            doc_id = document_id(path, docs_dir)
            seen.add(doc_id)
            if progress:
                progress(done, len(files), doc_id)
            try:
                if path.stat().st_size > MAX_FILE_BYTES:
                    raise DocumentError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
                content_hash = file_hash(path)
                previous = indexed.get(doc_id)
                if previous and previous.content_hash == content_hash:
                    unchanged.append(doc_id)
                    continue
                doc = load_document(path, doc_id)
            except (DocumentError, OSError) as exc:
                reason = str(exc) if isinstance(exc, DocumentError) else f"cannot read ({exc})"
                skipped.append((doc_id, reason))
                continue
            chunks = chunk_document(doc)
            (updated if previous else added).append(doc_id)
            batch.items.append((doc, content_hash, chunks, previous is not None))
            batch.sentences += sum(len(c.sentences) for c in chunks)
            if batch.sentences >= EMBED_BATCH_SENTENCES or len(batch.items) >= EMBED_BATCH_DOCUMENTS:
                flush()
        flush()
        removed = (
            _remove_missing(store, indexed, seen, roots, docs_dir)
            if not paths or all(p.is_dir() for p in roots)
            else []
        )
        # A document whose file is skipped now (became unreadable) keeps its old chunks.
        store.invalidate()
        if progress:
            progress(len(files), len(files), "done")
    return IngestReport(
        tuple(added),
        tuple(updated),
        tuple(removed),
        tuple(unchanged),
        tuple(skipped),
        chunks_written,
        time.perf_counter() - started,
    )


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


def _write_batch(store: Store, model: OnnxMiniLM, batch: _Batch) -> int:
    if not batch.items:
        return 0
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    texts: list[str] = []
    for _, _, chunks, _ in batch.items:
        for chunk in chunks:
            texts.extend(chunk.text[s:e] for s, e in chunk.sentences)
    headings = sorted({c.heading for _, _, chunks, _ in batch.items for c in chunks if c.heading})
    vectors = model.embed(texts + headings)
    heading_vectors = dict(zip(headings, vectors[len(texts) :], strict=False))
    now = datetime.now(UTC).isoformat(timespec="seconds")
    row = 0
    written = 0
    for doc, _, _, replacing in batch.items:
        if replacing:
            store.delete_document(doc.id)
    # Two Chroma writes per batch, not two per document: each ``add`` costs ~10-80 ms on
    # top of its rows (a commit and an index update), which at 100k chunks is minutes.
    bodies: list[TextNode] = []
    commits: list[TextNode] = []
    for doc, content_hash, chunks, _ in batch.items:
        nodes = []
        for chunk in chunks:
            sentence_vectors = vectors[row : row + len(chunk.sentences)]
            row += len(chunk.sentences)
            chunk_vector = sentence_vectors.mean(axis=0)
            if chunk.heading:
                chunk_vector = chunk_vector + HEADING_WEIGHT * heading_vectors[chunk.heading]
            chunk_vector = chunk_vector / max(float(np.linalg.norm(chunk_vector)), 1e-12)
            node = TextNode(
                id_=chunk.id,
                text=chunk.text,
                embedding=chunk_vector.tolist(),
                metadata={
                    "source": doc.id,
                    "title": doc.title,
                    "heading": chunk.heading,
                    "chunk": chunk.index,
                    "n_chunks": len(chunks),
                    "start": chunk.start,
                    "end": chunk.end,
                    "doc_hash": content_hash,
                    "indexed_at": now,
                    "sentences": _compact_spans(chunk.sentences),
                    "svec": encode_vectors(sentence_vectors),
                },
                relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc.id)},
            )
            nodes.append(node)
        bodies.extend(nodes[1:])
        commits.extend(nodes[:1])
        written += len(nodes)
    # Chunk 0 is each document's commit record: all of them written after all other chunks.
    store.vector_store.add(bodies)
    store.vector_store.add(commits)
    return written


def _compact_spans(spans: tuple[tuple[int, int], ...]) -> str:
    return "[" + ",".join(f"[{s},{e}]" for s, e in spans) + "]"
