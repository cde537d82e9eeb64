"""The Gradio web chat, built from ``Settings`` (``python ui.py`` and ``rag serve`` start it).

The page (chat with saved conversations, source cards, document viewer,
documents panel) and the headless API (``/ask``, ``/list_documents``,
``/upload_document``, ``/remove_document``, ``/reindex``, ``/status``; also MCP
tools with ``RAG_MCP=1``) call the same ``WebService``. All HTML comes from
``rag/render.py``, which escapes every piece of document and user text.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from .answer import Pipeline
from .chats import Turn
from .config import Settings
from .errors import RagError
from .render import (
    render_documents,
    render_message,
    render_status,
    render_transcript,
    render_viewer_empty,
)
from .service import WebService
from .types import Answer
from .uploads import MAX_UPLOAD_BYTES, UPLOAD_SUFFIXES
from .web_css import CSS

log = logging.getLogger(__name__)

# Up to this many questions are answered at once; more wait in the queue.
CONCURRENCY = 8
QUEUE_SIZE = 64
STREAM_EVERY_SECONDS = 0.08  # repaint a streaming answer at most this often
EXAMPLE_QUESTIONS = (
    "What did Aliyev say about trade?",
    "Why does Azerbaijan matter to Russia?",
    "What is the North-South Transport Corridor?",
)
PRIVATE = "private"  # page-only events: not API endpoints, not MCP tools

# Clicks on a [n] marker or a source card: scroll to the card, ask the server to open the passage.
_TRANSCRIPT_JS = """
const open = (t) => {
  const card = element.querySelector('#src-' + t.dataset.turn + '-' + t.dataset.n);
  if (card && card !== t) {
    card.scrollIntoView({block: 'nearest', behavior: 'smooth'});
    card.classList.remove('flash'); void card.offsetWidth; card.classList.add('flash');
  }
  trigger('click', {turn: Number(t.dataset.turn), n: Number(t.dataset.n)});
};
element.addEventListener('click', (e) => {
  const t = e.target.closest('[data-cite]');
  if (t && element.contains(t)) { e.preventDefault(); open(t); }
});
element.addEventListener('keydown', (e) => {
  const t = e.target.closest('[data-cite]');
  if (t && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); open(t); }
});
// Keep the newest question and its (streaming) answer in view.
watch('value', () => {
  const box = element.closest('#transcript') || element;
  box.scrollTop = box.scrollHeight;
});
"""
# The viewer brings the highlighted quote into view whenever it shows a new passage.
_VIEWER_JS = """
watch('value', () => {
  const box = element.querySelector('.viewer-text');
  const mark = element.querySelector('mark.viewer-quote');
  if (!box || !mark) return;
  box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
  const r = element.getBoundingClientRect();
  if (r.top < 0 || r.top > window.innerHeight - 120) element.scrollIntoView({block: 'start', behavior: 'instant'});
});
"""


@dataclass(frozen=True)
class ChatSession:
    """One browser tab's conversation: its saved id (once asked) and its turns."""

    chat_id: str | None = None
    turns: tuple[Turn, ...] = ()


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, RagError):
        return str(exc)
    log.exception("unexpected error in the web app")
    return f"unexpected {type(exc).__name__}; the details are in the server log"


def _owner(request: Any) -> str:
    return str(getattr(request, "username", None) or "")


def _when(timestamp: str) -> str:
    """A saved chat's time in the server's (for a local app: the user's) time zone: 14:05 today, else the date."""
    try:
        moment = datetime.fromisoformat(timestamp).astimezone()
    except ValueError:
        return timestamp[:16]
    return moment.strftime("%H:%M") if moment.date() == datetime.now().astimezone().date() else f"{moment:%Y-%m-%d}"


def parse_auth(auth: str) -> tuple[str, str] | None:
    """``RAG_AUTH=user:password`` as Gradio wants it (None: no login)."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise RagError("RAG_AUTH must look like user:password; fix or unset it")
    return user, password


def build_app(
    settings: Settings | None = None,
    pipeline: Pipeline | None = None,
    examples: tuple[str, ...] = EXAMPLE_QUESTIONS,
) -> Any:
    """The Gradio Blocks app (not launched); see ``launch``."""
    settings = settings or Settings()
    service = WebService.create(settings, pipeline)

    def status(notice: str = "") -> str:
        chunks, documents = service.index_size()
        return render_status(service.answerer(), chunks, documents, notice)

    def transcript(session: ChatSession, **extra: Any) -> str:
        _, documents = service.index_size()
        hint = f"Ask a question about the {documents} indexed documents, or try an example below."
        return render_transcript(session.turns, empty_hint=hint, **extra)

    def chat_choices(owner: str) -> list[tuple[str, str]]:
        return [(f"{c.title} · {_when(c.updated_at)}", c.id) for c in service.chats.recent(owner)]

    def documents_view() -> tuple[str, Any]:
        docs = service.documents()
        return render_documents(docs), gr.update(choices=[d.id for d in docs], value=None)

    with gr.Blocks(title="Ask the articles", fill_width=True) as app:
        session = gr.State(ChatSession())
        with gr.Row(elem_id="header"):
            gr.HTML("<h1 class='app-title'>Ask the articles</h1>", js_on_load=None)
            status_html = gr.HTML(elem_id="status", js_on_load=None)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=1, min_width=200, elem_id="chats-column"):
                        new_chat = gr.Button("+ New chat", elem_id="new-chat", size="sm")
                        chat_list = gr.Radio(label="Saved chats", choices=[], elem_id="chat-list")
                    with gr.Column(scale=4, min_width=360):
                        transcript_html = gr.HTML(
                            transcript(ChatSession()), elem_id="transcript", js_on_load=_TRANSCRIPT_JS
                        )
                        with gr.Row(visible=True, elem_id="examples") as examples_row:
                            example_buttons = [
                                gr.Button(q, size="sm", variant="secondary", elem_classes="example") for q in examples
                            ]
                        with gr.Row(elem_id="ask-row"):
                            question = gr.Textbox(
                                placeholder="Ask about the documents… (Enter to send)",
                                show_label=False,
                                scale=5,
                                max_lines=6,
                                elem_id="question",
                                max_length=settings.max_question_chars,
                            )
                            ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                    with gr.Column(scale=3, min_width=300, elem_id="viewer-column"):
                        viewer = gr.HTML(render_viewer_empty(), elem_id="viewer", js_on_load=_VIEWER_JS)
            with gr.Tab("Documents", id="documents"):
                limit_mb = MAX_UPLOAD_BYTES // (1024 * 1024)
                upload_box = gr.File(
                    label=f"Upload documents ({', '.join(UPLOAD_SUFFIXES)}; up to {limit_mb} MB each)",
                    file_count="multiple",
                    file_types=list(UPLOAD_SUFFIXES),
                    type="filepath",
                    elem_id="upload",
                    height=150,
                )
                docs_message = gr.HTML(elem_id="docs-message", js_on_load=None)
                with gr.Row():
                    remove_choice = gr.Dropdown(label="Document", choices=[], scale=3, elem_id="remove-choice")
                    remove = gr.Button("Remove document", variant="stop", scale=1, elem_id="remove")
                    reindex = gr.Button("Re-index folder", scale=1, elem_id="reindex")
                docs_table = gr.HTML(elem_id="documents", js_on_load=None)

        # -- page load ---------------------------------------------------------
        def on_load(request: gr.Request) -> tuple[Any, ...]:
            table, choices = documents_view()
            return status(), gr.update(choices=chat_choices(_owner(request)), value=None), table, choices

        app.load(on_load, outputs=[status_html, chat_list, docs_table, remove_choice], api_visibility=PRIVATE)

        # -- asking ------------------------------------------------------------
        ask_outputs = [transcript_html, question, ask, session, chat_list, status_html, examples_row]

        def on_ask(text: str, current: ChatSession, request: gr.Request) -> Iterator[tuple[Any, ...]]:
            text = (text or "").strip()
            if not text:
                yield (gr.skip(),) * len(ask_outputs)
                return
            busy = gr.update(interactive=False, value="Working…")
            yield transcript(current, pending=text), "", busy, current, gr.skip(), gr.skip(), gr.update(visible=False)
            final: Answer | None = None
            partial, shown_at = "", 0.0
            try:
                for piece in service.stream(text, current.turns):
                    if isinstance(piece, Answer):
                        final = piece
                    elif piece:
                        partial += piece
                        if time.monotonic() - shown_at >= STREAM_EVERY_SECONDS:
                            shown_at = time.monotonic()
                            page = transcript(current, pending=text, partial=partial)
                            yield page, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
                if final is None:
                    raise RagError("the answerer returned nothing; try again")
            except Exception as exc:  # one line on the page, the traceback in the log
                ready = gr.update(interactive=True, value="Ask")
                page = transcript(current, error=_one_line(exc))
                yield page, text, ready, current, gr.skip(), gr.skip(), gr.update(visible=not current.turns)
                return
            owner = _owner(request)
            chat_id = current.chat_id
            try:
                chat_id = chat_id or service.chats.create(owner, text)
                service.chats.add_turn(chat_id, owner, text, final)
            except Exception as exc:
                log.warning("could not save the chat: %s", exc)
            updated = ChatSession(chat_id, (*current.turns, Turn(text, final)))
            yield (
                transcript(updated),
                gr.skip(),
                gr.update(interactive=True, value="Ask"),
                updated,
                gr.update(choices=chat_choices(owner), value=chat_id),
                status(final.notice),
                gr.update(visible=False),
            )

        ask_event = dict(fn=on_ask, inputs=[question, session], outputs=ask_outputs, api_visibility=PRIVATE)
        gr.on([question.submit, ask.click], show_progress="hidden", **ask_event)
        for button in example_buttons:
            button.click(lambda q: q, inputs=[button], outputs=[question], api_visibility=PRIVATE).then(
                show_progress="hidden",
                **ask_event,
            )

        def on_new_chat() -> tuple[Any, ...]:
            fresh = ChatSession()
            return fresh, transcript(fresh), gr.update(value=None), render_viewer_empty(), gr.update(visible=True)

        new_chat.click(
            on_new_chat,
            outputs=[session, transcript_html, chat_list, viewer, examples_row],
            api_visibility=PRIVATE,
        )

        def on_open_chat(chat_id: str | None, request: gr.Request) -> tuple[Any, ...]:
            if not chat_id:
                return (gr.skip(),) * 4
            turns: tuple[Turn, ...] = tuple(service.chats.turns(chat_id, _owner(request)))
            opened = ChatSession(chat_id if turns else None, turns)
            return opened, transcript(opened), render_viewer_empty(), gr.update(visible=not turns)

        chat_list.input(
            on_open_chat,
            inputs=[chat_list],
            outputs=[session, transcript_html, viewer, examples_row],
            api_visibility=PRIVATE,
        )

        def on_open_citation(current: ChatSession, evt: gr.EventData) -> Any:
            data = getattr(evt, "_data", None) or {}
            try:
                turn, n = int(data.get("turn", -1)), int(data.get("n", -1))
            except (TypeError, ValueError):
                return gr.skip()
            if not 0 <= turn < len(current.turns):
                return gr.skip()
            citation = next((c for c in current.turns[turn].answer.citations if c.n == n), None)
            if citation is None:
                return gr.skip()
            try:
                return service.viewer(citation)
            except Exception as exc:
                return render_message(_one_line(exc), "error")

        transcript_html.click(
            on_open_citation, inputs=[session], outputs=[viewer], api_visibility=PRIVATE, show_progress="hidden"
        )

        # -- documents ---------------------------------------------------------
        doc_outputs = [docs_message, docs_table, remove_choice, status_html]

        def on_upload(paths: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 (Gradio injects it)
            if not paths:
                return (gr.skip(),) * (len(doc_outputs) + 1)

            def report(done: int, total: int, name: str) -> None:
                progress((done, max(total, 1)), desc=f"Indexing {name}", unit="files")

            try:
                result = service.upload([(Path(p), Path(p).name) for p in paths], report)
                kind = "error" if result.rejected or (result.report and result.report.skipped) else "ok"
                message = render_message(result.message(), kind)
            except Exception as exc:
                message = render_message(_one_line(exc), "error")
            table, choices = documents_view()
            return message, table, choices, status(), None

        upload_box.upload(
            on_upload,
            inputs=[upload_box],
            outputs=[*doc_outputs, upload_box],
            api_visibility=PRIVATE,
            show_progress="full",
        )

        def on_remove(doc_id: str | None) -> tuple[Any, ...]:
            if not doc_id:
                return render_message("pick a document to remove", "error"), gr.skip(), gr.skip(), gr.skip()
            try:
                message = render_message(service.remove(doc_id), "ok")
            except Exception as exc:
                message = render_message(_one_line(exc), "error")
            table, choices = documents_view()
            return message, table, choices, status()

        remove.click(on_remove, inputs=[remove_choice], outputs=doc_outputs, api_visibility=PRIVATE)

        def on_reindex(progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 (Gradio injects it)
            def report(done: int, total: int, name: str) -> None:
                progress((done, max(total, 1)), desc=f"Indexing {name}", unit="files")

            try:
                message = render_message(str(service.reindex(report)).replace("\n", "; "), "ok")
            except Exception as exc:
                message = render_message(_one_line(exc), "error")
            table, choices = documents_view()
            return message, table, choices, status()

        reindex.click(on_reindex, outputs=doc_outputs, api_visibility=PRIVATE, show_progress="full")

        _add_api(service)
    return app


def _add_api(service: WebService) -> None:
    """Named endpoints for gradio_client (and MCP tools): the page's actions, returning data."""

    def fail(exc: Exception) -> Exception:
        return gr.Error(_one_line(exc), print_exception=False)

    def ask(question: str, history: list[list[str]] | None = None) -> dict:
        """Answer a question from the indexed documents, citing exact character spans of the files.

        Args:
            question: The question to answer, e.g. "What did Aliyev say about trade?".
            history: Earlier turns of the conversation as [question, answer] pairs, oldest first, so that
                follow-up questions ("what about Putin?") are understood.

        Returns:
            {"answer", "abstained", "mode", "query", "notice", "unsupported_claims", "citations": [{"n",
            "source", "title", "start", "end", "quote", "score", "supported"}], "timings_ms"}.
        """
        turns = [(str(pair[0]), str(pair[1])) for pair in history or [] if len(pair) >= 2]
        try:
            return service.ask(question, turns).to_dict()
        except Exception as exc:
            raise fail(exc) from None

    def list_documents() -> list[dict]:
        """List the indexed documents: id (file name), title, chunks and when each was last indexed."""
        return [
            {"id": d.id, "title": d.title, "chunks": d.chunks, "indexed_at": d.indexed_at} for d in service.documents()
        ]

    def remove_document(document_id: str) -> dict:
        """Delete a document (its file in the documents folder and its chunks in the index).

        Args:
            document_id: The document's id as listed by list_documents, e.g. "notes.md".
        """
        try:
            return {"removed": document_id, "message": service.remove(document_id)}
        except Exception as exc:
            raise fail(exc) from None

    def reindex() -> dict:
        """Bring the index up to date with the documents folder (add, update and remove files)."""
        try:
            report = service.reindex()
        except Exception as exc:
            raise fail(exc) from None
        return {
            "added": list(report.added),
            "updated": list(report.updated),
            "removed": list(report.removed),
            "unchanged": len(report.unchanged),
            "skipped": [{"file": f, "reason": r} for f, r in report.skipped],
            "chunks": report.chunks,
        }

    def status() -> dict:
        """Which answerer is active and how large the index is."""
        chunks, documents = service.index_size()
        return {
            "answerer": service.answerer(),
            "llm": service.settings.use_llm,
            "chunks": chunks,
            "documents": documents,
        }

    for fn in (ask, list_documents, remove_document, reindex, status):
        gr.api(fn, api_name=fn.__name__)

    # Uploads go through a File component so Gradio checks the file came from its upload folder.
    with gr.Row(visible=False):
        api_file = gr.File(file_count="single", type="filepath", label="file")
        api_result = gr.JSON(label="result")
        api_trigger = gr.Button("upload")

    def upload_document(file: str | None) -> dict:
        """Add a .txt, .md, .pdf or .html file to the documents folder and index it, so it can be asked about.

        Args:
            file: The file to upload (its name becomes the document id).
        """
        if not file:
            raise gr.Error("no file was sent", print_exception=False)
        try:
            return service.upload([(Path(file), Path(file).name)]).to_dict()
        except Exception as exc:
            raise fail(exc) from None

    api_trigger.click(upload_document, inputs=[api_file], outputs=[api_result], api_name="upload_document")


def launch(
    settings: Settings | None = None,
    *,
    server_name: str | None = None,
    server_port: int | None = None,
    prevent_thread_lock: bool = False,
    mcp_server: bool | None = None,
    pipeline: Pipeline | None = None,
    quiet: bool = False,
) -> Any:
    """Build and start the app; returns the running Blocks (``.close()`` stops it)."""
    settings = settings or Settings()
    auth = parse_auth(settings.auth)
    app = build_app(settings, pipeline)
    app.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    if mcp_server is None:
        mcp_server = os.environ.get("RAG_MCP", "").lower() in ("1", "true", "yes")
    app.launch(
        server_name=server_name or os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=server_port or int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        auth=auth,
        auth_message="Log in to ask the documents." if auth else None,
        max_file_size=MAX_UPLOAD_BYTES,
        prevent_thread_lock=prevent_thread_lock,
        mcp_server=mcp_server,
        css=CSS,
        footer_links=["api"],
        show_error=True,  # only messages reach the page: handlers catch their own errors
        quiet=quiet,
    )
    return app


def serve(settings: Settings | None = None) -> None:
    """Start the web chat and block (``rag serve``, ``python ui.py``)."""
    launch(settings)
