"""The report: report.md and a self-contained report.html that put the failures first."""

from __future__ import annotations

import re
from pathlib import Path

from rag.evaluate import evaluate
from rag.report import render_text, write_report

from eval_scripted import CASES, scripted

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def write(tmp_path: Path, cases: list[dict] | None = None) -> tuple[str, str]:
    result = evaluate(cases or CASES, pipeline=scripted(tmp_path))  # type: ignore[arg-type]
    md, html = write_report([result], tmp_path / "report", source="qa.jsonl")
    return md.read_text(), html.read_text()


def test_the_html_report_is_self_contained(tmp_path: Path) -> None:
    _, html = write(tmp_path)
    assert not EXTERNAL.search(html)
    assert "<script" not in html and "@import" not in html and "url(" not in html
    assert html.count('<img alt="') == 2  # latency histogram and per-case scores
    assert all(src.startswith("data:image/png;base64,") for src in re.findall(r'<img[^>]* src="([^"]+)"', html))


def test_failures_come_first_with_question_facts_answer_and_retrieved_evidence(tmp_path: Path) -> None:
    _, html = write(tmp_path)
    failures = html.index('<h2 id="failures">Failures (4 of 6 cases)</h2>')
    assert failures < html.index("<h2>Plots</h2>") < html.index("<h2>Passed (2 cases)</h2>")
    table = html[failures : html.index("<h2>Plots</h2>")]
    assert "What is the capital and how many bridges does it have?" in table
    assert "✗ 300 / three hundred" in table and "✓ Fredville" in table
    assert "The capital of Freedonia is Fredville. [1]" in table
    assert "<mark>It has 300 bridges.</mark>" in table  # evidence highlighted inside the retrieved passage
    assert "missing fact(s): 300" in table


def test_all_text_is_escaped(tmp_path: Path) -> None:
    question = "Is <script>alert(1)</script> & co a bridge?"
    case = {"id": "x<1>", "question": question, "facts": [["<b>"]]}
    pipeline = scripted(tmp_path)
    pipeline.answers[question] = pipeline.answers["Who is the mayor?"]
    result = evaluate([case], pipeline=pipeline)  # type: ignore[arg-type]
    _, html_path = write_report([result], tmp_path / "report")
    html = html_path.read_text()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "x&lt;1&gt;" in html and "&lt;b&gt;" in html


def test_the_markdown_report_has_the_summary_failures_and_plots(tmp_path: Path) -> None:
    md, _ = write(tmp_path)
    assert "| retrieval hit@5 | 0.750 | 4 |" in md
    assert "## Failures (4 of 6 cases)" in md
    assert "![Answer latency](latency.png)" in md and (tmp_path / "report" / "latency.png").stat().st_size > 1000
    assert md.index("## Failures") < md.index("## All cases")


def test_a_comparison_is_shown_side_by_side(tmp_path: Path) -> None:
    first = evaluate(CASES, pipeline=scripted(tmp_path), label="first")  # type: ignore[arg-type]
    second = evaluate(CASES[:2], pipeline=scripted(tmp_path), label="second")  # type: ignore[arg-type]
    text = render_text([first, second])
    header = text.splitlines()[0].split()
    assert header == ["metric", "first", "second"]
    assert re.search(r"retrieval hit@5\s+0\.750\s+1\.000", text)
    _, html_path = write_report([first, second], tmp_path / "report")
    html = html_path.read_text()
    assert "<th>first</th><th>second</th>" in html and "Failures: second" in html
    assert html.count('<img alt="') == 4  # comparison bars, latency, and per-case scores of each
