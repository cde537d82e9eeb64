"""The Gradio web chat, built from ``Settings`` (``ui.py`` and ``rag serve`` start it)."""

from __future__ import annotations

import html
import os
from typing import Any

from .answer import Pipeline
from .config import Settings
from .errors import RagError
from .types import Answer


def render_answer(answer: Answer) -> str:
    """Markdown for the chat: the answer, then its sources with their exact quotes (escaped)."""
    lines = [html.escape(answer.text)]
    if answer.notice:
        lines.append(f"\n_{html.escape(answer.notice)}_")
    for c in answer.citations:
        quote = html.escape(" ".join(c.quote.split()))
        lines.append(f"\n**[{c.n}]** {html.escape(c.title)} — `{html.escape(c.source)}` ({c.start}–{c.end})\n> {quote}")
    return "\n".join(lines)


def build_app(settings: Settings | None = None) -> Any:
    import gradio as gr

    pipeline = Pipeline(settings or Settings())

    def respond(message: str, history: list[dict[str, Any]]) -> str:
        turns: list[tuple[str, str]] = []
        pending = ""
        for item in history:
            if item.get("role") == "user":
                pending = str(item.get("content", ""))
            elif item.get("role") == "assistant" and pending:
                turns.append((pending, str(item.get("content", "")).split("\n")[0]))
                pending = ""
        try:
            return render_answer(pipeline.answer(message, history=turns))
        except RagError as exc:
            return f"⚠️ {html.escape(str(exc))}"

    return gr.ChatInterface(respond, title="Ask the articles", examples=None)


def serve(settings: Settings | None = None) -> None:
    app = build_app(settings)
    app.queue(default_concurrency_limit=8).launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
    )
