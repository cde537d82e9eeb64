"""The ``rag`` command. Imports stay inside the commands so ``rag ask`` starts fast
(and never imports gradio)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any


def _settings(args: argparse.Namespace) -> Any:
    from .config import Settings

    overrides: dict[str, Any] = {}
    if getattr(args, "llm", None):
        overrides["llm"] = args.llm
    if getattr(args, "top_k", None):
        overrides["top_k"] = args.top_k
    return Settings(**overrides)


def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .ingest import ingest

    settings = _settings(args)
    bar = tqdm(total=0, unit="file", desc="ingest", file=sys.stderr, disable=args.quiet or None)

    def progress(done: int, total: int, name: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix_str(name[-40:], refresh=True)

    try:
        report = ingest(settings, [Path(p) for p in args.paths] or None, rebuild=args.rebuild, progress=progress)
    finally:
        bar.close()
    print(report)
    return 0


def _print_answer(answer: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(answer)


def cmd_ask(args: argparse.Namespace) -> int:
    from .answer import get_pipeline

    pipeline = get_pipeline(_settings(args))
    if args.json:
        _print_answer(pipeline.answer(args.question), as_json=True)
    else:
        _stream_print(pipeline, args.question)
    return 0


def _stream_print(pipeline: Any, question: str, history: list[tuple[str, str]] | None = None) -> Any:
    """Print the answer as it streams, then its notice and sources; return the final ``Answer``."""
    from .types import Answer

    shown = ""
    final = None
    for piece in pipeline.stream_answer(question, history=history):
        if isinstance(piece, Answer):
            final = piece
        else:
            print(piece, end="", flush=True)
            shown += piece
    assert final is not None
    full = str(final)
    if shown.endswith(final.text):
        print(full[len(final.text) :])  # the notice and sources
    else:  # cannot happen with the pipeline's stream, but never hide the final answer
        print("\n" + full)
    return final


def cmd_chat(args: argparse.Namespace) -> int:
    from .answer import get_pipeline
    from .errors import RagError

    pipeline = get_pipeline(_settings(args))
    history: list[tuple[str, str]] = []
    print("Ask about the documents. /new starts over, /quit (or Ctrl-D) leaves.")
    while True:
        try:
            question = input("\nyou> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question in ("/quit", "/exit"):
            return 0
        if question == "/new":
            history.clear()
            print("(new conversation)")
            continue
        if not question:
            continue
        try:
            answer = _stream_print(pipeline, question, history)
        except RagError as exc:
            print(f"error: {exc}")
            continue
        if answer.query != question:
            print(f"(searched for: {answer.query})")
        history.append((question, answer.text))


def cmd_serve(args: argparse.Namespace) -> int:
    from .web import serve

    serve(_settings(args))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .compare import compare, parse_variants
    from .evaluate import evaluate
    from .report import render_text, write_report

    settings = _settings(args)
    judge = False if args.no_judge else None  # None: judge when an LLM is configured
    if args.compare:
        results = compare(args.qa_file, parse_variants(args.compare), settings, progress=not args.quiet, judge=judge)
    else:
        results = (evaluate(args.qa_file, settings, progress=not args.quiet, judge=judge),)
    if args.json:
        summary = results[0].summary if len(results) == 1 else {r.label: r.summary for r in results}
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(render_text(results))
    if args.report:
        _, html_path = write_report(results, args.report, source=args.qa_file)
        # stdout stays pure JSON with --json
        print(f"report: {html_path}", file=sys.stderr if args.json else sys.stdout)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import render, run_checks

    checks = run_checks(_settings(args))
    print(render(checks))
    return 1 if any(c.status == "FAIL" for c in checks) else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag", description="Answer questions about your articles, with exact citations."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add, update and remove documents in the index")
    p.add_argument("paths", nargs="*", help="files or folders (default: the documents folder, RAG_DOCS_DIR)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and build it anew")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--llm", choices=["auto", "none", "openai"], help="answerer (default: RAG_LLM or auto)")
    p.add_argument("--top-k", type=int, help="passages to retrieve")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="a conversation in the terminal")
    p.add_argument("--llm", choices=["auto", "none", "openai"])
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("serve", help="the web chat (same as python ui.py)")
    p.add_argument("--llm", choices=["auto", "none", "openai"])
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("eval", help="measure answer quality on a Q&A set (see docs/evaluation.md)")
    p.add_argument("qa_file", help="JSONL Q&A file (DESIGN.md format) or llama-index LabelledRagDataset JSON")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--report", metavar="DIR", help="write report.md and report.html into DIR")
    p.add_argument("--llm", choices=["auto", "none", "openai"], help="answerer (default: RAG_LLM or auto)")
    p.add_argument("--top-k", type=int, help="passages to answer from")
    p.add_argument(
        "--compare",
        metavar="A,B",
        help="run under each setting and compare: extractive, openai, or key=value (top_k=3, retrieval=dense)",
    )
    p.add_argument("--no-judge", action="store_true", help="skip the LLM judge even when an LLM is configured")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("doctor", help="check the installation, model, documents, index and LLM; say how to fix")
    p.add_argument("--llm", choices=["auto", "none", "openai"], help="answerer to check (default: RAG_LLM or auto)")
    p.set_defaults(func=cmd_doctor)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from pydantic import ValidationError

    from .errors import RagError

    try:
        return int(args.func(args))
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "RAG_" + str(first["loc"][0]).upper() if first.get("loc") else "a setting"
        print(f"error: {name} is invalid: {first['msg']}; fix the environment variable", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader stopped reading ("rag ask ... | head -1"): nothing went wrong to report.
        # Standard output points at nothing from here on, so the flush at exit is quiet too.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1
    except Exception as exc:
        if os.environ.get("RAG_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc} (set RAG_DEBUG=1 to see details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
