"""The index: chunks in Chroma (embedded under ``index/`` or a Chroma server) and a
BM25 index beside it, kept consistent with what Chroma holds.

Chroma is the single source of truth: every chunk carries its document's id,
content hash and sentence offsets; each document's chunk 0 is written last and
acts as its commit record. The BM25 side is derived from Chroma and rebuilt
whenever the set of indexed documents changes (also when another app instance
changed a shared Chroma server).
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import logging
import shutil
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import Settings
from .embeddings import DIMENSION, EMBEDDER_ID
from .errors import IndexProblem
from .question import person_names
from .text import terms

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
REBUILD = "run 'rag ingest --rebuild'"
STAMP_CHECK_SECONDS = 2.0
CHUNK_CACHE_SIZE = 4096


@dataclass(frozen=True)
class IndexedDocument:
    """One row of the documents listing."""

    id: str
    title: str
    chunks: int
    content_hash: str
    indexed_at: str


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as retrieved: text, offsets into its document, sentence data."""

    id: str
    doc_id: str
    title: str
    heading: str
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]
    sentence_vectors: np.ndarray | None


def encode_vectors(vectors: np.ndarray) -> str:
    """Sentence vectors as int8 with one float scale per row, base64 (about 4x smaller)."""
    scales = np.maximum(np.abs(vectors).max(axis=1), 1e-12).astype(np.float32)
    q = np.round(vectors / scales[:, None] * 127).astype(np.int8)
    return base64.b64encode(scales.tobytes() + q.tobytes()).decode("ascii")


def decode_vectors(blob: str, rows: int) -> np.ndarray:
    raw = base64.b64decode(blob)
    scales = np.frombuffer(raw[: 4 * rows], dtype=np.float32)
    q = np.frombuffer(raw[4 * rows :], dtype=np.int8).reshape(rows, DIMENSION)
    return q.astype(np.float32) * (scales[:, None] / 127)


def chunk_from_metadata(chunk_id: str, text: str, meta: dict[str, Any]) -> StoredChunk:
    sentences = tuple(tuple(pair) for pair in json.loads(meta.get("sentences") or "[]"))
    blob = meta.get("svec") or ""
    vectors = decode_vectors(blob, len(sentences)) if blob and sentences else None
    return StoredChunk(
        id=chunk_id,
        doc_id=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        heading=str(meta.get("heading", "")),
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        text=text,
        sentences=sentences,  # type: ignore[arg-type]
        sentence_vectors=vectors,
    )


class Bm25Index:
    """BM25 (bm25s) over chunk texts with their headings, plus document frequencies."""

    def __init__(self, ids: list[str], texts: list[str], documents: frozenset[str] = frozenset()) -> None:
        import bm25s

        self.ids = ids
        self.documents = documents  # the completely indexed documents
        tokens = [terms(t) for t in texts]
        self.df: dict[str, int] = {}
        for toks in tokens:
            for term in set(toks):
                self.df[term] = self.df.get(term, 0) + 1
        self.n_docs = len(ids)
        self._bm25 = bm25s.BM25()
        if ids:
            self._bm25.index([t or ["\x00"] for t in tokens], show_progress=False)

        self._vocabulary = sorted(self.df)
        self._variants: dict[str, frozenset[str]] = {}
        self.people: frozenset[str] = frozenset(set().union(*(person_names(t) for t in texts)))

    def variants(self, term: str) -> frozenset[str]:
        """``term`` and the corpus terms that are close variants of it: one a prefix of
        the other, at most 3 letters apart ("azerbaijan" ~ "azerbaijani")."""
        found = self._variants.get(term)
        if found is None:
            found = {term}
            if len(term) >= 5:
                i = bisect.bisect_left(self._vocabulary, term)
                while i < len(self._vocabulary) and self._vocabulary[i].startswith(term):
                    if len(self._vocabulary[i]) - len(term) <= 3:
                        found.add(self._vocabulary[i])
                    i += 1
                found.update(term[:k] for k in range(max(5, len(term) - 3), len(term)) if term[:k] in self.df)
            found = self._variants[term] = frozenset(found)
        return found

    def knows(self, term: str) -> bool:
        """Whether the corpus has ``term`` or a close variant of it."""
        return any(v in self.df for v in self.variants(term))

    def idf(self, term: str) -> float:
        return float(np.log(1 + (self.n_docs + 1) / (self.df.get(term, 0) + 0.5)))

    def search(self, query_terms: list[str], k: int) -> list[tuple[str, float]]:
        query_terms = [t for t in query_terms if t in self.df]
        if not self.ids or not query_terms:
            return []
        docs, scores = self._bm25.retrieve([query_terms], k=min(k, self.n_docs), show_progress=False, n_threads=1)
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=False) if s > 0]


class Store:
    """Chroma collection + BM25, for one ``Settings``. Safe to share between threads."""

    def __init__(self, settings: Settings, create: bool = True) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._bm25: Bm25Index | None = None
        self._bm25_stamp = ""
        self._checked_at = 0.0
        self._cache: dict[str, StoredChunk] = {}
        self.client = self._connect()
        self.collection = self._open_collection(create)
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.vector_store = ChromaVectorStore(chroma_collection=self.collection)

    # -- opening ---------------------------------------------------------------
    def _connect(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        url = self.settings.chroma_url
        try:
            if url:
                from urllib.parse import urlparse

                parsed = urlparse(url)
                client = chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1",
                    port=parsed.port or 8000,
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings,
                )
                client.heartbeat()
                return client
            path = self.settings.index_dir / "chroma"
            path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except IndexProblem:
            raise
        except Exception as exc:  # chroma raises many types; the user needs one line
            where = f"the Chroma server at {url}" if url else f"the index at {self.settings.index_dir}"
            fix = "start it with 'chroma run --path DIR' or unset RAG_CHROMA_URL" if url else REBUILD
            raise IndexProblem(f"cannot open {where} ({type(exc).__name__}: {exc}); {fix}") from exc

    def _open_collection(self, create: bool) -> Any:
        name = self.settings.collection
        meta = {"embedder": EMBEDDER_ID, "dim": DIMENSION, "format": FORMAT_VERSION}
        try:
            existing = {c.name if hasattr(c, "name") else str(c) for c in self.client.list_collections()}
            if name not in existing:
                if not create:
                    raise IndexProblem(f"no index in {self._where()}; run 'rag ingest'")
                return self.client.create_collection(
                    name, embedding_function=None, metadata=meta, configuration={"hnsw": {"space": "cosine"}}
                )
            collection = self.client.get_collection(name, embedding_function=None)
        except IndexProblem:
            raise
        except Exception as exc:
            raise IndexProblem(f"the index in {self._where()} is unreadable ({exc}); {REBUILD}") from exc
        found = collection.metadata or {}
        if found.get("embedder") != EMBEDDER_ID or found.get("dim") != DIMENSION:
            raise IndexProblem(
                f"the index in {self._where()} was built with embedder {found.get('embedder')!r} "
                f"({found.get('dim')} dims), not {EMBEDDER_ID!r}; {REBUILD}"
            )
        if found.get("format") != FORMAT_VERSION:
            raise IndexProblem(
                f"the index in {self._where()} has format {found.get('format')}, "
                f"this version reads {FORMAT_VERSION}; {REBUILD}"
            )
        return collection

    def _where(self) -> str:
        return self.settings.chroma_url or str(self.settings.index_dir)

    def reset(self) -> None:
        """Drop every chunk (for ``--rebuild``)."""
        with self._lock:
            try:
                self.client.delete_collection(self.settings.collection)
            except Exception:
                pass
            self._bm25, self._bm25_stamp = None, ""
            shutil.rmtree(self.settings.index_dir / "bm25", ignore_errors=True)
            self.collection = self._open_collection(create=True)
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self.vector_store = ChromaVectorStore(chroma_collection=self.collection)

    # -- documents ---------------------------------------------------------------
    def documents(self) -> list[IndexedDocument]:
        """Completely indexed documents (those whose commit record, chunk 0, exists)."""
        rows = self.collection.get(where={"chunk": 0}, include=["metadatas"])
        docs = [
            IndexedDocument(
                id=str(m["source"]),
                title=str(m.get("title", "")),
                chunks=int(m.get("n_chunks", 0)),
                content_hash=str(m.get("doc_hash", "")),
                indexed_at=str(m.get("indexed_at", "")),
            )
            for m in rows["metadatas"] or []
        ]
        return sorted(docs, key=lambda d: d.id)

    def delete_document(self, doc_id: str) -> None:
        """Remove a document's chunks by id: one indexed delete, no scan."""
        self.vector_store.delete(ref_doc_id=doc_id)

    def count(self) -> int:
        return int(self.collection.count())

    # -- retrieval -------------------------------------------------------------
    def dense_search(self, query_vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the ``k`` nearest chunks.

        The hot path asks Chroma for ids and distances only and reads chunk
        bodies from a cache; a full node round-trip through ``ChromaVectorStore``
        costs more than the rest of an answer on a small index.
        """
        if k <= 0:
            return []
        result = self.collection.query(query_embeddings=[query_vector.tolist()], n_results=k, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], result["distances"][0], strict=False)]

    def get_chunks(self, ids: list[str]) -> dict[str, StoredChunk]:
        """Chunks by id, from the cache or Chroma (one ``get`` for the missing ones)."""
        found = {cid: self._cache[cid] for cid in ids if cid in self._cache}
        missing = [cid for cid in ids if cid not in found]
        if missing:
            rows = self.collection.get(ids=missing, include=["documents", "metadatas"])
            for cid, doc, meta in zip(rows["ids"], rows["documents"] or [], rows["metadatas"] or [], strict=False):
                found[cid] = self._cache[cid] = chunk_from_metadata(cid, doc or "", dict(meta or {}))
            while len(self._cache) > CHUNK_CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
        return found

    def invalidate(self) -> None:
        """Forget the BM25 side after a write, so the next query sees the change."""
        self._checked_at = 0.0

    def bm25(self) -> Bm25Index:
        """The BM25 index for what Chroma holds now.

        Whether Chroma changed (this process, another ``rag ingest``, another app
        instance on a shared server) is checked at most every few seconds, so the
        hot path usually costs nothing.
        """
        with self._lock:
            now = time.monotonic()
            if self._bm25 is not None and now - self._checked_at < STAMP_CHECK_SECONDS:
                return self._bm25
            docs = self.documents()
            stamp = hashlib.sha256(json.dumps([(d.id, d.content_hash, d.chunks) for d in docs]).encode()).hexdigest()[
                :16
            ]
            if self._bm25 is None or stamp != self._bm25_stamp:
                self._cache.clear()
                self._bm25 = self._build_bm25()
                self._bm25_stamp = stamp
            self._checked_at = now
            return self._bm25

    def _build_bm25(self) -> Bm25Index:
        rows = self.collection.get(include=["documents", "metadatas"])
        metas = [m or {} for m in rows["metadatas"] or []]
        # Chunks of a document whose commit record (chunk 0) is missing were cut short
        # by a crash: they stay invisible until the next ingestion redoes the document.
        complete = {str(m.get("source")) for m in metas if m.get("chunk") == 0}
        ids, texts = [], []
        for cid, doc, meta in zip(rows["ids"], rows["documents"] or [], metas, strict=False):
            if str(meta.get("source")) in complete:
                ids.append(cid)
                texts.append(f"{meta.get('heading', '')}\n{doc or ''}")
        return Bm25Index(ids, texts, frozenset(complete))

    def incomplete_documents(self) -> set[str]:
        """Documents with chunks but no commit record: an ingestion was interrupted."""
        metas = self.collection.get(include=["metadatas"])["metadatas"] or []
        sources = {str((m or {}).get("source")) for m in metas}
        return sources - {d.id for d in self.documents()}
