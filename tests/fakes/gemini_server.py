"""A fake Gemini REST endpoint on 127.0.0.1, so the *real* ``ChatGoogleGenerativeAI`` client
(request building, HTTP, retries, response parsing, structured-output parsing) runs in tests.

It answers ``POST /v1beta/models/{model}:generateContent`` from a script of ``Reply`` items, one
per request, and records every request. The last reply repeats when the script runs out.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Reply", "FakeGeminiServer", "fake_gemini_server", "patch_reply", "error_reply"]


@dataclass(frozen=True)
class Reply:
    """One scripted answer: an HTTP status, a body (JSON-able or raw bytes), and a delay."""

    status: int = 200
    body: Any = None
    delay_s: float = 0.0


def patch_reply(payload: Any, *, delay_s: float = 0.0) -> Reply:
    """A successful generateContent answer whose text is ``payload`` (dumped to JSON unless
    it is already a string, so malformed text can be scripted too)."""
    text = payload if isinstance(payload, str) else json.dumps(payload)
    body = {
        "candidates": [
            {
                "content": {"parts": [{"text": text}], "role": "model"},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 100,
            "candidatesTokenCount": 20,
            "totalTokenCount": 120,
        },
        "modelVersion": "gemini-2.5-flash",
    }
    return Reply(200, body, delay_s)


_STATUS_NAMES = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED",
                 500: "INTERNAL", 503: "UNAVAILABLE"}  # fmt: skip


def error_reply(status: int, *, delay_s: float = 0.0) -> Reply:
    """An error answer shaped like Google's (``{"error": {"code", "message", "status"}}``)."""
    body = {"error": {"code": status, "message": f"scripted {status}",
                      "status": _STATUS_NAMES.get(status, "UNKNOWN")}}  # fmt: skip
    return Reply(status, body, delay_s)


@dataclass
class FakeGeminiServer:
    """The running server: its ``base_url``, the script, and the requests it received."""

    script: list[Reply]
    base_url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(request)
            index = min(len(self.requests), len(self.script)) - 1
            return self.script[index]


def _handler(server_state: FakeGeminiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            raw = self.rfile.read(length)
            try:
                body: Any = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
            request = {"path": self.path, "headers": dict(self.headers), "json": body}
            if ":generateContent" not in self.path:
                reply = error_reply(404)
            else:
                reply = server_state.next_reply(request)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            payload = (
                reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            )
            try:
                self.send_response(reply.status)
                self.send_header("content-type", "application/json; charset=UTF-8")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout): nothing to answer

    return Handler


@contextmanager
def fake_gemini_server(*script: Reply) -> Iterator[FakeGeminiServer]:
    """Serve ``script`` on a free loopback port for the duration of the ``with`` block."""
    state = FakeGeminiServer(list(script) or [error_reply(500)])
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-gemini", daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
