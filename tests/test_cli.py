"""The ``rag`` command as a user runs it: a fresh process, real index, one-line errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import make_settings


def run(args: list[str], env: dict[str, str], input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], env=env, input=input, capture_output=True, text=True, timeout=180
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    settings = make_settings(tmp_path_factory.mktemp("cli"))
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    environment.update(RAG_DOCS_DIR=str(settings.docs_dir), RAG_INDEX_DIR=str(settings.index_dir), RAG_LLM="none")
    return environment


def test_ingest_prints_a_one_line_summary(env: dict[str, str]) -> None:
    result = run(["ingest", "--quiet"], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2 added, 0 updated, 0 removed, 0 unchanged, 0 skipped")


def test_ask_json_has_the_documented_shape(env: dict[str, str]) -> None:
    result = run(["ask", "What did Aliyev say about trade?", "--json"], env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"answer", "abstained", "mode", "query", "notice", "citations", "timings_ms"} <= set(data)
    citation = data["citations"][0]
    assert set(citation) >= {"n", "source", "title", "start", "end", "quote", "score", "supported"}
    text = (Path(env["RAG_DOCS_DIR"]) / citation["source"]).read_text()
    assert text[citation["start"] : citation["end"]] == citation["quote"]


def test_ask_prints_the_answer_and_its_sources(env: dict[str, str]) -> None:
    result = run(["ask", "Who is Azerbaijan's ambassador to Moscow?"], env)
    assert result.returncode == 0
    assert "Polad Bulbuloglu" in result.stdout and "Sources:" in result.stdout


def test_chat_keeps_the_conversation(env: dict[str, str]) -> None:
    result = run(
        ["chat"], env, input="Who is Azerbaijan's ambassador to Moscow?\nWhat did he say about the consulate?\n"
    )
    assert result.returncode == 0
    assert "searched for: What did Polad Bulbuloglu say about the consulate?" in result.stdout


@pytest.mark.parametrize(("question", "message"), [("", "empty"), ("y" * 20_000, "limit")])
def test_bad_questions_exit_non_zero_with_one_line_and_no_traceback(
    env: dict[str, str], question: str, message: str
) -> None:
    result = run(["ask", question], env)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_documents_folder_is_reported_with_the_fix(env: dict[str, str], tmp_path: Path) -> None:
    result = run(["ingest"], {**env, "RAG_DOCS_DIR": str(tmp_path / "nowhere"), "RAG_INDEX_DIR": str(tmp_path / "i")})
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_ask_never_imports_gradio(env: dict[str, str]) -> None:
    code = "import sys, rag.cli; rag.cli.main(['ask', 'Who hosted the dinner?']); print('gradio' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().endswith("False")


class _ClosedPipe:
    """A standard output whose reader has gone away, as under "rag ask ... | head -1"."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:
        raise io.UnsupportedOperation("fileno")  # as a captured stream has none


def test_a_reader_that_stops_reading_gets_no_error_message(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag.cli import main

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main(["ask", "Who is Azerbaijan's ambassador to Moscow?"]) == 1
    assert capsys.readouterr().err == ""
