"""Ingestion benchmarks, each run in its own process (so peak RSS is its own).

``ours``: ``rag.ingest.ingest`` over the corpus folder, the embedder wrapped to count
the tokens it runs and the time it spends. ``baseline``: the plain llama-index
pipeline a user would write — the same chunks as ``TextNode``s into
``VectorStoreIndex`` over ``ChromaVectorStore``, embedded by ``MiniLMEmbedding``.
``raw``: the ONNX model alone on pre-tokenised batches (the ingestion ceiling).

The resulting index and its metrics are kept under ``benchmarks/cache`` and
reused while the corpus digest matches, so a 100k-chunk index is embedded once.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CACHE, dir_mib, emit, peak_rss_mib
from corpus import build


def _chunks(folder: Path) -> list[Any]:
    """The project's chunks of every corpus file, in ingestion order."""
    from rag.chunking import chunk_document
    from rag.errors import DocumentError
    from rag.ingest import discover, document_id
    from rag.loaders import load_document

    files, _ = discover([folder], folder)
    out = []
    for path in files:
        try:
            doc = load_document(path, document_id(path, folder))
        except DocumentError:  # skipped by ingestion too (e.g. a docstring file holding NUL bytes)
            continue
        out.extend(chunk_document(doc))
    return out


def _chunk_tokens(chunks: list[Any]) -> int:
    from rag.embeddings import shared_model

    model = shared_model()
    # In slices: tokenizers' Encoding objects of 100k chunks at once would take gigabytes.
    return sum(
        len(ids)
        for at in range(0, len(chunks), 1000)
        for ids in model.tokenize([c.text for c in chunks[at : at + 1000]])
    )


class _Counting:
    """Wraps ``OnnxMiniLM.embed_ids`` to count tokens and the seconds spent embedding."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.inner = model.embed_ids
        self.tokens = 0
        self.texts = 0
        self.seconds = 0.0

    def __call__(self, ids: list[list[int]]) -> Any:
        started = time.perf_counter()
        try:
            return self.inner(ids)
        finally:
            self.seconds += time.perf_counter() - started
            self.tokens += sum(len(x) for x in ids)
            self.texts += len(ids)


def _cached_record(index_dir: Path, digest: str, fresh: bool) -> dict[str, Any] | None:
    """The saved ingestion record of an index built from this very corpus, if any."""
    record = index_dir / "ingest.json"
    if fresh or not record.is_file():
        return None
    info = json.loads(record.read_text())
    if info.get("digest") != digest:
        return None
    return {**info, "cached": True, "index_mib": dir_mib(index_dir)}


def ingest_ours(size: int, fresh: bool) -> dict[str, Any]:
    corpus = build(size)
    index_dir = CACHE / f"index-ours-{size}"
    cached = _cached_record(index_dir, corpus.digest, fresh)
    if cached is not None:
        return cached
    shutil.rmtree(index_dir, ignore_errors=True)
    # Imports are start-up cost, not ingestion throughput (the baseline imports before timing, too).
    import chromadb  # noqa: F401
    import llama_index.vector_stores.chroma  # noqa: F401

    from rag.config import Settings
    from rag.embeddings import shared_model
    from rag.ingest import ingest

    model = shared_model()
    model.embed(["warm up"])
    counting = _Counting(model)
    model.embed_ids = counting  # type: ignore[method-assign]
    settings = Settings(docs_dir=corpus.path, index_dir=index_dir, llm="none")
    started = time.perf_counter()
    report = ingest(settings)
    seconds = time.perf_counter() - started
    peak_rss = peak_rss_mib()  # ingestion's own, before the token count below
    model.embed_ids = counting.inner  # type: ignore[method-assign]
    chunk_tokens = _chunk_tokens(_chunks(corpus.path))
    info = {
        "digest": corpus.digest,
        "documents": corpus.documents,
        "chunks": report.chunks,
        "seconds": round(seconds, 1),
        "chunks_per_s": round(report.chunks / seconds, 1),
        "embedded_texts": counting.texts,
        "embedded_tokens": counting.tokens,
        "tokens_per_s": round(counting.tokens / seconds, 1),
        "chunk_tokens": chunk_tokens,
        "chunk_tokens_per_s": round(chunk_tokens / seconds, 1),
        "embed_seconds": round(counting.seconds, 1),
        "embed_share": round(counting.seconds / seconds, 3),
        "peak_rss_mib": peak_rss,
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    (index_dir / "ingest.json").write_text(json.dumps(info, indent=2))
    return {**info, "cached": False, "index_mib": dir_mib(index_dir)}


def ingest_baseline(size: int, fresh: bool, sample: int) -> dict[str, Any]:
    """The plain llama-index ingestion. Above ``sample`` chunks the embedding is timed on
    the first ``sample`` chunks only and the index is filled with our stored chunk
    vectors (the query side measures the same Chroma work; re-embedding 100k chunks
    a second time would add half an hour and tell nothing new)."""
    corpus = build(size)
    index_dir = CACHE / f"index-baseline-{size}"
    cached = _cached_record(index_dir, corpus.digest, fresh)
    if cached is not None:
        return cached
    shutil.rmtree(index_dir, ignore_errors=True)
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.core.schema import TextNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag.embeddings import MiniLMEmbedding

    chunks = _chunks(corpus.path)
    embed_model = MiniLMEmbedding()
    embed_model.get_text_embedding_batch(["warm up"])
    nodes = [
        TextNode(id_=c.id, text=c.text, metadata={"source": c.doc_id, "start": c.start, "end": c.end}) for c in chunks
    ]
    timed = nodes if len(nodes) <= sample else nodes[:sample]
    reused = _timing_of_prefix(len(nodes), sample) if len(nodes) > sample else None
    if reused is not None:  # a smaller corpus is a prefix of this one: its timing is of these very chunks
        timed = []
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    client = chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=chroma_settings)
    collection = client.get_or_create_collection("baseline", configuration={"hnsw": {"space": "cosine"}})
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    started = time.perf_counter()
    index = VectorStoreIndex(timed, storage_context=storage, embed_model=embed_model, show_progress=False)
    seconds = time.perf_counter() - started
    chunk_tokens = _chunk_tokens(chunks[: len(timed)])
    inserted = len(timed)
    timed_chunks = len(timed)
    if reused is not None:
        seconds, chunk_tokens, timed_chunks = reused["seconds"], reused["chunk_tokens"], reused["timed_chunks"]
    filled_from = "embedded"
    if len(nodes) > inserted:
        filled_from = "our stored chunk vectors"
        ours_path = str(CACHE / f"index-ours-{size}" / "chroma")
        ours = chromadb.PersistentClient(path=ours_path, settings=chroma_settings).get_collection("articles")
        rest = nodes[inserted:]
        for start in range(0, len(rest), 2000):
            part = rest[start : start + 2000]
            got = ours.get(ids=[n.node_id for n in part], include=["embeddings"])
            vectors = dict(zip(got["ids"], got["embeddings"], strict=True))
            for node in part:
                node.embedding = [float(x) for x in vectors[node.node_id]]
            index.insert_nodes(part)
    info = {
        "digest": corpus.digest,
        "chunks": len(nodes),
        "timed_chunks": timed_chunks,
        "timing_from": reused["size"] if reused else size,
        "seconds": round(seconds, 1),
        "chunks_per_s": round(timed_chunks / seconds, 1),
        "chunk_tokens": chunk_tokens,
        "tokens_per_s": round(chunk_tokens / seconds, 1),
        "vectors": filled_from,
        "peak_rss_mib": peak_rss_mib(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    (index_dir / "ingest.json").write_text(json.dumps(info, indent=2))
    return {**info, "cached": False, "index_mib": dir_mib(index_dir)}


def _timing_of_prefix(chunks: int, sample: int) -> dict[str, Any] | None:
    """The cached baseline timing of the largest smaller corpus of up to ``sample`` chunks."""
    best = None
    for record in CACHE.glob("index-baseline-*/ingest.json"):
        info = json.loads(record.read_text())
        if info.get("timed_chunks", 0) <= sample and info.get("chunks", 0) < chunks and info.get("timing_from") != -1:
            info["size"] = int(record.parent.name.rsplit("-", 1)[1])
            if best is None or info["timed_chunks"] > best["timed_chunks"]:
                best = info
    return best


def raw_embedder(size: int, texts: int, repeats: int) -> dict[str, Any]:
    """Tokens/s of the ONNX model alone on pre-tokenised sentences of the corpus, batched
    exactly as ingestion batches them (best of ``repeats``: the ceiling, not the mean)."""
    from rag.embeddings import shared_model

    chunks = _chunks(build(size).path)
    step = max(1, sum(len(c.sentences) for c in chunks) // texts)
    sentences = [c.text[s:e] for c in chunks for s, e in c.sentences][::step][:texts]
    model = shared_model()
    ids = model.tokenize(sentences)
    tokens = sum(len(x) for x in ids)
    model.embed_ids(ids[:64])
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        model.embed_ids(ids)
        runs.append(time.perf_counter() - started)
    return {
        "texts": len(ids),
        "tokens": tokens,
        "mean_tokens_per_text": round(tokens / len(ids), 1),
        "tokens_per_s_best": round(tokens / min(runs), 1),
        "tokens_per_s_median": round(tokens / sorted(runs)[len(runs) // 2], 1),
        "runs_s": [round(r, 2) for r in runs],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["ours", "baseline", "raw"])
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.kind == "ours":
        emit(ingest_ours(args.size, args.fresh))
    elif args.kind == "baseline":
        emit(ingest_baseline(args.size, args.fresh, args.sample))
    else:
        emit(raw_embedder(args.size, args.texts, args.repeats))


if __name__ == "__main__":
    main()
