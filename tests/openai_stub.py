"""A real OpenAI-compatible HTTP server on 127.0.0.1 that plays scripted replies.

It speaks ``POST /v1/chat/completions`` (JSON, or server-sent events when the
request asks to stream) and ``GET /v1/models``, so the code under test goes
through the real openai client and llama-index, over a socket. Scripts cover
what a real model will not do on demand: invented markers, malformed JSON,
hangs, rate limits, server errors, "context too long".
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SOURCE = re.compile(r'<source id="(\d+)" title="[^"]*">\n(.*?)\n</source>', re.S)


@dataclass(frozen=True)
class Reply:
    """One scripted response. ``raw`` is sent as the body as is (for malformed JSON)."""

    content: str = ""
    status: int = 200
    raw: str | None = None
    delay: float = 0.0  # seconds before the first byte: longer than the client's timeout is a hang
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""  # the error message of a non-200 reply
    piece: int = 6  # characters per streamed chunk
    pause: float = 0.0  # seconds between streamed chunks


Responder = Callable[[dict[str, Any]], Reply]


def sources_of(request: dict[str, Any]) -> dict[int, str]:
    """The numbered passages of the last user message of a chat request."""
    return {int(n): text for n, text in SOURCE.findall(request["messages"][-1]["content"])}


def is_condense(request: dict[str, Any]) -> bool:
    return "Rewritten question:" in request["messages"][-1]["content"]


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]


class OpenAIStub:
    """``with OpenAIStub() as stub:`` serves on ``stub.base_url`` until closed.

    Replies come from ``script(...)`` in order, then from ``responder`` (default:
    quote the first source's first sentence, cited ``[1]``). ``requests`` holds
    every request body received, ``headers`` their headers.
    """

    def __init__(self, responder: Responder | None = None) -> None:
        self.responder: Responder = responder or self.quote_first_source
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def reset(self, responder: Responder | None = None) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.headers.clear()
            self.responder = responder or self.quote_first_source

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> OpenAIStub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def quote_first_source(request: dict[str, Any]) -> Reply:
        if is_condense(request):
            return Reply(request["messages"][-1]["content"].split("Last question:")[-1].split("\n")[0].strip())
        return Reply(f"{first_sentence(sources_of(request)[1])} [1]")

    def _next(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._queue:
                return self._queue.popleft()
        return self.responder(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send_json(200, {"object": "list", "data": [{"id": "stub-model", "object": "model"}]})
                else:
                    self._send_json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                with stub._lock:
                    stub.headers.append(dict(self.headers.items()))
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send_json(404, {"error": {"message": f"no route {self.path}"}})
                    return
                reply = stub._next(request)
                if reply.delay and stub._closing.wait(reply.delay):
                    return
                if reply.status != 200:
                    body = {"error": {"message": reply.error or "scripted error", "type": "stub", "code": None}}
                    self._send_json(reply.status, body, reply.headers)
                elif request.get("stream"):
                    self._stream(reply, request)
                elif reply.raw is not None:
                    self._send(200, reply.raw.encode(), "application/json", reply.headers)
                else:
                    self._send_json(200, completion(reply.content, request), reply.headers)

            def _stream(self, reply: Reply, request: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                if reply.raw is not None:
                    self.wfile.write(f"data: {reply.raw}\n\n".encode())
                    self.wfile.flush()
                    return
                text = reply.content
                pieces = [text[i : i + reply.piece] for i in range(0, len(text), reply.piece)] or [""]
                for i, piece in enumerate(pieces):
                    if reply.pause and stub._closing.wait(reply.pause):
                        return
                    delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
                    self._event(chunk(delta, None, request))
                self._event(chunk({}, "stop", request))
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _event(self, payload: dict[str, Any]) -> None:
                self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
                self.wfile.flush()

            def _send_json(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                self._send(status, json.dumps(body).encode(), "application/json", headers or {})

            def _send(self, status: int, body: bytes, kind: str, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler


def completion(content: str, request: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "stub-model"),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"},
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def chunk(delta: dict[str, Any], finish: str | None, request: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": request.get("model", "stub-model"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
