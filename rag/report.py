"""Write an evaluation as report.md and a self-contained report.html, failures first.

The HTML has no external scripts, styles, fonts or images (plots are base64 PNG), so it
opens offline; every piece of text from documents, questions and answers is escaped.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

from . import plots
from .compare import side_by_side
from .evaluate import CaseResult, EvalResult, Passage, TurnResult
from .metrics import find_spans, squash

PREVIEW_CHARS = 140


def write_report(results: Sequence[EvalResult], out_dir: Path | str, source: str = "") -> tuple[Path, Path]:
    """Write report.md (with its PNG plots beside it) and report.html into ``out_dir``."""
    if not results:
        raise ValueError("nothing to report")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures: list[tuple[str, str, bytes]] = [("latency.png", "Answer latency", plots.latency_histogram(results))]
    if len(results) > 1:
        figures.insert(0, ("compare.png", "Settings compared", plots.comparison_bars(results)))
    for i, result in enumerate(results, start=1):
        name = "scores.png" if len(results) == 1 else f"scores-{i}.png"
        figures.append((name, f"Per-case scores: {result.label}", plots.case_scores(result)))
    for name, _, png in figures:
        (out / name).write_bytes(png)
    md_path, html_path = out / "report.md", out / "report.html"
    md_path.write_text(render_markdown(results, figures, source), encoding="utf-8")
    html_path.write_text(render_html(results, figures, source), encoding="utf-8")
    return md_path, html_path


# --- shared content -----------------------------------------------------------------------------


def _summary_rows(results: Sequence[EvalResult]) -> list[list[str]]:
    if len(results) > 1:
        return side_by_side(results)
    from .evaluate import SUMMARY_LABELS, format_value

    r = results[0]
    rows = [
        ["metric", "value", "over"],
        ["cases with failures", f"{r.summary['failures']} of {r.summary['cases']}", ""],
    ]
    for key, label in SUMMARY_LABELS.items():
        if r.summary.get(key) is not None:
            rows.append([label, format_value(key, r.summary[key]), str(r.counts.get(key, ""))])
    return rows


def _ordered(result: EvalResult) -> list[CaseResult]:
    """Failures first (file order kept within each group)."""
    return [c for c in result.cases if c.failed] + [c for c in result.cases if not c.failed]


def _fact_marks(turn: TurnResult) -> list[tuple[str, bool | None]]:
    facts = turn.expected.facts or ()
    found: Sequence[bool | None] = turn.facts_found or [None] * len(facts)
    return [(" / ".join(f), ok) for f, ok in zip(facts, found, strict=True)]


def _answer_text(turn: TurnResult) -> str:
    if turn.answer is None:
        return f"error: {turn.error}"
    return turn.answer.text


def _settings_line(result: EvalResult) -> str:
    return ", ".join(f"{k}={v}" for k, v in result.settings.items() if v != "")


# --- markdown -----------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return html.escape(squash(text), quote=False).replace("|", "\\|")


def _md_table(rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return lines


def render_markdown(results: Sequence[EvalResult], figures: list[tuple[str, str, bytes]], source: str) -> str:
    lines = ["# Evaluation report", ""]
    if source:
        lines += [f"Q&A set: `{source}`", ""]
    for r in results:
        lines.append(f"- **{_md(r.label)}**: {_md(_settings_line(r))}")
        lines += [f"  - note: {_md(n)}" for n in r.notices]
    lines += ["", "## Summary", "", *_md_table([[_md(c) for c in row] for row in _summary_rows(results)]), ""]
    lines += ["Metric definitions: docs/evaluation.md.", ""]
    for name, title, _ in figures:
        lines += [f"![{title}]({name})", ""]
    for r in results:
        heading = "Failures" if len(results) == 1 else f"Failures: {_md(r.label)}"
        lines += [f"## {heading} ({len(r.failures)} of {len(r.cases)} cases)", ""]
        rows = [["case", "what went wrong", "question", "expected facts", "answer", "retrieved (top 5)"]]
        for case in r.failures:
            turn = (case.scored or case.turns)[-1]
            facts = "; ".join(("✓ " if ok else "✗ " if ok is False else "") + f for f, ok in _fact_marks(turn))
            retrieved = "; ".join(
                f"{'**' if p.hit else ''}#{p.rank} {p.source}:{p.start}-{p.end}{'**' if p.hit else ''}"
                for p in turn.passages
            )
            rows.append(
                [
                    _md(case.id),
                    _md("; ".join(case.failures)),
                    _md(turn.expected.question),
                    _md(facts),
                    _md(_answer_text(turn)),
                    retrieved.replace("|", "\\|"),
                ]
            )
        lines += _md_table(rows) if len(rows) > 1 else ["No failures."]
        lines.append("")
    lines += ["## All cases", ""]
    for r in results:
        if len(results) > 1:
            lines += [f"### {_md(r.label)}", ""]
        rows = [["case", "result", "fact recall", "hit@5", "MRR", "token F1", "answer"]]
        for case in _ordered(r):
            s = case.scores
            rows.append(
                [
                    _md(case.id),
                    "fail" if case.failed else "pass",
                    *(_num(s.get(k)) for k in ("fact_recall", "hit_at_5", "mrr", "token_f1")),
                    _md(_answer_text((case.scored or case.turns)[-1])[:200]),
                ]
            )
        lines += [*_md_table(rows), ""]
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


# --- HTML ---------------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0}
th,td{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
table.cases{width:100%;table-layout:fixed}table.cases td{word-wrap:break-word}
.fail{color:#b00020}.ok{color:#0a7d32}.muted{color:#777}
ul.why{margin:0;padding-left:18px;color:#b00020}ul.facts{margin:0;padding-left:18px}
mark{background:#ffe066}span.cited{text-decoration:underline 2px #1c64f2}
.passage{border-left:3px solid #ccc;padding:2px 8px;margin:4px 0;font-size:12.5px;white-space:pre-wrap}
.passage.hit{border-left-color:#0a7d32;background:#f3fbf5}
details>summary{cursor:pointer;font-size:12.5px}
.quote{font-size:12.5px;color:#444}
img{max-width:100%;border:1px solid #eee;margin:6px 0}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _highlight(text: str, evidence: Sequence[str], cited: Sequence[tuple[int, int]]) -> str:
    """``text`` escaped, the evidence wrapped in <mark>, cited spans underlined."""
    marked = [0] * len(text)  # bit 1: evidence, bit 2: cited
    for quote in evidence:
        for start, end in find_spans(text, quote):
            for i in range(start, end):
                marked[i] |= 1
    for start, end in cited:
        for i in range(max(0, start), min(len(text), end)):
            marked[i] |= 2
    pieces = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and marked[j] == marked[i]:
            j += 1
        piece = _e(text[i:j])
        if marked[i] & 2:
            piece = f'<span class="cited">{piece}</span>'
        if marked[i] & 1:
            piece = f"<mark>{piece}</mark>"
        pieces.append(piece)
        i = j
    return "".join(pieces)


def _passage_html(p: Passage, turn: TurnResult) -> str:
    cited = [
        (c.start - p.start, c.end - p.start)
        for c in turn.citations
        if c.source == p.source and c.start < p.end and p.start < c.end
    ]
    body = _highlight(p.text, turn.expected.evidence, cited)
    label = f"#{p.rank} {_e(p.source)}:{p.start}-{p.end}" + (" — holds the evidence" if p.hit else "")
    if p.hit or cited:
        return f'<div class="passage{" hit" if p.hit else ""}"><b>{label}</b>\n{body}</div>'
    preview = _e(squash(p.text)[:PREVIEW_CHARS]) + "…"
    summary = f'<summary>{label}: <span class="muted">{preview}</span></summary>'
    return f'<details>{summary}<div class="passage">{body}</div></details>'


def _case_row(case: CaseResult) -> str:
    turn = (case.scored or case.turns)[-1]
    earlier = [t.expected.question for t in case.turns[: case.turns.index(turn)]]
    question = (
        "".join(f'<div class="muted">earlier: {_e(q)}</div>' for q in earlier)
        + f"<div>{_e(turn.expected.question)}</div>"
    )
    expected = []
    marks = _fact_marks(turn)
    if marks:
        look = {True: ("ok", "✓ "), False: ("fail", "✗ "), None: ("", "")}
        items = "".join(f'<li class="{look[ok][0]}">{look[ok][1]}{_e(f)}</li>' for f, ok in marks)
        expected.append(f'<ul class="facts">{items}</ul>')
    if turn.expected.expects_answer is False:
        expected.append("<div><i>unanswerable: should abstain</i></div>")
    if turn.expected.reference_answer:
        expected.append(f'<div class="quote">reference: {_e(turn.expected.reference_answer)}</div>')
    if turn.expected.evidence:
        expected.append(f'<div class="quote">evidence: <mark>{_e(squash(turn.expected.evidence[0]))}</mark></div>')
    if turn.expected.sources:
        expected.append(f'<div class="muted">sources: {_e(", ".join(turn.expected.sources))}</div>')
    answer = [f"<div>{_e(_answer_text(turn))}</div>"]
    if turn.abstained:
        answer.append('<div class="muted">(abstained)</div>')
    for c in turn.citations:
        flags = ("" if c.valid else ' <b class="fail">not the exact file span</b>') + (
            ' <span class="ok">overlaps evidence</span>' if c.supports else ""
        )
        answer.append(f'<div class="quote">[{c.n}] {_e(c.source)}:{c.start}-{c.end}{flags}</div>')
    why = "".join(f"<li>{_e(f)}</li>" for f in case.failures)
    passages = "".join(_passage_html(p, turn) for p in turn.passages) or '<span class="muted">not checked</span>'
    return (
        f'<tr><td><b>{_e(case.id)}</b><ul class="why">{why}</ul></td><td>{question}</td><td>{"".join(expected)}</td>'
        f"<td>{''.join(answer)}</td><td>{passages}</td></tr>"
    )


def _table_html(rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in rows[0])
    body = "".join(
        "<tr>" + "".join(f'<td class="{"num" if i else ""}">{_e(c)}</td>' for i, c in enumerate(r)) + "</tr>"
        for r in rows[1:]
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(results: Sequence[EvalResult], figures: list[tuple[str, str, bytes]], source: str) -> str:
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', "<title>Evaluation report</title>"]
    parts += [f"<style>{_CSS}</style></head><body>", "<h1>Evaluation report</h1>"]
    if source:
        parts.append(f"<p>Q&amp;A set: <code>{_e(source)}</code></p>")
    parts.append("<ul>" + "".join(f"<li><b>{_e(r.label)}</b>: {_e(_settings_line(r))}</li>" for r in results) + "</ul>")
    for r in results:
        parts += [f'<p class="fail">note: {_e(n)}</p>' for n in r.notices]
    parts += ["<h2>Summary</h2>", _table_html(_summary_rows(results))]
    for r in results:
        title = "Failures" if len(results) == 1 else f"Failures: {_e(r.label)}"
        parts.append(f'<h2 id="failures">{title} ({len(r.failures)} of {len(r.cases)} cases)</h2>')
        if r.failures:
            parts.append(
                '<table class="cases failures"><colgroup><col style="width:14%"><col style="width:16%">'
                '<col style="width:18%"><col style="width:22%"><col style="width:30%"></colgroup>'
                "<thead><tr><th>case / what went wrong</th><th>question</th><th>expected</th><th>answer</th>"
                '<th>retrieved (top 5; <mark>evidence</mark>, <span class="cited">cited</span>)</th>'
                "</tr></thead><tbody>"
            )
            parts += [_case_row(c) for c in r.failures]
            parts.append("</tbody></table>")
        else:
            parts.append("<p>No failures.</p>")
    parts.append("<h2>Plots</h2>")
    for _, title, png in figures:
        data = base64.b64encode(png).decode("ascii")
        image = f'<img alt="{_e(title)}" src="data:image/png;base64,{data}">'
        parts.append(f"<figure>{image}<figcaption>{_e(title)}</figcaption></figure>")
    for r in results:
        passed = [c for c in r.cases if not c.failed]
        parts.append(
            f"<h2>Passed: {_e(r.label)} ({len(passed)} cases)</h2>"
            if len(results) > 1
            else f"<h2>Passed ({len(passed)} cases)</h2>"
        )
        if passed:
            parts.append(
                '<details><summary>show</summary><table class="cases"><thead><tr><th>case</th><th>question</th>'
                "<th>expected</th><th>answer</th><th>retrieved</th></tr></thead><tbody>"
            )
            parts += [_case_row(c) for c in passed]
            parts.append("</tbody></table></details>")
    parts.append("</body></html>")
    return "\n".join(parts)


# --- terminal -----------------------------------------------------------------------------------


def render_text(results: Sequence[EvalResult], max_failures: int = 15) -> str:
    """The summary (side by side when comparing) and the first failures, for the terminal."""
    rows = _summary_rows(results)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for r in results:
        lines += [f"note ({r.label}): {n}" for n in r.notices]
        if not r.failures:
            continue
        lines += ["", f"failures ({r.label}): {len(r.failures)} of {len(r.cases)} cases"]
        for case in r.failures[:max_failures]:
            lines.append(f"  {case.id}: " + "; ".join(case.failures))
        if len(r.failures) > max_failures:
            lines.append(f"  … {len(r.failures) - max_failures} more (see the report: --report DIR)")
    return "\n".join(lines)
