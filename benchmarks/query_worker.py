"""Query-side benchmarks, each in its own process over a cached index.

``ours``: warm retrieval-only and full extractive-answer latency of ``Pipeline``
(embedded Chroma, or a Chroma server with ``--chroma-url``); ``baseline``: the
plain llama-index retriever over ``ChromaVectorStore``; ``load``: many threads
calling ``answer()`` at once. "Warm" means the process, model and BM25 index are
loaded and ten other questions were asked first; the chunk cache is emptied
before each measured pass, so no measured question is answered from a cache.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CACHE, ROOT, emit, peak_rss_mib, rss_mib, summary_ms
from corpus import build
from questions import from_qa_files, questions


def _settings(size: int, chroma_url: str) -> Any:
    from rag.config import Settings

    corpus = build(size)
    return Settings(docs_dir=corpus.path, index_dir=CACHE / f"index-ours-{size}", chroma_url=chroma_url, llm="none")


def citation_errors(answer: Any, docs_dir: Path, texts: dict[str, str]) -> int:
    """Citations whose quote is not exactly the cited span of the source file."""
    bad = 0
    for c in answer.citations:
        if c.source not in texts:
            texts[c.source] = (docs_dir / c.source).read_text(encoding="utf-8")
        bad += texts[c.source][c.start : c.end] != c.quote
    return bad


def ours(size: int, chroma_url: str, repeats: int) -> dict[str, Any]:
    started = time.perf_counter()
    from rag.answer import Pipeline

    settings = _settings(size, chroma_url)
    warmup, measured = questions(settings.docs_dir)
    pipeline = Pipeline(settings, build_if_missing=False)
    first = pipeline.answer(warmup[0])
    first_answer_s = time.perf_counter() - started
    for q in warmup[1:]:
        pipeline.answer(q)
    retrieve_s: list[float] = []
    answer_s: list[float] = []
    texts: dict[str, str] = {}
    bad = abstained = 0
    for _ in range(repeats):
        pipeline.store._cache.clear()
        for q in measured:
            t0 = time.perf_counter()
            pipeline.retriever.retrieve(q, settings.top_k)
            retrieve_s.append(time.perf_counter() - t0)
        pipeline.store._cache.clear()
        for q in measured:
            t0 = time.perf_counter()
            a = pipeline.answer(q)
            answer_s.append(time.perf_counter() - t0)
            bad += citation_errors(a, settings.docs_dir, texts)
            abstained += a.abstained
    return {
        "mode": "server" if chroma_url else "embedded",
        "questions": len(measured),
        "repeats": repeats,
        "first_answer_s": round(first_answer_s, 2),
        "first_answer_mode": first.mode,
        "retrieve": summary_ms(retrieve_s),
        "answer": summary_ms(answer_s),
        "citation_errors": bad,
        "abstained_share": round(abstained / max(1, len(answer_s)), 3),
        "rss_mib": rss_mib(),
        "peak_rss_mib": peak_rss_mib(),
    }


def baseline(size: int, repeats: int) -> dict[str, Any]:
    """What a user would write: ``VectorStoreIndex.from_vector_store(...).as_retriever(k)``."""
    started = time.perf_counter()
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag.embeddings import MiniLMEmbedding

    corpus = build(size)
    warmup, measured = questions(corpus.path)
    client = chromadb.PersistentClient(
        path=str(CACHE / f"index-baseline-{size}" / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    store = ChromaVectorStore(chroma_collection=client.get_collection("baseline"))
    index = VectorStoreIndex.from_vector_store(store, embed_model=MiniLMEmbedding())
    retriever = index.as_retriever(similarity_top_k=8)
    retriever.retrieve(warmup[0])
    first_s = time.perf_counter() - started
    for q in warmup[1:]:
        retriever.retrieve(q)
    retrieve_s = []
    for _ in range(repeats):
        for q in measured:
            t0 = time.perf_counter()
            nodes = retriever.retrieve(q)
            retrieve_s.append(time.perf_counter() - t0)
            assert nodes, q
    return {
        "questions": len(measured),
        "repeats": repeats,
        "first_retrieval_s": round(first_s, 2),
        "retrieve": summary_ms(retrieve_s),
        "rss_mib": rss_mib(),
        "peak_rss_mib": peak_rss_mib(),
    }


def paired(size: int, repeats: int) -> dict[str, Any]:
    """Ours and the baseline in one process, question by question, taking turns.

    The machine is shared and its load drifts by 3x within minutes; measuring both
    on the same question at the same moment keeps the ratio honest. (Memory is
    measured by the separate ``ours`` and ``baseline`` runs.)
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag.answer import Pipeline
    from rag.embeddings import MiniLMEmbedding

    settings = _settings(size, "")
    warmup, measured = questions(settings.docs_dir)
    pipeline = Pipeline(settings, build_if_missing=False)
    client = chromadb.PersistentClient(
        path=str(CACHE / f"index-baseline-{size}" / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    store = ChromaVectorStore(chroma_collection=client.get_collection("baseline"))
    retriever = VectorStoreIndex.from_vector_store(store, embed_model=MiniLMEmbedding()).as_retriever(
        similarity_top_k=settings.top_k
    )
    for q in warmup:
        pipeline.answer(q)
        retriever.retrieve(q)

    def ours_retrieve(q: str) -> None:
        pipeline.retriever.retrieve(q, settings.top_k)

    tasks = {"baseline_retrieve": retriever.retrieve, "retrieve": ours_retrieve, "answer": pipeline.answer}
    times: dict[str, list[float]] = {name: [] for name in tasks}
    turn = 0
    for _ in range(repeats):
        for q in measured:
            names = list(tasks)
            names = names[turn % 3 :] + names[: turn % 3]  # who goes first rotates
            turn += 1
            for name in names:
                pipeline.store._cache.clear()  # no measured question is answered from the chunk cache
                t0 = time.perf_counter()
                tasks[name](q)
                times[name].append(time.perf_counter() - t0)
    per_question = [a / b for a, b in zip(times["answer"], times["baseline_retrieve"], strict=True)]
    return {
        "questions": len(measured),
        "repeats": repeats,
        **{name: summary_ms(values) for name, values in times.items()},
        "answer_over_baseline_retrieve_per_question_p50": round(sorted(per_question)[len(per_question) // 2], 2),
    }


def seeds(repeats: int) -> dict[str, Any]:
    """The core pipeline's own speed bar: a whole answer on the seed index against
    embedding the question alone, question by question in one process, taking turns."""
    from rag.answer import Pipeline
    from rag.config import Settings

    settings = Settings(docs_dir=ROOT / "seeds", index_dir=CACHE / "index-seeds", llm="none")
    pipeline = Pipeline(settings)  # builds the index from seeds/ the first time
    measured = from_qa_files(sorted((ROOT / "tests" / "data").glob("*seeds_qa.jsonl")))
    for q in measured[:10]:
        pipeline.answer(q)
    embed_s: list[float] = []
    answer_s: list[float] = []
    for turn in range(repeats * len(measured)):
        q = measured[turn % len(measured)]
        pipeline.store._cache.clear()
        for step in ("embed", "answer") if turn % 2 else ("answer", "embed"):
            t0 = time.perf_counter()
            if step == "embed":
                pipeline.model.embed([q])
                embed_s.append(time.perf_counter() - t0)
            else:
                pipeline.answer(q)
                answer_s.append(time.perf_counter() - t0)
    embed, answer = summary_ms(embed_s), summary_ms(answer_s)
    return {
        "chunks": pipeline.store.count(),
        "questions": len(measured),
        "repeats": repeats,
        "embed_question": embed,
        "answer": answer,
        "answer_over_embed_p50": round(answer["p50_ms"] / embed["p50_ms"], 2),
    }


def keyword_index(size: int) -> dict[str, Any]:
    """What a change to the documents costs the keyword side: rebuild from Chroma, save, load."""
    import tempfile

    from rag.store import Bm25Index, Store

    store = Store(_settings(size, ""), create=False)
    started = time.perf_counter()
    index = store._build_bm25()
    build_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        path = Path(tmp) / "bm25"
        started = time.perf_counter()
        index.save(path)
        save_s = time.perf_counter() - started
        started = time.perf_counter()
        Bm25Index.load(path)
        load_s = time.perf_counter() - started
        size_mib = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20
    return {
        "chunks": len(index.ids),
        "terms": len(index.df),
        "rebuild_s": round(build_s, 2),
        "save_s": round(save_s, 2),
        "load_s": round(load_s, 2),
        "on_disk_mib": round(size_mib, 1),
        "peak_rss_mib": peak_rss_mib(),
    }


def load(size: int, chroma_url: str, threads: int, per_thread: int) -> dict[str, Any]:
    """``threads`` askers, each asking ``per_thread`` questions back to back, all at once."""
    from rag.answer import Pipeline

    settings = _settings(size, chroma_url)
    warmup, measured = questions(settings.docs_dir)
    pipeline = Pipeline(settings, build_if_missing=False)
    for q in warmup:
        pipeline.answer(q)
    latencies: list[float] = []
    errors: list[str] = []
    bad = 0
    texts: dict[str, str] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def asker(worker: int) -> None:
        nonlocal bad
        barrier.wait()
        for i in range(per_thread):
            q = measured[(worker * per_thread + i) % len(measured)]
            t0 = time.perf_counter()
            try:
                a = pipeline.answer(q)
            except Exception as exc:  # counted, not raised: the load test reports every failure
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                bad += citation_errors(a, settings.docs_dir, texts)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(asker, range(threads)))
    wall = time.perf_counter() - started
    return {
        "mode": "server" if chroma_url else "embedded",
        "threads": threads,
        "per_thread": per_thread,
        "answers": len(latencies),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:3],
        "citation_errors": bad,
        "throughput_qps": round(len(latencies) / wall, 1),
        "latency": summary_ms(latencies),
        "peak_rss_mib": peak_rss_mib(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["ours", "baseline", "load", "bm25", "paired", "seeds"])
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--chroma-url", default="")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--per-thread", type=int, default=25)
    args = parser.parse_args()
    if args.kind != "seeds" and args.size <= 0:
        parser.error("--size is required")
    if args.kind == "ours":
        emit(ours(args.size, args.chroma_url, args.repeats))
    elif args.kind == "baseline":
        emit(baseline(args.size, args.repeats))
    elif args.kind == "paired":
        emit(paired(args.size, args.repeats))
    elif args.kind == "seeds":
        emit(seeds(args.repeats))
    elif args.kind == "bm25":
        emit(keyword_index(args.size))
    else:
        emit(load(args.size, args.chroma_url, args.threads, args.per_thread))


if __name__ == "__main__":
    main()
