"""HTML for the web chat: answers with linked [n] markers, source cards, the
document viewer, the documents table and the status line.

Every piece of text that comes from a document, a file name, a question or an
answer goes through ``html.escape`` here and nowhere else is HTML built from
them: the page never renders a document's own markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from .chats import Turn
from .store import IndexedDocument
from .types import Answer, Citation

# Characters of the surrounding passage shown on each side of a quote in a card.
CARD_CONTEXT_CHARS = 220
_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def link_markers(text: str, turn: int, known: set[int]) -> str:
    """``text`` escaped, each [n] of a known citation turned into a link to its card."""
    out: list[str] = []
    last = 0
    for match in _MARKER.finditer(text):
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        if not all(n in known for n in numbers):
            continue  # a bracketed number that is not one of ours stays plain text
        out.append(esc(text[last : match.start()]))
        links = "".join(
            f'<a class="cite" href="#src-{turn}-{n}" data-cite="1" data-turn="{turn}" data-n="{n}" '
            f'title="Open source {n}">[{n}]</a>'
            for n in numbers
        )
        out.append(links)
        last = match.end()
    out.append(esc(text[last:]))
    return "".join(out)


def quote_in_context(citation: Citation, limit: int = CARD_CONTEXT_CHARS) -> str:
    """The quote highlighted inside its passage (``Citation.context``), clipped around it."""
    context = citation.context
    lo = citation.start - citation.context_start
    hi = citation.end - citation.context_start
    if not context or lo < 0 or hi > len(context) or context[lo:hi] != citation.quote:
        # No passage stored (or it does not hold the quote): show the quote alone.
        return f'<mark class="quote">{esc(citation.quote)}</mark>'
    before, after = context[:lo], context[hi:]
    head = "…" if len(before) > limit else ""
    tail = "…" if len(after) > limit else ""
    before = before[-limit:] if head else before
    after = after[:limit] if tail else after
    return f'{head}{esc(before)}<mark class="quote">{esc(context[lo:hi])}</mark>{esc(after)}{tail}'


def render_card(turn: int, citation: Citation) -> str:
    c = citation
    flag = (
        ""
        if c.supported
        else '<span class="unsupported" title="The cited passage does not support this claim">'
        "⚠ not supported by this source</span>"
    )
    classes = "card" if c.supported else "card card-unsupported"
    return (
        f'<div class="{classes}" id="src-{turn}-{c.n}" data-cite="1" data-turn="{turn}" data-n="{c.n}" '
        f'role="button" tabindex="0" title="Open in the document viewer">'
        f'<div class="card-head"><span class="card-n">[{c.n}]</span> '
        f'<span class="card-title">{esc(c.title or c.source)}</span>{flag}</div>'
        f'<div class="card-file">{esc(c.source)} · characters {c.start}–{c.end}</div>'
        f'<div class="card-passage">{quote_in_context(c)}</div>'
        "</div>"
    )


def render_answer(turn: int, question: str, answer: Answer) -> str:
    """One answer: text with linked markers, what was searched for, notices, source cards."""
    parts = []
    known = {c.n for c in answer.citations}
    kind = "answer abstained" if answer.abstained else "answer"
    parts.append(f'<div class="{kind}">{link_markers(answer.text, turn, known)}</div>')
    meta = []
    if answer.query and answer.query.strip() != question.strip():
        meta.append(f'<span class="searched">searched for: “{esc(answer.query)}”</span>')
    if answer.unsupported_claims:
        n = answer.unsupported_claims
        meta.append(f'<span class="unsupported">{n} claim{"s" * (n != 1)} not supported by the cited source</span>')
    if meta:
        parts.append(f'<div class="answer-meta">{" · ".join(meta)}</div>')
    if answer.notice:
        parts.append(f'<div class="notice">ⓘ {esc(answer.notice)}</div>')
    if answer.citations:
        cards = "".join(render_card(turn, c) for c in answer.citations)
        parts.append(f'<div class="cards"><div class="cards-label">Sources</div>{cards}</div>')
    return "".join(parts)


def render_question(question: str) -> str:
    return f'<div class="msg user"><div class="bubble">{esc(question)}</div></div>'


def render_transcript(
    turns: Sequence[Turn], pending: str | None = None, partial: str = "", error: str = "", empty_hint: str = ""
) -> str:
    """The whole conversation; ``pending`` is a question still being answered."""
    parts = ['<div class="transcript">']
    if not turns and pending is None and not error:
        parts.append(f'<div class="empty">{esc(empty_hint or "Ask a question about the documents.")}</div>')
    for i, turn in enumerate(turns):
        parts.append(f'<div class="turn" id="turn-{i}">')
        parts.append(render_question(turn.question))
        parts.append(f'<div class="msg bot">{render_answer(i, turn.question, turn.answer)}</div>')
        parts.append("</div>")
    if pending is not None:
        parts.append('<div class="turn pending">')
        parts.append(render_question(pending))
        body = f'<div class="answer streaming">{esc(partial)}</div>' if partial else ""
        parts.append(
            f'<div class="msg bot">{body}<div class="working" role="status" aria-live="polite">'
            '<span class="spinner"></span> Searching the documents…</div></div>'
        )
        parts.append("</div>")
    if error:
        parts.append(f'<div class="msg bot"><div class="error" role="alert">⚠ {esc(error)}</div></div>')
    parts.append("</div>")
    return "".join(parts)


def render_viewer(title: str, source: str, text: str, start: int, end: int, note: str = "") -> str:
    """A document with ``text[start:end]`` highlighted (the viewer scrolls it into view)."""
    head = (
        f'<div class="viewer-head"><div class="viewer-title">{esc(title or source)}</div>'
        f'<div class="viewer-file">{esc(source)} · characters {start}–{end}</div></div>'
    )
    note_html = f'<div class="notice">ⓘ {esc(note)}</div>' if note else ""
    body = (
        f'{esc(text[:start])}<mark class="viewer-quote" id="viewer-quote">{esc(text[start:end])}</mark>'
        f"{esc(text[end:])}"
    )
    return f'<div class="viewer">{head}{note_html}<div class="viewer-text">{body}</div></div>'


def render_viewer_empty() -> str:
    return (
        '<div class="viewer viewer-empty">Click a source card or a [n] marker to read the passage '
        "in its document.</div>"
    )


def render_documents(docs: Sequence[IndexedDocument]) -> str:
    if not docs:
        return '<div class="empty">No documents are indexed yet: upload some above.</div>'
    rows = "".join(
        f"<tr><td>{esc(d.title)}</td><td><code>{esc(d.id)}</code></td>"
        f'<td class="num">{d.chunks}</td><td>{esc(d.indexed_at.replace("T", " ").replace("+00:00", " UTC"))}</td></tr>'
        for d in docs
    )
    return (
        '<table class="docs"><thead><tr><th>Title</th><th>File</th><th>Chunks</th><th>Last indexed</th></tr>'
        f"</thead><tbody>{rows}</tbody></table>"
    )


def render_status(answerer: str, chunks: int, documents: int, notice: str = "") -> str:
    parts = [
        f'<span class="status-item">Answerer: <b>{esc(answerer)}</b></span>',
        f'<span class="status-item">Index: <b>{chunks:,}</b> chunks in <b>{documents:,}</b> documents</span>',
    ]
    if notice:
        parts.append(f'<span class="status-item status-notice">ⓘ {esc(notice)}</span>')
    return f'<div class="status">{" · ".join(parts)}</div>'


def render_message(text: str, kind: str = "info") -> str:
    """A one-line message (``kind``: info, ok or error)."""
    kind = kind if kind in ("info", "ok", "error") else "info"
    return f'<div class="message message-{kind}">{esc(text)}</div>' if text else ""
