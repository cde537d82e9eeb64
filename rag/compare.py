"""Run one Q&A set under several settings (``rag eval --compare extractive,openai``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from .config import Settings
from .errors import RagError
from .evaluate import EvalResult, evaluate
from .qa_format import QACase, parse_cases, read_cases

# Names for the answerers, so that "--compare extractive,openai" reads naturally.
ALIASES = {"extractive": {"llm": "none"}, "openai": {"llm": "openai"}, "llm": {"llm": "openai"}}
_NOT_COMPARABLE = frozenset({"docs_dir", "index_dir", "chroma_url", "collection", "auth", "openai_api_key"})


def variant_settings(base: Settings, spec: str) -> Settings:
    """``base`` changed as ``spec`` says: "extractive", "openai", or "key=value" items joined by "+"
    (e.g. "top_k=3", "retrieval=dense+top_k=8")."""
    update: dict[str, Any] = {}
    for item in spec.split("+"):
        item = item.strip()
        if item in ALIASES:
            update.update(ALIASES[item])
            continue
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        fields = Settings.model_fields
        if not sep or key not in fields or key in _NOT_COMPARABLE:
            choices = ", ".join([*ALIASES, *(f"{k}=…" for k in fields if k not in _NOT_COMPARABLE)])
            raise RagError(f"cannot compare '{item}': use one of {choices}")
        info = fields[key]
        # The field's type with its constraints (top_k: 1..50), validated as Settings would.
        kind: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        try:
            update[key] = TypeAdapter(kind).validate_python(raw.strip())
        except ValidationError as exc:
            raise RagError(f"cannot compare '{item}': {exc.errors()[0]['msg']}") from exc
    # model_copy keeps the API key and other values read from the environment.
    return base.model_copy(update=update)


def parse_variants(text: str) -> list[str]:
    variants = [v.strip() for v in text.split(",") if v.strip()]
    if len(variants) < 1:
        raise RagError("--compare needs settings to compare, e.g. --compare extractive,openai or top_k=3,top_k=8")
    return variants


def compare(
    qa: Path | str | Iterable[Mapping[str, Any] | QACase],
    variants: Sequence[str],
    settings: Settings | None = None,
    *,
    progress: bool = False,
    judge: bool | None = None,
) -> tuple[EvalResult, ...]:
    """One ``EvalResult`` per variant, in order, over the same cases."""
    base = settings or Settings()
    cases = read_cases(qa) if isinstance(qa, Path | str) else parse_cases(qa)
    chosen = [(v, variant_settings(base, v)) for v in variants]  # all specs checked before the first run
    return tuple(evaluate(cases, s, label=v, progress=progress, judge=judge) for v, s in chosen)


def side_by_side(results: Sequence[EvalResult]) -> list[list[str]]:
    """Rows of a comparison table: metric, then one value per result; header row first."""
    from .evaluate import SUMMARY_LABELS, format_value

    rows = [["metric", *(r.label for r in results)]]
    rows.append(["cases with failures", *(str(r.summary["failures"]) for r in results)])
    for key, label in SUMMARY_LABELS.items():
        values = [r.summary.get(key) for r in results]
        if any(v is not None for v in values):
            rows.append([label, *(format_value(key, v) for v in values)])
    return rows
