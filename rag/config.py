"""One explicit settings object, read from the environment (prefix ``RAG_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the pipeline needs to know, and nothing hidden elsewhere.

    Every field can be set from the environment, e.g. ``RAG_TOP_K=8``.
    ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` are read under their usual names.
    """

    model_config = SettingsConfigDict(env_prefix="RAG_", frozen=True, extra="ignore")

    docs_dir: Path = Path("seeds")
    index_dir: Path = Path("index")
    chroma_url: str = ""
    collection: str = "articles"
    top_k: int = Field(default=8, ge=1, le=50)
    retrieval: Literal["hybrid", "dense", "bm25"] = "hybrid"
    llm: Literal["auto", "none", "openai"] = "auto"
    model: str = "gpt-4o-mini"
    llm_timeout: float = Field(default=30.0, gt=0)
    auth: str = ""
    max_question_chars: int = 2000
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "RAG_OPENAI_API_KEY")
    )
    openai_base_url: str = Field(default="", validation_alias=AliasChoices("OPENAI_BASE_URL", "RAG_OPENAI_BASE_URL"))

    @property
    def use_llm(self) -> bool:
        """Whether answers are written by an OpenAI-compatible LLM."""
        if self.llm == "none":
            return False
        if self.llm == "openai":
            return True
        return bool(self.openai_base_url) or self.openai_api_key is not None
