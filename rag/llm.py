"""Generative answers through any OpenAI-compatible server, via llama-index.

``OpenAI`` talks to api.openai.com (or a proxy serving OpenAI's model names);
``OpenAILike`` to servers whose model names OpenAI does not know (Ollama, vLLM,
LM Studio, llama.cpp). Everything here is bounded by one deadline per answer
(``RAG_LLM_TIMEOUT``): retries with back-off for rate limits and server errors,
fewer sources when the prompt is too long, and a ``LlmFailure`` — one line for
the user, API key masked — when nothing usable came back, so the pipeline can
fall back to the extractive answer. Nothing here is imported unless an LLM is
configured: llama-index's OpenAI integration costs a second of start-up.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .condense import History, condense, is_follow_up
from .config import Settings
from .prompts import answer_messages, condense_messages
from .retrieve import Retrieval
from .text import terms
from .verify import Embed, Idf, Verified, Verifier

log = logging.getLogger(__name__)

Rewriter = Callable[[str, History], str]

MAX_ANSWER_TOKENS = 512
MAX_CONDENSE_TOKENS = 80
MAX_HISTORY_TURNS = 4
MAX_ATTEMPTS = 3  # per call, for rate limits and server errors
BACKOFF_SECONDS = 0.5  # doubled after each failed attempt
MAX_WAIT_SECONDS = 5.0  # the longest Retry-After honoured
MAX_TRIMS = 2  # each halves the sources when the prompt does not fit
_TOO_LONG = re.compile(r"context|too long|too many tokens|maximum.*tokens|exceeds?", re.I)
_KEY_LIKE = re.compile(r"\b(?:sk|key|token)-[A-Za-z0-9_\-]{6,}")


class LlmFailure(Exception):
    """Why the LLM gave no usable answer; ``str()`` is one line for ``Answer.notice``."""

    def __init__(
        self,
        reason: str,
        *,
        retry: bool = False,
        too_long: bool = False,
        unreachable: bool = False,
        wait: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.retry = retry
        self.too_long = too_long
        self.unreachable = unreachable
        self.wait = wait


def mask_secrets(text: str, settings: Settings) -> str:
    """``text`` with the configured API key (and anything shaped like a key) masked."""
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    if len(key) >= 4:
        text = text.replace(key, "***")
    return _KEY_LIKE.sub(lambda m: m.group().split("-", 1)[0] + "-***", text)


def uses_openai_class(settings: Settings) -> bool:
    """OpenAI's own client class for OpenAI (or a proxy of its model names); OpenAILike otherwise."""
    from llama_index.llms.openai.utils import ALL_AVAILABLE_MODELS

    return not settings.openai_base_url or settings.model in ALL_AVAILABLE_MODELS


def build_llm(settings: Settings) -> Any:
    """The llama-index LLM for ``settings``; retries are ours (deadline-bounded), so its own are off."""
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    if not key and not settings.openai_base_url:
        raise LlmFailure("no LLM is configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server")
    common: dict[str, Any] = {
        "model": settings.model,
        # Local servers ignore the key, but the OpenAI client insists on one.
        "api_key": key or "not-needed",
        "api_base": settings.openai_base_url or None,
        "timeout": settings.llm_timeout,
        "max_retries": 0,
        "temperature": 0.0,
    }
    if uses_openai_class(settings):
        from llama_index.llms.openai import OpenAI

        return OpenAI(**common)
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(**common, is_chat_model=True)


def describe(exc: BaseException, settings: Settings) -> LlmFailure:
    """The user's one-line reading of an exception raised while calling the server."""
    import openai

    # A base URL may carry credentials (http://user:password@host/v1): never show them.
    where = re.sub(r"//[^/@]*@", "//", settings.openai_base_url) or "api.openai.com"
    if isinstance(exc, LlmFailure):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return LlmFailure(f"the LLM did not answer within {settings.llm_timeout:g} s (RAG_LLM_TIMEOUT)")
    if isinstance(exc, openai.APIConnectionError):
        return LlmFailure(f"the LLM server at {where} could not be reached", unreachable=True)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        detail = mask_secrets(" ".join(str(getattr(exc, "message", "") or exc).split())[:160], settings)
        if status == 429:
            return LlmFailure(
                "the LLM server kept refusing with HTTP 429 (rate limit)", retry=True, wait=_retry_after(exc)
            )
        if status >= 500:
            return LlmFailure(f"the LLM server failed with HTTP {status}", retry=True, wait=_retry_after(exc))
        if status in (401, 403):
            return LlmFailure(f"the LLM server at {where} rejected the API key (HTTP {status}); check OPENAI_API_KEY")
        if status == 404:
            return LlmFailure(f"the LLM server at {where} does not serve model {settings.model!r}; set RAG_MODEL")
        if status in (400, 413) and _TOO_LONG.search(detail):
            return LlmFailure("the sources did not fit the model's context, even after trimming", too_long=True)
        return LlmFailure(f"the LLM server refused the request (HTTP {status}: {detail})")
    if isinstance(exc, openai.APIResponseValidationError | ValueError | KeyError | IndexError | TypeError):
        return LlmFailure("the LLM server sent a malformed response")
    return LlmFailure(f"the LLM call failed ({type(exc).__name__}: {mask_secrets(str(exc), settings)[:160]})")


def _retry_after(exc: Any) -> float | None:
    try:
        return float(exc.response.headers.get("retry-after"))
    except (AttributeError, TypeError, ValueError):
        return None


class LlmClient:
    """Chat calls with streaming, bounded retries and one deadline. Thread-safe; built lazily."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._llm: Any = None
        self._lock = threading.Lock()

    @property
    def llm(self) -> Any:
        with self._lock:
            if self._llm is None:
                self._llm = build_llm(self.settings)
            return self._llm

    def stream_chat(self, messages: Sequence[tuple[str, str]], deadline: float, max_tokens: int) -> Iterator[str]:
        """Text as it arrives; retries (with back-off, never past ``deadline``) until the first piece."""
        from llama_index.core.llms import ChatMessage

        chat = [ChatMessage(role=role, content=content) for role, content in messages]
        for attempt in range(1, MAX_ATTEMPTS + 1):
            started = False
            try:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise LlmFailure(f"the LLM did not answer within {self.settings.llm_timeout:g} s (RAG_LLM_TIMEOUT)")
                for piece in self.llm.stream_chat(chat, max_tokens=max_tokens, timeout=remaining):
                    if time.monotonic() > deadline:
                        raise LlmFailure(
                            f"the LLM did not finish within {self.settings.llm_timeout:g} s (RAG_LLM_TIMEOUT)"
                        )
                    if piece.delta:
                        started = True
                        yield piece.delta
                return
            except Exception as exc:  # every failure becomes a one-line LlmFailure
                failure = describe(exc, self.settings)
                wait = min(failure.wait or BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_WAIT_SECONDS)
                if started or not failure.retry or attempt == MAX_ATTEMPTS or time.monotonic() + wait >= deadline:
                    log.info("LLM call failed: %s", failure)
                    raise failure from None  # the cause may quote the request; keep it out of tracebacks
                log.info("LLM call failed (%s); retrying in %.1f s", failure, wait)
                time.sleep(wait)

    def complete(self, messages: Sequence[tuple[str, str]], deadline: float, max_tokens: int) -> str:
        return "".join(self.stream_chat(messages, deadline, max_tokens))


def clean_rewrite(text: str) -> str:
    """The first line of the model's rewrite, without labels or quotes."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    line = re.sub(r"^(?:rewritten|standalone)?\s*question\s*:\s*", "", lines[0], flags=re.I)
    return line.strip().strip("\"'“”").strip()


def usable_rewrite(rewrite: str, question: str, history: History) -> bool:
    """Whether the model's rewrite can replace the question: short, and for a follow-up it
    must bring in something from the conversation (small models often echo the question)."""
    if not rewrite or len(rewrite) > max(3 * len(question), len(question) + 200):
        return False
    if not is_follow_up(question):
        return True
    added = set(terms(rewrite)) - set(terms(question))
    from_history = {t for q, a in history for t in terms(f"{q} {a}")}
    return bool(added & from_history)


@dataclass(frozen=True)
class Generated:
    """A verified generated answer and how many of the retrieved passages the model saw."""

    verified: Verified
    sources_shown: int


class LlmAnswerer:
    """The generative answerer: condense with the model, then a cited, verified answer."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = LlmClient(settings)

    def condense(
        self, question: str, history: History | None, deadline: float, offline: Rewriter = condense
    ) -> tuple[str, LlmFailure | None]:
        """The standalone query, and the failure if the server could not be used.

        A rewrite the model botches is replaced by the ``offline`` one, quietly:
        the question is still answered by the LLM.
        """
        if not history:
            return question, None
        turns = history[-MAX_HISTORY_TURNS:]
        try:
            rewrite = clean_rewrite(
                self.client.complete(condense_messages(question, turns), deadline, MAX_CONDENSE_TOKENS)
            )
        except LlmFailure as failure:
            return offline(question, history), failure
        if usable_rewrite(rewrite, question, turns):
            return rewrite, None
        log.info("unusable LLM rewrite %r; using the offline rewrite", rewrite)
        return offline(question, history), None

    def stream(
        self, question: str, retrieval: Retrieval, deadline: float, embed: Embed | None = None, idf: Idf | None = None
    ) -> Iterator[str | Generated]:
        """Verified text as it arrives, then the ``Generated`` answer; raises ``LlmFailure``."""
        chunks = [p.chunk for p in retrieval.passages]
        for _ in range(MAX_TRIMS + 1):
            verifier = Verifier(chunks, embed, idf, question)
            sources = [(c.title, c.text) for c in chunks]
            try:
                for delta in self.client.stream_chat(answer_messages(question, sources), deadline, MAX_ANSWER_TOKENS):
                    ready = verifier.feed(delta)
                    if ready:
                        yield ready
            except LlmFailure as failure:
                # A prompt that does not fit is refused before any text: retry with the better half.
                if failure.too_long and len(chunks) > 1:
                    chunks = chunks[: len(chunks) // 2]
                    continue
                raise
            tail = verifier.finish()
            if tail:
                yield tail
            result = verifier.result()
            if not result.text:
                raise LlmFailure("the LLM returned an empty answer")
            yield Generated(result, len(chunks))
            return
        raise LlmFailure("the sources did not fit the model's context, even after trimming")


def llm_notice(generated: Generated, retrieved: int) -> str:
    """One line telling the user what verification changed or found."""
    result, shown = generated.verified, generated.sources_shown
    parts = []
    if result.removed:
        marks = ", ".join(dict.fromkeys(result.removed))
        parts.append(f"Removed {len(result.removed)} citation(s) to sources that were not retrieved ({marks}).")
    if result.unsupported:
        parts.append(f"{result.unsupported} sentence(s) are not supported by the sources; check them.")
    if shown < retrieved:
        parts.append(f"Only the top {shown} of {retrieved} passages fit the model's context.")
    return " ".join(parts)


def fallback_notice(failure: LlmFailure) -> str:
    return f"LLM unavailable: {failure}; showing the extractive answer."
