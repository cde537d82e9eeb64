"""The index: chunks in Chroma (embedded under ``index/`` or a Chroma server) and a
BM25 index beside it, kept consistent with what Chroma holds.

Chroma is the single source of truth: every chunk carries its document's id,
content hash and sentence offsets; each document's chunk 0 is written last and
acts as its commit record. The BM25 side is derived from Chroma and rebuilt
whenever the set of indexed documents changes (also when another app instance
changed a shared Chroma server). A built BM25 index is saved under
``index/bm25/<version>`` so the next process loads it instead of rebuilding it.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import logging
import math
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from .config import Settings
from .embeddings import DIMENSION, EMBEDDER_ID
from .errors import IndexProblem
from .neighbourhood import contextual, first_rows, window_lengths
from .question import person_names, title_names
from .text import context_acronyms, name_acronyms, terms

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
REBUILD = "run 'rag ingest --rebuild'"
STAMP_CHECK_SECONDS = 2.0
CHUNK_CACHE_SIZE = 4096
# Rows per Chroma ``get`` when reading the whole collection: bounds the memory a
# 100k-chunk scan needs (every row carries its sentence vectors twice over).
PAGE_ROWS = 2000
BM25_FILES_KEPT = 2
BM25_FILES_FORMAT = 9  # bump when what ``Bm25Index.save`` writes changes, or how text is cut into terms


@dataclass(frozen=True)
class IndexedDocument:
    """One row of the documents listing."""

    id: str
    title: str
    chunks: int
    content_hash: str
    indexed_at: str


def _is_unwritable(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, PermissionError) or any(
        word in text for word in ("readonly", "read-only", "permission denied", "disk is full", "no space left")
    )


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
    # The sentences' vectors, or how to read them: read on first use, as an extractive
    # answer needs only the similarities retrieval already worked out from them.
    vectors: np.ndarray | Callable[[], np.ndarray | None] | None = field(repr=False, compare=False)
    # Each sentence's terms as ``text.terms`` gives them, when the keyword index knows them.
    sentence_terms: tuple[frozenset[str], ...] | None = None
    # ``text.context_acronyms`` of the chunk, when the keyword index worked them out.
    acronyms: frozenset[str] | None = None

    @cached_property
    def sentence_vectors(self) -> np.ndarray | None:
        return self.vectors() if callable(self.vectors) else self.vectors


def encode_vector_groups(vectors: np.ndarray, counts: Sequence[int]) -> list[str]:
    """Each run of ``counts`` consecutive rows as int8 with one float scale per row, base64
    (about 4x smaller; read back by ``decode_vectors``), quantised in one pass over the batch."""
    scales = np.maximum(np.abs(vectors).max(axis=1), 1e-12).astype(np.float32)
    q = np.round(vectors / scales[:, None] * 127).astype(np.int8)
    blobs, at = [], 0
    for n in counts:
        blobs.append(base64.b64encode(scales[at : at + n].tobytes() + q[at : at + n].tobytes()).decode("ascii"))
        at += n
    return blobs


def decode_vectors(blob: str, rows: int) -> np.ndarray:
    raw = base64.b64decode(blob)
    scales = np.frombuffer(raw[: 4 * rows], dtype=np.float32)
    q = np.frombuffer(raw[4 * rows :], dtype=np.int8).reshape(rows, DIMENSION)
    return q.astype(np.float32) * (scales[:, None] / 127)


def chunk_from_metadata(chunk_id: str, text: str, meta: dict[str, Any]) -> StoredChunk:
    sentences = tuple(tuple(pair) for pair in json.loads(meta.get("sentences") or "[]"))
    blob = meta.get("svec") or ""
    vectors = partial(decode_vectors, blob, len(sentences)) if blob and sentences else None
    return StoredChunk(
        id=chunk_id,
        doc_id=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        heading=str(meta.get("heading", "")),
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        text=text,
        sentences=sentences,
        vectors=vectors,
    )


class SentenceMatrix:
    """Every chunk's int8 sentence vectors in one array (memory-mapped once saved).

    Retrieval scores each candidate's best sentence from here, so it reads from
    Chroma only the few chunks it returns: fetching a chunk's metadata costs
    ~0.15 ms per chunk (one SQLite row per key), the bulk of a query otherwise.
    """

    FILES = ("svec_q.npy", "svec_scales.npy", "svec_offsets.npy")
    WINDOWS = "svec_window_lengths.npy"
    _BATCH_CHUNKS = 20_000  # window lengths are worked out this many chunks at a time

    def __init__(
        self, q: np.ndarray, scales: np.ndarray, offsets: np.ndarray, windows: np.ndarray | None = None
    ) -> None:
        # Plain views of the memory maps: slicing a ``np.memmap`` costs a few microseconds
        # of subclass bookkeeping, paid for every candidate chunk of every query.
        self.q, self.scales, self.offsets = np.asarray(q), np.asarray(scales), np.asarray(offsets)
        self._bounds: list[int] = self.offsets.tolist()
        # Each sentence's window length (see ``neighbourhood``): fixed by the sentences,
        # so worked out here once instead of for every passage of every answer.
        self.windows = np.asarray(windows) if windows is not None else self._window_lengths()

    def _window_lengths(self) -> np.ndarray:
        out = np.zeros(len(self.q), dtype=np.float32)
        chunks = len(self._bounds) - 1
        for a in range(0, chunks, self._BATCH_CHUNKS):
            b = min(chunks, a + self._BATCH_CHUNKS)
            first, last = self._bounds[a], self._bounds[b]
            out[first:last] = window_lengths(self._vectors(first, last), first_rows(np.diff(self.offsets[a : b + 1])))
        return out

    def _vectors(self, start: int, end: int) -> np.ndarray:
        """Rows ``start:end`` as float vectors, exactly as ``decode_vectors`` gives them."""
        return self.q[start:end].astype(np.float32) * (self.scales[start:end, None] / 127)

    def rows(self, i: int) -> np.ndarray:
        """Chunk ``i``'s sentence vectors, exactly as ``decode_vectors`` gives them."""
        return self._vectors(self._bounds[i], self._bounds[i + 1])

    def rows_or_none(self, i: int) -> np.ndarray | None:
        vectors = self.rows(i)
        return vectors if len(vectors) else None

    def similarities(self, positions: Sequence[int], query: np.ndarray) -> SentenceScores:
        """The similarities to ``query`` of the sentences of the chunks at ``positions``,
        in one pass over all their rows instead of one per chunk."""
        at = np.asarray(positions, dtype=np.int64)
        starts = self.offsets[at]
        counts = self.offsets[at + 1] - starts
        rows = _concatenated_ranges(starts, counts)
        # Dequantise after the product: (q @ v) * scale / 127 equals (q * scale / 127) @ v.
        scores = (self.q[rows].astype(np.float32) @ query) * (self.scales[rows] / 127)
        return SentenceScores(self, rows, scores, np.cumsum(counts) - counts, counts)

    def save(self, folder: Path) -> None:
        for name, array in zip(self.FILES, (self.q, self.scales, self.offsets), strict=True):
            np.save(folder / name, array)
        np.save(folder / self.WINDOWS, self.windows)

    @classmethod
    def load(cls, folder: Path) -> SentenceMatrix | None:
        if not all((folder / name).is_file() for name in cls.FILES):
            return None
        q, scales, offsets = (np.load(folder / name, mmap_mode="r") for name in cls.FILES)
        if (folder / cls.WINDOWS).is_file():
            return cls(q, scales, offsets, np.load(folder / cls.WINDOWS, mmap_mode="r"))
        # A keyword index saved before window lengths were kept: worked out once (seconds
        # at 100k chunks) and kept beside it, so the next process loads them.
        matrix = cls(q, scales, offsets)
        tmp = folder / f"{cls.WINDOWS}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            with tmp.open("wb") as out:
                np.save(out, matrix.windows)
            tmp.rename(folder / cls.WINDOWS)
        except OSError as exc:  # a read-only index still answers, working them out each time
            log.info("could not keep the sentence window lengths in %s: %s", folder, exc)
            tmp.unlink(missing_ok=True)
        return matrix


class SentenceScores:
    """The sentences' own similarities to a query, for some chunks of a ``SentenceMatrix``."""

    def __init__(
        self, matrix: SentenceMatrix, rows: np.ndarray, scores: np.ndarray, firsts: np.ndarray, counts: np.ndarray
    ) -> None:
        self._matrix, self._rows, self._scores, self._firsts, self._counts = matrix, rows, scores, firsts, counts

    def best(self) -> list[float]:
        """Each chunk's best sentence similarity (0 for a chunk without sentences)."""
        best = np.zeros(len(self._counts), dtype=np.float32)
        has = self._counts > 0
        if has.any():
            best[has] = np.maximum.reduceat(self._scores, self._firsts[has])
        return best.tolist()

    def contextual(self, chunks: Sequence[int]) -> list[list[float]]:
        """The sentences' similarities blended with their neighbourhood's
        (``neighbourhood.contextual``), for the chunks at ``chunks`` (indices into the
        positions scored): only for the few passages an answer reads."""
        if not len(chunks):
            return []
        pick = np.asarray(chunks, dtype=np.int64)
        counts = self._counts[pick]
        at = _concatenated_ranges(self._firsts[pick], counts)
        flat = contextual(self._scores[at], self._matrix.windows[self._rows[at]], first_rows(counts)).tolist()
        cuts = [0, *np.cumsum(counts).tolist()]
        return [flat[cuts[n] : cuts[n + 1]] for n in range(len(pick))]


def _concatenated_ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """starts[0] .. starts[0]+counts[0]-1, then starts[1] .., as one array: the rows of
    several chunks, in order, without a Python loop."""
    ends = np.cumsum(counts)
    return np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(starts - (ends - counts), counts)


class _SentenceMatrixBuilder:
    """Decodes each chunk's ``svec`` as it is read, so a 100k-chunk rebuild never holds
    all the base64 text at once (a quarter of a gigabyte)."""

    def __init__(self) -> None:
        self.q, self.scales, self.rows = bytearray(), bytearray(), [0]

    def add(self, blob: str, rows: int) -> None:
        raw = base64.b64decode(blob) if blob and rows else b""
        if rows and len(raw) == rows * (4 + DIMENSION):  # a damaged blob counts as no vectors
            self.scales += raw[: 4 * rows]
            self.q += raw[4 * rows :]
        else:
            rows = 0
        self.rows.append(self.rows[-1] + rows)

    def build(self, keep: list[int]) -> SentenceMatrix:
        """The matrix of the chunks at positions ``keep`` (in that order)."""
        q = np.frombuffer(self.q, dtype=np.int8).reshape(-1, DIMENSION)
        scales = np.frombuffer(self.scales, dtype=np.float32)
        bounds = np.asarray(self.rows, dtype=np.int64)
        if len(keep) == len(bounds) - 1:  # nothing dropped: no copy
            return SentenceMatrix(q, scales, bounds)
        take = np.concatenate([np.arange(bounds[i], bounds[i + 1]) for i in keep] or [np.zeros(0, np.int64)])
        counts = np.array([bounds[i + 1] - bounds[i] for i in keep], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return SentenceMatrix(q[take], scales[take], offsets)


class SentenceTerms:
    """Every indexed sentence's terms, as ids into the keyword index's sorted vocabulary
    (memory-mapped once saved). The answerer reads a passage's terms from here instead
    of tokenising and stemming its sentences again (0.2 ms of an answer over passages
    it has not seen before, at 100k chunks)."""

    FILES = ("sentence_terms.npy", "sentence_term_bounds.npy", "sentence_term_chunks.npy")

    def __init__(self, ids: np.ndarray, bounds: np.ndarray, chunks: np.ndarray, vocabulary: list[str]) -> None:
        # ``bounds``: where each sentence's ids start (one more at the end); ``chunks``:
        # where each chunk's sentences start in ``bounds`` (one more at the end).
        self.ids, self.bounds, self.chunks = np.asarray(ids), np.asarray(bounds), np.asarray(chunks)
        self.vocabulary = vocabulary

    @classmethod
    def build(cls, per_chunk: list[list[list[str]]], vocabulary: list[str]) -> SentenceTerms:
        """From each chunk's sentences' terms, in index order."""
        number = {term: n for n, term in enumerate(vocabulary)}
        sentences = [terms for chunk in per_chunk for terms in chunk]
        ids = np.fromiter((number[t] for terms in sentences for t in terms), dtype=np.int32)
        bounds = np.zeros(len(sentences) + 1, dtype=np.int64)
        np.cumsum([len(terms) for terms in sentences], out=bounds[1:])
        chunks = np.zeros(len(per_chunk) + 1, dtype=np.int64)
        np.cumsum([len(chunk) for chunk in per_chunk], out=chunks[1:])
        return cls(ids, bounds, chunks, vocabulary)

    def of(self, i: int) -> tuple[frozenset[str], ...]:
        """Chunk ``i``'s sentences' terms, in sentence order."""
        first, last = int(self.chunks[i]), int(self.chunks[i + 1])
        cuts = self.bounds[first : last + 1].tolist()
        if not cuts:
            return ()
        flat = self.ids[cuts[0] : cuts[-1]].tolist()
        vocabulary, base = self.vocabulary, cuts[0]
        return tuple(frozenset(vocabulary[n] for n in flat[a - base : b - base]) for a, b in pairwise(cuts))

    def save(self, folder: Path) -> None:
        for name, array in zip(self.FILES, (self.ids, self.bounds, self.chunks), strict=True):
            np.save(folder / name, array)

    @classmethod
    def load(cls, folder: Path, vocabulary: list[str]) -> SentenceTerms | None:
        if not all((folder / name).is_file() for name in cls.FILES):
            return None
        ids, bounds, chunks = (np.load(folder / name, mmap_mode="r") for name in cls.FILES)
        return cls(ids, bounds, chunks, vocabulary)


def _title_names_json(names: dict[tuple[str, ...], Any]) -> list[list[list[str]]]:
    """``ChunkTable.title_names`` as JSON keeps it: [[name's terms, document ids], ...]."""
    return [[list(name), sorted(ids)] for name, ids in sorted(names.items())]


class ChunkTable:
    """A local copy of the indexed chunks' bodies: texts in one memory-mapped UTF-8 file,
    offsets and titles in small arrays. With it a query needs one Chroma call (the dense
    search) instead of two: on a busy machine each call waits for Chroma's worker
    threads, and that wait, not the work, is most of a query's time."""

    def __init__(self, text: Any, offsets: np.ndarray, fields: dict[str, Any]) -> None:
        self.text, self.offsets = text, offsets
        self.docs: list[list[str]] = fields["docs"]  # [id, title]
        self.headings: list[str] = fields["headings"]
        # [doc, heading, start, end, sentences as JSON, context acronyms joined by spaces]
        self.rows: list[list[Any]] = fields["rows"]
        # What questions may call each document by its title ("GFDL"; see ``title_names``), worked
        # out once here: 0.2 s over the titles of 6,000 documents, too much for a first answer.
        self.title_names: dict[tuple[str, ...], frozenset[str]] = {
            tuple(name): frozenset(ids) for name, ids in fields.get("title_names", ())
        }

    @classmethod
    def build(cls, texts: list[str], metas: list[dict[str, Any]]) -> ChunkTable:
        docs: dict[tuple[str, str], int] = {}
        headings: dict[str, int] = {}
        rows = []
        for text, meta in zip(texts, metas, strict=True):
            title, heading_text = str(meta.get("title", "")), str(meta.get("heading", ""))
            doc = docs.setdefault((str(meta.get("source", "")), title), len(docs))
            heading = headings.setdefault(heading_text, len(headings))
            start, end = int(meta.get("start", 0)), int(meta.get("end", 0))
            # Worked out once here, not per answer (about 50 µs a chunk, on every passage an
            # answer reads for the first time).
            names = context_acronyms(title, heading_text, text)
            rows.append([doc, heading, start, end, str(meta.get("sentences") or "[]"), " ".join(sorted(names))])
        encoded = [t.encode("utf-8") for t in texts]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        named: dict[tuple[str, ...], set[str]] = {}
        for source, title in docs:
            for name in title_names(title):
                named.setdefault(name, set()).add(source)
        fields = {
            "docs": [list(d) for d in docs],
            "headings": list(headings),
            "rows": rows,
            "title_names": _title_names_json(named),
        }
        return cls(b"".join(encoded), offsets, fields)

    def save(self, folder: Path) -> None:
        (folder / "chunk_text.bin").write_bytes(bytes(self.text))
        np.save(folder / "chunk_text_offsets.npy", self.offsets)
        names = _title_names_json(self.title_names)
        fields = {"docs": self.docs, "headings": self.headings, "rows": self.rows, "title_names": names}
        (folder / "chunk_fields.json").write_text(json.dumps(fields, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path) -> ChunkTable | None:
        if not (folder / "chunk_fields.json").is_file():
            return None
        size = (folder / "chunk_text.bin").stat().st_size
        # A plain view of the map: slicing a ``np.memmap`` itself costs 3x more per chunk.
        text = np.asarray(np.memmap(folder / "chunk_text.bin", dtype=np.uint8, mode="r")) if size else b""
        offsets = np.load(folder / "chunk_text_offsets.npy")
        return cls(text, offsets, json.loads((folder / "chunk_fields.json").read_text()))

    def chunk(
        self,
        i: int,
        chunk_id: str,
        vectors: Callable[[], np.ndarray | None] | None,
        terms: tuple[frozenset[str], ...] | None = None,
    ) -> StoredChunk:
        doc, heading, start, end, sentences, names = self.rows[i]
        doc_id, title = self.docs[doc]
        return StoredChunk(
            id=chunk_id,
            doc_id=doc_id,
            title=title,
            heading=self.headings[heading],
            start=start,
            end=end,
            text=bytes(self.text[int(self.offsets[i]) : int(self.offsets[i + 1])]).decode("utf-8"),
            sentences=tuple(tuple(pair) for pair in json.loads(sentences)),
            vectors=vectors,
            sentence_terms=terms,
            acronyms=frozenset(names.split()),
        )


class Bm25Index:
    """BM25 (bm25s) over chunk texts with their headings, plus document frequencies."""

    def __init__(
        self,
        ids: list[str],
        texts: list[str],
        documents: frozenset[str] = frozenset(),
        vectors: SentenceMatrix | None = None,
        chunks: ChunkTable | None = None,
        per_sentence_terms: list[list[list[str]]] | None = None,
        tokens: list[list[str]] | None = None,
        rows_read: int | None = None,
    ) -> None:
        """``tokens``: each text's terms when already known; ``per_sentence_terms``: each
        chunk's sentences' terms, kept for the answerer; ``rows_read``: the chunks read from
        Chroma to build it, those of incompletely indexed documents included."""
        import bm25s

        self.ids = ids
        self.rows_read = rows_read
        self.documents = documents  # the completely indexed documents
        self.vectors = vectors  # sentence vectors of ``ids``, when known
        self.chunks = chunks  # bodies of ``ids``, when known
        self._position: dict[str, int] | None = None
        self._postings_views: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        tokens = tokens if tokens is not None else [terms(t) for t in texts]
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
        # Gathered text by text: ``set().union(*sets)`` would hold 100k sets at once.
        people: set[str] = set()
        # What the documents' names go by ("gpl" for "the GNU General Public License"), so a
        # question about the GPL is not told the documents never mention it.
        names: set[str] = set()
        for text in texts:
            people |= person_names(text)
            names |= name_acronyms(text)
        self.people: frozenset[str] = frozenset(people)
        self.acronyms: frozenset[str] = frozenset(names)
        self.sentence_terms = (
            SentenceTerms.build(per_sentence_terms, self._vocabulary) if per_sentence_terms is not None else None
        )

    def save(self, path: Path) -> None:
        """Write the index to ``path`` (a new folder), atomically: built aside, then renamed."""
        tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.mkdir(parents=True)
        if self.ids:
            self._bm25.save(str(tmp / "bm25s"))
        if self.vectors is not None:
            self.vectors.save(tmp)
        if self.chunks is not None:
            self.chunks.save(tmp)
        if self.sentence_terms is not None:
            self.sentence_terms.save(tmp)
        extra = {
            "ids": self.ids,
            "n_ids": len(self.ids),
            "rows_read": self.rows_read,
            "documents": sorted(self.documents),
            "df": self.df,
            "people": sorted(self.people),
            "acronyms": sorted(self.acronyms),
        }
        (tmp / "index.json").write_text(json.dumps(extra, ensure_ascii=False))
        try:
            tmp.rename(path)
        except OSError:  # another process saved the same version first
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, path: Path) -> Bm25Index:
        """An index written by ``save`` (the score matrix memory-mapped, not copied)."""
        import bm25s

        extra = json.loads((path / "index.json").read_text())
        index = cls.__new__(cls)
        index.ids = extra["ids"]
        # What Chroma held when it was built; None from a file that says nothing or is not whole.
        index.rows_read = extra.get("rows_read") if extra.get("n_ids") == len(index.ids) else None
        index.documents = frozenset(extra["documents"])
        index.df = extra["df"]
        index.n_docs = len(index.ids)
        index._bm25 = bm25s.BM25.load(str(path / "bm25s"), mmap=True) if index.ids else bm25s.BM25()
        index._vocabulary = sorted(index.df)
        index._variants = {}
        index.people = frozenset(extra["people"])
        index.acronyms = frozenset(extra.get("acronyms", ()))
        index.vectors = SentenceMatrix.load(path)
        index.chunks = ChunkTable.load(path)
        index.sentence_terms = SentenceTerms.load(path, index._vocabulary)
        index._position = None
        index._postings_views = None
        return index

    def documents_named(self, names: Iterable[tuple[str, ...]]) -> frozenset[str]:
        """The ids of the documents that ``names`` (each a name's terms) call by their title:
        "the Artistic License" for 'The "Artistic License"', "GFDL", "LGPL" for "GNU Lesser
        General Public License Version 2.1, February 1999" (see ``title_names``)."""
        index = self.chunks.title_names if self.chunks is not None else {}
        return frozenset().union(*(index.get(name, frozenset()) for name in names))

    def chunk(self, chunk_id: str) -> StoredChunk | None:
        """The chunk from the local copy; None if this index does not hold it."""
        i = self._positions().get(chunk_id)
        if i is None or self.chunks is None or self.vectors is None:
            return None
        terms_of = self.sentence_terms.of(i) if self.sentence_terms is not None else None
        return self.chunks.chunk(i, chunk_id, partial(self.vectors.rows_or_none, i), terms_of)

    def _positions(self) -> dict[str, int]:
        position = self._position
        if position is None:  # built on first use; two threads building it at once build the same
            position = self._position = {cid: i for i, cid in enumerate(self.ids)}
        return position

    def sentence_scores(self, chunk_ids: Sequence[str], query: np.ndarray) -> tuple[list[str], SentenceScores | None]:
        """The chunks of ``chunk_ids`` this index knows, and their sentences' similarities
        to ``query`` (see ``SentenceMatrix.similarities``)."""
        positions = self._positions()
        known = [cid for cid in chunk_ids if cid in positions]
        if not known or self.vectors is None:
            return [], None
        return known, self.vectors.similarities([positions[cid] for cid in known], query)

    def variants(self, term: str) -> frozenset[str]:
        """``term`` and the corpus terms that are close variants of it: one a prefix of
        the other, at most 3 letters apart ("azerbaijan" ~ "azerbaijani")."""
        cached = self._variants.get(term)
        if cached is not None:
            return cached
        found = {term}
        if len(term) >= 5:
            i = bisect.bisect_left(self._vocabulary, term)
            while i < len(self._vocabulary) and self._vocabulary[i].startswith(term):
                if len(self._vocabulary[i]) - len(term) <= 3:
                    found.add(self._vocabulary[i])
                i += 1
            found.update(term[:k] for k in range(max(5, len(term) - 3), len(term)) if term[:k] in self.df)
        result = self._variants[term] = frozenset(found)
        return result

    def knows(self, term: str) -> bool:
        """Whether the corpus has ``term`` or a close variant of it."""
        return any(v in self.df for v in self.variants(term))

    def idf(self, term: str) -> float:
        # math.log: the extractive scorer calls this ~1000 times per answer, np.log is 10x slower on scalars.
        return math.log(1 + (self.n_docs + 1) / (self.df.get(term, 0) + 0.5))

    def _postings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """bm25s's score matrix (CSC: each term's chunks and scores) as plain views of its
        memory maps: indexing a ``np.memmap`` costs microseconds of subclass bookkeeping."""
        postings = self._postings_views
        if postings is None:
            matrix = self._bm25.scores
            postings = self._postings_views = (
                np.asarray(matrix["indptr"]),
                np.asarray(matrix["indices"]),
                np.asarray(matrix["data"]),
            )
        return postings

    def search(self, query_terms: list[str], k: int) -> list[tuple[str, float]]:
        query_terms = [t for t in query_terms if t in self.df]
        if not self.ids or not query_terms:
            return []
        # bm25s's own scoring adds postings with ``np.add.at`` (2-3 ms at 100k chunks);
        # ``np.bincount`` over the same precomputed scores gives the same sums in a tenth.
        indptr, indices, data = self._postings()
        token_ids = np.asarray(self._bm25.get_tokens_ids(query_terms), dtype=np.int64)
        if not len(token_ids):
            return []
        starts = indptr[token_ids]
        at = _concatenated_ranges(starts, indptr[token_ids + 1] - starts)
        holders = indices[at]
        scores = np.bincount(holders, weights=data[at], minlength=self.n_docs)
        # The top k among the chunks that hold a term (a few thousand postings), not among
        # all chunks: a chunk is listed once per term it holds, so the best k x terms
        # postings hold the best k chunks.
        wanted = k * len(token_ids)
        if len(holders) > wanted:
            holders = holders[np.argpartition(scores[holders], len(holders) - wanted)[len(holders) - wanted :]]
        top = np.unique(holders)
        top = top[np.lexsort((top, -scores[top]))][:k]  # equal scores (duplicate texts): lower position first
        return [(self.ids[d], float(scores[d])) for d in top.tolist()]


# Metadata read only through the raw collection: kept out of llama-index's
# ``_node_content`` copy, which would otherwise store them twice (index -40%).
RAW_ONLY_KEYS = ("svec", "sentences")
# Rows per Chroma ``add``. Chroma's binding holds the GIL for the whole call, so a
# background writer blocks the embedding thread for at most one such call; fewer
# than ~200 rows per call costs more in per-call overhead than it gains.
WRITE_ROWS = 256


@dataclass(frozen=True)
class ChunkRecord:
    """One chunk as ingestion writes it: ``metadata`` holds ``RAW_ONLY_KEYS`` too."""

    id: str
    doc_id: str
    text: str
    metadata: dict[str, Any]


def _chroma_metadata(record: ChunkRecord) -> dict[str, Any]:
    """The record's Chroma metadata exactly as llama-index's ``ChromaVectorStore`` writes
    its node (``_node_content``, ``_node_type``, ``document_id``/``doc_id``/``ref_doc_id``),
    with ``RAW_ONLY_KEYS`` as top-level keys only."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
    from llama_index.core.vector_stores.utils import node_to_metadata_dict

    node = TextNode(
        id_=record.id,
        text=record.text,
        metadata={k: v for k, v in record.metadata.items() if k not in RAW_ONLY_KEYS},
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=record.doc_id)},
    )
    meta = node_to_metadata_dict(node, remove_text=True, flat_metadata=False)
    meta.update((k, record.metadata[k]) for k in RAW_ONLY_KEYS if k in record.metadata)
    return {k: "" if v is None else v for k, v in meta.items()}


class Store:
    """Chroma collection + BM25, for one ``Settings``. Safe to share between threads."""

    def __init__(self, settings: Settings, create: bool = True) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._bm25: Bm25Index | None = None
        self._bm25_stamp = ""
        self._checked_at = 0.0
        self._wrote = False  # this store wrote since the last check: rebuild before answering
        self._building = ""  # the BM25 version a background thread is building
        self._count: tuple[float, int] | None = None  # (when read, chunks)
        self._cache: dict[str, StoredChunk] = {}
        self._cache_lock = threading.Lock()  # readers run on many threads at once
        self._vector_store: Any = None
        self.client = self._connect()
        self.collection = self._open_collection(create)

    @property
    def vector_store(self) -> Any:
        """llama-index's ``ChromaVectorStore`` over the collection: its readers see our
        chunks as nodes, and deletes go through it (by ``ref_doc_id``, one indexed call).

        Built on first use: importing llama-index costs a second or two, which
        ``rag ask`` (read-only, hot path on the raw collection) never pays.
        """
        if self._vector_store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._vector_store = ChromaVectorStore(chroma_collection=self.collection)
        return self._vector_store

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
            if _is_unwritable(exc):  # a rebuild would not help, and would lose the index
                fix = "it is read-only or the disk is full: fix its permissions or free disk space"
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
            if _is_unwritable(exc):
                raise IndexProblem(
                    f"the index in {self._where()} is read-only or the disk is full ({exc}); "
                    "fix its permissions or free disk space"
                ) from exc
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
            self._count = None
            shutil.rmtree(self.settings.index_dir / "bm25", ignore_errors=True)
            self.collection = self._open_collection(create=True)
            self._vector_store = None

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

    def add_chunks(self, records: Sequence[ChunkRecord], embeddings: np.ndarray) -> None:
        """Write chunks in llama-index's format (as ``vector_store.add`` would), in order,
        ``WRITE_ROWS`` at a time; the vectors go to Chroma as one float32 array."""
        for start in range(0, len(records), WRITE_ROWS):
            part = records[start : start + WRITE_ROWS]
            metadatas = [_chroma_metadata(r) for r in part]
            self.collection.add(
                ids=[r.id for r in part],
                embeddings=embeddings[start : start + len(part)],
                metadatas=metadatas,
                documents=[r.text for r in part],
            )
        self._count = None

    def delete_document(self, doc_id: str) -> None:
        """Remove a document's chunks by id: one indexed delete, no scan."""
        self.vector_store.delete(ref_doc_id=doc_id)
        self._count = None

    def count(self) -> int:
        """Chunks in the collection. Asked on every answer, so read from Chroma at most
        every ``STAMP_CHECK_SECONDS`` (at once after a write through this store)."""
        cached = self._count
        now = time.monotonic()
        if cached is not None and now - cached[0] < STAMP_CHECK_SECONDS:
            return cached[1]
        n = int(self.collection.count())
        self._count = (now, n)
        return n

    def _rows(self, include: list[str], where: dict[str, Any] | None = None) -> Iterator[tuple[str, str, dict]]:
        """(id, document, metadata) of every chunk, read a page at a time."""
        offset = 0
        while True:
            page = self.collection.get(where=where, include=include, limit=PAGE_ROWS, offset=offset)
            ids = page["ids"]
            docs = page.get("documents") or [""] * len(ids)
            metas = page.get("metadatas") or [{}] * len(ids)
            yield from zip(ids, (d or "" for d in docs), (dict(m or {}) for m in metas), strict=False)
            if len(ids) < PAGE_ROWS:
                return
            offset += len(ids)

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
        """Chunks by id: from the cache, the keyword index's local copy, or Chroma (one
        ``get`` for the rest). The local copy is skipped while a newer one is being built,
        as it may still hold chunks another instance deleted."""
        with self._cache_lock:
            found = {cid: self._cache[cid] for cid in ids if cid in self._cache}
        local = self._bm25
        if local is not None and not self._building:
            for cid in ids:
                if cid not in found and (chunk := local.chunk(cid)) is not None:
                    found[cid] = chunk
        missing = [cid for cid in ids if cid not in found]
        if missing:
            rows = self.collection.get(ids=missing, include=["documents", "metadatas"])
            fetched = {
                cid: chunk_from_metadata(cid, doc or "", dict(meta or {}))
                for cid, doc, meta in zip(rows["ids"], rows["documents"] or [], rows["metadatas"] or [], strict=False)
            }
            found.update(fetched)
            with self._cache_lock:  # eviction iterates the dict: no other thread may resize it meanwhile
                self._cache.update(fetched)
                while len(self._cache) > CHUNK_CACHE_SIZE:
                    self._cache.pop(next(iter(self._cache)))
        return found

    def invalidate(self) -> None:
        """After a write: the next query here sees the change at once, and other app
        instances (other processes, a shared Chroma server) within their next check,
        through a new ``generation`` in the collection's metadata."""
        self._checked_at = 0.0
        self._wrote = True
        self._count = None
        try:
            meta = dict(self.client.get_collection(self.settings.collection, embedding_function=None).metadata or {})
            meta["generation"] = uuid.uuid4().hex
            self.collection.modify(metadata=meta)
        except Exception as exc:  # the count still tells most writes apart
            log.warning("could not mark the index as changed: %s", exc)

    def version(self) -> tuple[str, int]:
        """What identifies the collection's content cheaply: the write generation and the
        chunk count (a write that skipped ``invalidate``, e.g. a crash, changes the count)."""
        meta = self.client.get_collection(self.settings.collection, embedding_function=None).metadata or {}
        return str(meta.get("generation", "")), self.collection.count()

    def bm25(self) -> Bm25Index:
        """The BM25 index for what Chroma holds now.

        Whether Chroma changed (this process, another ``rag ingest``, another app
        instance on a shared server) is checked at most every few seconds, so the
        hot path usually costs nothing. After a write through this store the new
        index is ready before the next answer; after someone else's write it is
        built in the background (a minute at 100k chunks) while answers keep
        using the previous one — safe, as retrieval drops ids Chroma no longer has
        and dense hits from documents the keyword index does not know yet.
        """
        with self._lock:
            now = time.monotonic()
            if self._bm25 is not None and now - self._checked_at < STAMP_CHECK_SECONDS:
                return self._bm25
            generation, count = self.version()
            version = f"{FORMAT_VERSION}:{BM25_FILES_FORMAT}:{generation}-{count}"
            stamp = hashlib.sha256(version.encode()).hexdigest()[:16]
            self._checked_at = now
            if self._bm25 is None or stamp != self._bm25_stamp:
                if self._bm25 is None or self._wrote or (self._bm25_folder() / stamp / "index.json").is_file():
                    self._swap(self._load_or_build_bm25(stamp, count), stamp)
                elif not self._building:  # one build at a time; a newer change is seen at the next check
                    self._building = stamp
                    threading.Thread(
                        target=self._build_in_background, args=(stamp, count, self._bm25_stamp), daemon=True
                    ).start()
            self._wrote = False
            assert self._bm25 is not None  # built above when there was none
            return self._bm25

    def _swap(self, index: Bm25Index, stamp: str) -> None:
        with self._cache_lock:
            self._cache.clear()
        self._bm25, self._bm25_stamp = index, stamp

    def _build_in_background(self, stamp: str, count: int, base: str) -> None:
        try:
            index = self._load_or_build_bm25(stamp, count)
        except Exception as exc:  # keep answering from the previous index; retry at the next check
            log.warning("could not rebuild the keyword index: %s", exc)
            index = None
        with self._lock:
            self._building = ""
            if index is not None and self._bm25_stamp == base:  # not overtaken by a rebuild after a write
                self._swap(index, stamp)
            self._checked_at = 0.0

    def _bm25_folder(self) -> Path:
        return self.settings.index_dir / "bm25"

    def _load_or_build_bm25(self, stamp: str, count: int) -> Bm25Index:
        """The saved index for this version of the collection (``count`` chunks), or a new
        one (then saved)."""
        folder = self._bm25_folder()
        path = folder / stamp
        if (path / "index.json").is_file():
            try:
                loaded = Bm25Index.load(path)
                # A file from an interrupted write can be valid JSON and still wrong. One that
                # is whole and was built from as many chunks as Chroma holds now (the folder's
                # name already says which write generation) is trusted at the cost of a count;
                # reading every document's record to compare takes a second at 100k chunks.
                if loaded.rows_read is not None and loaded.rows_read == count:
                    return loaded
                docs = self.documents()
                if len(loaded.ids) != sum(d.chunks for d in docs) or loaded.documents != {d.id for d in docs}:
                    raise ValueError("it disagrees with Chroma")
                return loaded
            except Exception as exc:  # a damaged file only costs a rebuild
                log.warning("rebuilding the keyword index (%s)", exc)
                shutil.rmtree(path, ignore_errors=True)
        index = self._build_bm25()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            index.save(path)
            # Keep the newest few versions: another instance may still be on the previous one.
            saved = sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
            for old in saved[:-BM25_FILES_KEPT]:
                shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:  # a read-only index folder still answers, it just rebuilds next time
            log.warning("could not save the keyword index to %s: %s", path, exc)
        return index

    def _build_bm25(self) -> Bm25Index:
        ids, sources, texts, bodies, metas = [], [], [], [], []
        tokens: list[list[str]] = []
        sentence_terms: list[list[list[str]]] = []
        heading_terms: dict[str, list[str]] = {}
        vectors = _SentenceMatrixBuilder()
        complete: set[str] = set()
        for cid, doc, meta in self._rows(["documents", "metadatas"]):
            doc = doc or ""
            bodies.append(doc)
            metas.append({k: meta.get(k) for k in ("source", "title", "heading", "start", "end", "sentences")})
            source = str(meta.get("source"))
            if meta.get("chunk") == 0:
                complete.add(source)
            ids.append(cid)
            sources.append(source)
            heading = str(meta.get("heading") or "")
            texts.append(f"{heading}\n{doc}")
            spans = json.loads(meta.get("sentences") or "[]")
            # A chunk's sentences cover its text, so its terms are its heading's and its
            # sentences' (tokenised once, for the keyword index and the answerer alike).
            sentence_terms.append([terms(doc[s:e]) for s, e in spans])
            if heading not in heading_terms:
                heading_terms[heading] = terms(heading)
            tokens.append(heading_terms[heading] + [t for part in sentence_terms[-1] for t in part])
            vectors.add(str(meta.get("svec") or ""), len(spans))
        # Chunks of a document whose commit record (chunk 0) is missing were cut short
        # by a crash: they stay invisible until the next ingestion redoes the document.
        keep = [i for i, source in enumerate(sources) if source in complete]
        chunks = ChunkTable.build([bodies[i] for i in keep], [metas[i] for i in keep])
        matrix = vectors.build(keep)
        return Bm25Index(
            [ids[i] for i in keep],
            [texts[i] for i in keep],
            frozenset(complete),
            matrix,
            chunks,
            per_sentence_terms=[sentence_terms[i] for i in keep],
            tokens=[tokens[i] for i in keep],
            rows_read=len(ids),
        )

    def incomplete_documents(self) -> set[str]:
        """Documents with chunks but no commit record: an ingestion was interrupted."""
        # Chunk ids are "<document id>::<n>" (``Chunk.id``): reading ids only spares loading
        # every chunk's metadata, which takes a minute at 100k chunks.
        sources = {cid.rsplit("::", 1)[0] for cid, _, _ in self._rows([])}
        return sources - {d.id for d in self.documents()}
