"""The report's figures as PNG bytes (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

from .evaluate import SUMMARY_LABELS, EvalResult

# Per-case scores shown in the heat map, left to right.
HEATMAP_METRICS = ("decision", "fact_recall", "first_citation_hit", "hit_at_5", "mrr", "token_f1", "citation_support")
MAX_HEATMAP_ROWS = 150
HEATMAP_LABELS = {**SUMMARY_LABELS, "decision": "answered / abstained rightly"}
# Summary values compared across settings (all in [0, 1]).
COMPARED = (
    "hit_at_5",
    "mrr",
    "fact_recall",
    "first_citation_hit",
    "token_f1",
    "citation_support",
    "abstention_recall",
)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> bytes:
    plt = _pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def latency_histogram(results: Sequence[EvalResult]) -> bytes:
    """Distribution of the answer latency (``timings_ms["total"]``), one series per setting."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    for result in results:
        values = [t.answer.timings_ms.get("total", 0.0) for c in result.cases for t in c.turns if t.answer]
        if values:
            ax.hist(values, bins=min(30, max(5, len(values) // 3)), alpha=0.6, label=result.label)
    ax.set_xlabel("latency per answer (ms)")
    ax.set_ylabel("answers")
    ax.set_title("Answer latency")
    if len(results) > 1:
        ax.legend(fontsize=8)
    return _png(fig)


def case_scores(result: EvalResult) -> bytes:
    """A heat map: one row per case (failures first), one column per metric; grey = not applicable."""
    import numpy as np

    plt = _pyplot()
    ordered = sorted(result.cases, key=lambda c: not c.failed)
    cases = ordered[:MAX_HEATMAP_ROWS]  # a readable height; failures come first, so they are kept
    grid = np.array(
        [[math.nan if c.scores.get(m) is None else float(c.scores[m] or 0.0) for m in HEATMAP_METRICS] for c in cases]
    )
    height = max(2.5, 0.17 * len(cases) + 1.2)
    fig, ax = plt.subplots(figsize=(6.4, height))
    cmap = plt.get_cmap("RdYlGn").with_extremes(bad="#dddddd")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(len(HEATMAP_METRICS)), [HEATMAP_LABELS[m] for m in HEATMAP_METRICS], rotation=30, ha="right")
    ax.set_yticks(range(len(cases)), [c.id for c in cases], fontsize=7)
    for tick, case in zip(ax.get_yticklabels(), cases, strict=True):
        if case.failed:
            tick.set_color("#b00020")  # failed cases: red labels, listed first
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    shown = "" if len(cases) == len(ordered) else f", first {len(cases)} of {len(ordered)} cases"
    ax.set_title(f"Per-case scores ({result.label}{shown}); red ids failed, grey = not applicable", fontsize=9)
    return _png(fig)


def comparison_bars(results: Sequence[EvalResult]) -> bytes:
    """Grouped bars of the main summary values, one colour per setting."""
    plt = _pyplot()
    keys = [k for k in COMPARED if any(r.summary.get(k) is not None for r in results)]
    fig, ax = plt.subplots(figsize=(7.2, 3.4))
    width = 0.8 / max(1, len(results))
    for i, result in enumerate(results):
        values = [float(result.summary.get(k) or 0.0) for k in keys]
        ax.bar([x + i * width for x in range(len(keys))], values, width, label=result.label)
    centres = [x + 0.4 - width / 2 for x in range(len(keys))]
    ax.set_xticks(centres, [SUMMARY_LABELS[k] for k in keys], rotation=25, ha="right")
    ax.set_ylim(0, 1)
    ax.set_title("Settings compared")
    ax.legend(fontsize=8)
    return _png(fig)
