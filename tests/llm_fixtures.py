"""Fixtures for the generative mode, loaded with ``pytest_plugins = ["llm_fixtures"]``:
the scripted protocol server, a real llama.cpp server, and pipelines pointed at them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rag.answer import Pipeline
from rag.config import Settings

from llm_support import LlamaCppServer, llm_settings, smollm2_path
from openai_stub import OpenAIStub


@pytest.fixture(scope="session")
def stub_server() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        yield server


@pytest.fixture()
def stub(stub_server: OpenAIStub) -> OpenAIStub:
    """The protocol server with an empty script and request log."""
    stub_server.reset()
    return stub_server


@pytest.fixture(scope="session")
def pipeline_for(seed_settings: Settings, seed_pipeline: Pipeline) -> Callable[..., Pipeline]:
    """``pipeline_for(base_url, **settings)``: a pipeline over the seed index (built once), cached."""
    cache: dict[Settings, Pipeline] = {}

    def make(base_url: str, **overrides: Any) -> Pipeline:
        settings = llm_settings(seed_settings, base_url, **overrides)
        if settings not in cache:
            cache[settings] = Pipeline(settings, build_if_missing=False)
        return cache[settings]

    return make


@pytest.fixture(scope="session")
def llamacpp() -> Iterator[LlamaCppServer]:
    pytest.importorskip("xllamacpp")
    server = LlamaCppServer(smollm2_path())
    yield server
    server.stop()
