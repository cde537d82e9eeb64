"""The benchmark table, in one command: ``python benchmarks/run.py [--sizes 1000,10000,100000]``.

For each size it builds (or reuses) a deterministic corpus from text on this machine,
ingests it with our pipeline and with the plain llama-index pipeline, measures the
raw ONNX embedder, warm query latency of both, ``rag ask`` cold start, a Chroma
server (``chroma run``) against the embedded client, and a threaded load test.
Every measurement runs in its own process (peak RSS is that process's own).
Writes ``benchmarks/results/results.json`` and ``results.md``; with ``--docs`` it
also refreshes the table in ``docs/benchmarks.md``.

Indexes are cached under ``benchmarks/cache`` (git-ignored) and reused while the
corpus is unchanged, so the 100k-chunk ingestion (tens of minutes) is measured
once; ``--fresh`` re-ingests.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chroma_server import running_chroma
from common import CACHE, RESULTS, ROOT, dir_mib, machine, percentile
from corpus import build

HERE = Path(__file__).resolve().parent
PY = sys.executable
COLD_QUESTION = "How many years had passed since the Russian leader last travelled to Azerbaijan?"
DOCS_START, DOCS_END = "<!-- results:start -->", "<!-- results:end -->"


def worker(script: str, *args: object, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a worker process and return its RESULT line; its other output goes to stderr."""
    cmd = [PY, str(HERE / script), *map(str, args)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=ROOT)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
            log(f"    {script} {' '.join(map(str, args))}: {time.perf_counter() - started:.0f}s")
            return result
    raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cold_start(size: int, runs: int) -> dict[str, Any]:
    """Wall time of ``rag ask --json`` in a new process over the cached index (OS cache warm)."""
    corpus = build(size)
    env = {
        **os.environ,
        "RAG_DOCS_DIR": str(corpus.path),
        "RAG_INDEX_DIR": str(CACHE / f"index-ours-{size}"),
        "RAG_LLM": "none",
    }
    rag = Path(PY).parent / "rag"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run([str(rag), "ask", COLD_QUESTION, "--json"], capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - started)
        if proc.returncode != 0:
            raise RuntimeError(f"rag ask failed: {proc.stderr[-2000:]}")
    return {"runs_s": [round(t, 2) for t in times], "p50_s": round(percentile(times, 50), 2)}


def bench_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    log(f"== {size} chunks")
    corpus = build(size)
    out: dict[str, Any] = {"size": size, "corpus": corpus.__dict__ | {"path": str(corpus.path.relative_to(ROOT))}}
    fresh = ["--fresh"] if args.fresh else []
    out["raw_embedder"] = worker("ingest_worker.py", "raw", "--size", size, "--repeats", args.raw_repeats)
    out["ingest"] = worker("ingest_worker.py", "ours", "--size", size, *fresh)
    if not args.no_baseline:
        out["baseline_ingest"] = worker(
            "ingest_worker.py", "baseline", "--size", size, "--sample", args.baseline_sample, *fresh
        )
    out["query"] = worker("query_worker.py", "ours", "--size", size, "--repeats", args.repeats)
    if not args.no_baseline:
        out["baseline_query"] = worker("query_worker.py", "baseline", "--size", size, "--repeats", args.repeats)
        out["paired"] = worker("query_worker.py", "paired", "--size", size, "--repeats", args.repeats)
    out["cold_start"] = cold_start(size, args.cold_runs)
    out["bm25"] = worker("query_worker.py", "bm25", "--size", size)
    if not args.no_server:
        data = CACHE / f"index-ours-{size}" / "chroma"
        with running_chroma(data, CACHE / f"chroma-server-{size}.log") as url:
            out["server_query"] = worker(
                "query_worker.py", "ours", "--size", size, "--chroma-url", url, "--repeats", args.repeats
            )
    if not args.no_load:
        out["load"] = worker(
            "query_worker.py", "load", "--size", size, "--threads", args.threads, "--per-thread", args.per_thread
        )
    out["disk"] = disk(size)
    return out


def disk(size: int) -> dict[str, float]:
    """Index folders once queried: Chroma plus (ours) the saved keyword index."""
    return {
        "ours_mib": dir_mib(CACHE / f"index-ours-{size}"),
        "baseline_mib": dir_mib(CACHE / f"index-baseline-{size}"),
    }


def get(r: dict[str, Any], path: str) -> Any:
    """``get(r, "query.answer.p50_ms")``: a nested value, or None when any part is missing."""
    value: Any = r
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


RATIOS = {  # name: (ours, reference); < 1 means less time (latency) or lower throughput (ingestion)
    # Latencies from the paired run: both systems, same question, same moment (see query_worker.paired).
    "answer_p50_vs_baseline_retrieve_p50": ("paired.answer.p50_ms", "paired.baseline_retrieve.p50_ms"),
    "answer_p95_vs_baseline_retrieve_p95": ("paired.answer.p95_ms", "paired.baseline_retrieve.p95_ms"),
    "retrieve_p50_vs_baseline_retrieve_p50": ("paired.retrieve.p50_ms", "paired.baseline_retrieve.p50_ms"),
    "retrieve_p95_vs_baseline_retrieve_p95": ("paired.retrieve.p95_ms", "paired.baseline_retrieve.p95_ms"),
    "ingest_chunks_per_s_vs_baseline": ("ingest.chunks_per_s", "baseline_ingest.chunks_per_s"),
    "ingest_tokens_per_s_vs_raw_embedder": ("ingest.tokens_per_s", "raw_embedder.tokens_per_s_best"),
    "server_answer_p50_vs_embedded": ("server_query.answer.p50_ms", "query.answer.p50_ms"),
    "server_answer_p95_vs_embedded": ("server_query.answer.p95_ms", "query.answer.p95_ms"),
}


def ratios(r: dict[str, Any]) -> dict[str, float | None]:
    return {name: _ratio(get(r, a), get(r, b)) for name, (a, b) in RATIOS.items()}


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and unit == "×":
        return f"{value:.2f}×"
    if isinstance(value, float):
        value = f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"
    elif isinstance(value, int):
        value = f"{value:,}"
    return f"{value}{unit}"


def _pair(r: dict[str, Any], a: str, b: str, unit: str) -> str | None:
    x, y = get(r, a), get(r, b)
    return None if x is None or y is None else f"{_fmt(x)} / {_fmt(y)}{unit}"


def markdown(report: dict[str, Any]) -> str:
    runs = report["sizes"]
    lines = ["| metric | " + " | ".join(f"{r['size']:,} chunks" for r in runs) + " |", "|---|" + "---:|" * len(runs)]

    def row(label: str, cell: Any, unit: str = "") -> None:
        values = [cell(r) if callable(cell) else get(r, cell) for r in runs]
        lines.append(f"| {label} | " + " | ".join(_fmt(v, unit) for v in values) + " |")

    def pair(label: str, a: str, b: str, unit: str = " ms") -> None:
        row(label, lambda r: _pair(r, a, b, unit))

    pair("corpus: documents / chunks", "corpus.documents", "corpus.chunks", "")
    row("**ingest** ours: chunks/s", "ingest.chunks_per_s")
    row("ingest ours: embedded tokens/s", "ingest.tokens_per_s")
    row(
        "ingest ours: share of its time in the embedder",
        lambda r: None if get(r, "ingest.embed_share") is None else f"{100 * get(r, 'ingest.embed_share'):.0f}%",
    )
    row("raw ONNX embedder: tokens/s (best of runs)", "raw_embedder.tokens_per_s_best")
    row("ingest ours ÷ raw embedder (tokens/s)", "ratios.ingest_tokens_per_s_vs_raw_embedder", "×")
    row("ingest baseline: chunks/s", "baseline_ingest.chunks_per_s")
    row("ingest baseline: chunk tokens/s", "baseline_ingest.tokens_per_s")
    row("ingest ours ÷ baseline (chunks/s)", "ratios.ingest_chunks_per_s_vs_baseline", "×")
    row("ingest ours: peak RSS", "ingest.peak_rss_mib", " MiB")
    pair(
        "**retrieve** baseline (llama-index) p50 / p95",
        "paired.baseline_retrieve.p50_ms",
        "paired.baseline_retrieve.p95_ms",
    )
    pair("retrieve ours p50 / p95", "paired.retrieve.p50_ms", "paired.retrieve.p95_ms")
    row("retrieve ours ÷ baseline (p50)", "ratios.retrieve_p50_vs_baseline_retrieve_p50", "×")
    pair("**answer** ours (full, extractive) p50 / p95", "paired.answer.p50_ms", "paired.answer.p95_ms")
    row("answer ours ÷ baseline retrieve (p50)", "ratios.answer_p50_vs_baseline_retrieve_p50", "×")
    row("answer ours ÷ baseline retrieve (p95)", "ratios.answer_p95_vs_baseline_retrieve_p95", "×")
    pair("answer ours alone in its process p50 / p95", "query.answer.p50_ms", "query.answer.p95_ms")
    row("citations not an exact span", "query.citation_errors")
    row("`rag ask` cold start (p50 of runs)", "cold_start.p50_s", " s")
    pair("keyword index: rebuild / load from disk", "bm25.rebuild_s", "bm25.load_s", " s")
    row("keyword index rebuild: peak RSS (a process that must rebuild it)", "bm25.peak_rss_mib", " MiB")
    pair("query process peak RSS ours / baseline", "query.peak_rss_mib", "baseline_query.peak_rss_mib", " MiB")
    pair("index on disk ours (incl. keyword index) / baseline", "disk.ours_mib", "disk.baseline_mib", " MiB")
    pair("**Chroma server** answer p50 / p95", "server_query.answer.p50_ms", "server_query.answer.p95_ms")
    row("server ÷ embedded (answer p50)", "ratios.server_answer_p50_vs_embedded", "×")
    row("server ÷ embedded (answer p95)", "ratios.server_answer_p95_vs_embedded", "×")
    pair("**load**: threads × questions each", "load.threads", "load.per_thread", "")
    pair("load: answers/s / p95", "load.throughput_qps", "load.latency.p95_ms")
    pair("load: errors / bad citations", "load.errors", "load.citation_errors", "")
    m = report["machine"]
    lines += [
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM; Python {m['python']}, "
        f"onnxruntime {m['onnxruntime']}, chromadb {m['chromadb']}, llama-index-core {m['llama_index_core']}, "
        f"bm25s {m['bm25s']}. Load average at start {m['load_average']}, at end {report['load_average_end']}. "
        f"Run {report['started']} – {report['finished']}.",
    ]
    seeds = report.get("seeds")
    if seeds:
        lines.append(
            f"Seed index ({seeds['chunks']} chunks, {seeds['questions']} questions × {seeds['repeats']}, taking "
            f"turns): full answer p50 {seeds['answer']['p50_ms']} ms, embedding the question alone p50 "
            f"{seeds['embed_question']['p50_ms']} ms: {seeds['answer_over_embed_p50']}× (goal ≤ 3×)."
        )
    cached = [r for r in runs if get(r, "ingest.cached")]
    if cached:
        lines.append(
            "Ingestion figures from the cached index: "
            + ", ".join(f"{r['size']:,} chunks measured {r['ingest']['measured_at']}" for r in cached)
            + "."
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated chunk counts")
    parser.add_argument("--repeats", type=int, default=1, help="passes over the measured questions")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--raw-repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--per-thread", type=int, default=25)
    parser.add_argument("--baseline-sample", type=int, default=10_000, help="chunks the baseline embeds when timed")
    parser.add_argument("--fresh", action="store_true", help="re-ingest even when a cached index matches")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-server", action="store_true")
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--docs", action="store_true", help="also refresh the table in docs/benchmarks.md")
    parser.add_argument("--render", action="store_true", help="only re-render the tables from results.json")
    args = parser.parse_args()
    if args.render:
        report = json.loads((args.out / "results.json").read_text())
        for result in report["sizes"]:
            result.setdefault("disk", disk(result["size"]))
            result["ratios"] = ratios(result)
    else:
        sizes = [int(s.replace("k", "000")) for s in args.sizes.split(",") if s]
        report = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S"), "sizes": []}
        log("== seed index")
        report["seeds"] = worker("query_worker.py", "seeds", "--repeats", max(2, args.repeats))
        for size in sizes:
            result = bench_size(size, args)
            result["ratios"] = ratios(result)
            report["sizes"].append(result)
        report["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
        report["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(report, indent=2))
    table = markdown(report)
    (args.out / "results.md").write_text(table)
    if args.docs:
        docs = ROOT / "docs" / "benchmarks.md"
        text = docs.read_text() if docs.is_file() else f"# Benchmarks\n\n{DOCS_START}\n{DOCS_END}\n"
        if DOCS_START in text and DOCS_END in text:
            before, rest = text.split(DOCS_START, 1)
            text = before + DOCS_START + "\n" + table + DOCS_END + rest.split(DOCS_END, 1)[1]
            docs.write_text(text)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
