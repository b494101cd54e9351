"""A fake Gemini REST endpoint on 127.0.0.1, as strict as the real one, so the *real*
``ChatGoogleGenerativeAI`` client (request building, HTTP, error mapping, structured-output
parsing) runs in tests and a request the real endpoint would refuse is refused here too.

It answers ``POST /{version}/models/{model}:generateContent`` from a script of ``Reply`` items,
one per *accepted* request, and records every request. The last reply repeats when the script
runs out. Before a scripted reply is used, the request must pass the endpoint's own checks, each
taken from Google's documentation (read 2026-12-06):

1. **Path** — only the pinned API version and a model the models page lists; anything else is
   ``404 NOT_FOUND`` with Google's "is not found for API version" body.
   (https://ai.google.dev/gemini-api/docs/models, https://ai.google.dev/gemini-api/docs/api-versions,
   https://ai.google.dev/gemini-api/docs/troubleshooting: "404 NOT_FOUND ... check that all
   parameters in your request are valid for your API version".)
2. **Key** — ``x-goog-api-key`` must be the server's key; otherwise ``400 INVALID_ARGUMENT``
   with an ``ErrorInfo`` detail, reason ``API_KEY_INVALID`` (the documented error body).
3. **Fields** — every request field must be a field of that version's ``GenerateContentRequest``
   / ``GenerationConfig`` / ``ThinkingConfig``; an unknown one is ``400 INVALID_ARGUMENT``,
   ``Invalid JSON payload received. Unknown name "x" at '…': Cannot find field.``
   (https://ai.google.dev/api/generate-content; troubleshooting: "Using features from a newer
   API version with an older endpoint can cause errors".)
4. **Thinking** — ``thinkingLevel`` and ``thinkingBudget`` together are ``400``
   (https://ai.google.dev/gemini-api/docs/thinking: "You cannot use both ... in the same request").
5. **Structured output** — ``responseJsonSchema`` needs ``responseMimeType: application/json``
   and excludes ``responseSchema``; the schema may use only the keywords the structured-output
   page lists as supported (https://ai.google.dev/gemini-api/docs/structured-output, "JSON
   Schema support"), plus ``default``, which the ``Schema`` reference accepts and ignores.

Scripted answers cover what the documentation says the endpoint can return: a JSON answer,
``RESOURCE_EXHAUSTED`` with ``RetryInfo``, ``UNAVAILABLE``, a ``promptFeedback`` block (no
candidates) and a ``MAX_TOKENS`` cut.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agent.gemini import DEFAULT_GEMINI_API_VERSION, DEFAULT_GEMINI_MODEL

__all__ = [
    "KNOWN_MODELS",
    "SUPPORTED_SCHEMA_KEYWORDS",
    "TEST_KEY",
    "Reply",
    "FakeGeminiServer",
    "fake_gemini_server",
    "parts_reply",
    "patch_reply",
    "error_reply",
    "quota_reply",
    "unavailable_reply",
    "blocked_reply",
    "max_tokens_reply",
    "request_problem",
]

TEST_KEY = "test-key"
"""The one key the fake accepts (any other is ``API_KEY_INVALID``)."""

KNOWN_MODELS: frozenset[str] = frozenset(
    {
        # Stable Gemini 3 text models on https://ai.google.dev/gemini-api/docs/models (2026-12-06).
        "gemini-3.8-flash",
        "gemini-3.6-flash",
        "gemini-3.5-flash-lite",
        "gemini-3.1-flash-lite",
        "gemini-3.1-pro-preview",
        "gemini-3-flash-preview",
        # The alias pattern on the models page ("gemini-flash-latest").
        "gemini-flash-latest",
        "gemini-flash-lite-latest",
        DEFAULT_GEMINI_MODEL,
    }
)
"""Models the fake serves; ``gemini-2.5-flash`` is not one (shut down, see agent/gemini.py)."""

SUPPORTED_SCHEMA_KEYWORDS: frozenset[str] = frozenset(
    {
        # https://ai.google.dev/gemini-api/docs/structured-output "JSON Schema support"
        "$id", "$defs", "$ref", "$anchor", "type", "format", "title", "description", "enum",
        "items", "prefixItems", "minItems", "maxItems", "minimum", "maximum", "anyOf",
        "properties", "additionalProperties", "required", "propertyOrdering",
        # https://ai.google.dev/api/caching#Schema: "default" is accepted and ignored.
        "default",
    }
)  # fmt: skip
"""JSON-Schema keywords ``responseJsonSchema`` may use; anything else is refused."""

# GenerateContentRequest and its nested messages for v1beta (https://ai.google.dev/api/generate-content).
_FIELDS: Mapping[str, frozenset[str]] = {
    "request": frozenset(
        {"contents", "systemInstruction", "generationConfig", "safetySettings", "tools",
         "toolConfig", "cachedContent"}
    ),
    "generation_config": frozenset(
        {"stopSequences", "responseMimeType", "responseSchema", "responseJsonSchema",
         "responseModalities", "candidateCount", "maxOutputTokens", "temperature", "topP", "topK",
         "seed", "presencePenalty", "frequencyPenalty", "responseLogprobs", "logprobs",
         "enableEnhancedCivicAnswers", "speechConfig", "thinkingConfig", "imageConfig",
         "mediaResolution"}
    ),
    "thinking_config": frozenset({"includeThoughts", "thinkingBudget", "thinkingLevel"}),
    "content": frozenset({"parts", "role"}),
    "safety_setting": frozenset({"category", "threshold"}),
}  # fmt: skip


def _camel(name: str) -> str:
    """The lowerCamelCase JSON name of a proto field: the proto3 JSON mapping makes a parser
    accept both ``thinking_level`` and ``thinkingLevel`` (https://protobuf.dev/programming-guides/json/),
    and google-genai sends some nested fields in snake_case."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _get(message: Mapping[str, Any], name: str) -> Any:
    """A field by its JSON name or its proto name (``generationConfig`` / ``generation_config``)."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    return message.get(name, message.get(snake))


@dataclass(frozen=True)
class Reply:
    """One scripted answer: an HTTP status, a body (JSON-able or raw bytes), and a delay."""

    status: int = 200
    body: Any = None
    delay_s: float = 0.0


def parts_reply(parts: list[Any] | None, *, finish: str = "STOP", delay_s: float = 0.0) -> Reply:
    """A generateContent answer whose one candidate holds ``parts`` (``Part`` objects of the
    generate-content reference: ``text``, ``functionCall``, ``inlineData``…); ``None`` leaves
    the candidate without ``content``, as the endpoint sometimes answers."""
    candidate: dict[str, Any] = {"finishReason": finish, "index": 0}
    if parts is not None:
        candidate["content"] = {"parts": parts, "role": "model"}
    body = {
        "candidates": [candidate],
        "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 20,
                          "totalTokenCount": 120},
        "modelVersion": DEFAULT_GEMINI_MODEL,
    }  # fmt: skip
    return Reply(200, body, delay_s)


def _answer(text: str, finish: str, delay_s: float) -> Reply:
    return parts_reply([{"text": text}], finish=finish, delay_s=delay_s)


def patch_reply(payload: Any, *, delay_s: float = 0.0) -> Reply:
    """A successful generateContent answer whose text is ``payload`` (dumped to JSON unless
    it is already a string, so malformed text can be scripted too)."""
    return _answer(payload if isinstance(payload, str) else json.dumps(payload), "STOP", delay_s)


def max_tokens_reply(payload: Any) -> Reply:
    """An answer cut at ``maxOutputTokens``: ``finishReason: MAX_TOKENS`` (generate-content
    reference, ``FinishReason``); the text is whatever was produced before the cut."""
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return _answer(text, "MAX_TOKENS", 0.0)


def blocked_reply(reason: str = "PROHIBITED_CONTENT") -> Reply:
    """The prompt was blocked: no candidates, a ``promptFeedback.blockReason`` instead
    (generate-content reference, ``PromptFeedback``)."""
    return Reply(200, {"promptFeedback": {"blockReason": reason}, "modelVersion": "x"})


_STATUS_NAMES = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE",
                 504: "DEADLINE_EXCEEDED"}  # fmt: skip


def error_reply(
    status: int, message: str | None = None, *, details: list[Any] | None = None,
    delay_s: float = 0.0,
) -> Reply:  # fmt: skip
    """An error shaped like Google's: ``{"error": {"code", "message", "status", "details"}}``."""
    error: dict[str, Any] = {
        "code": status,
        "message": message or f"scripted {status}",
        "status": _STATUS_NAMES.get(status, "UNKNOWN"),
    }
    if details:
        error["details"] = details
    return Reply(status, {"error": error}, delay_s)


def quota_reply(retry_after_s: float = 7.0) -> Reply:
    """``429 RESOURCE_EXHAUSTED`` with a ``google.rpc.RetryInfo`` (``retryDelay: "7s"``), as the
    rate-limits and troubleshooting pages show it."""
    return error_reply(
        429,
        "You exceeded your current quota, please check your plan and billing details.",
        details=[
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": []},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo",
             "retryDelay": f"{retry_after_s:g}s"},
        ],
    )  # fmt: skip


def unavailable_reply() -> Reply:
    """``503 UNAVAILABLE`` ("The model is overloaded"), a documented transient failure."""
    return error_reply(503, "The model is overloaded. Please try again later.")


def _key_invalid() -> Reply:
    message = "API key not valid. Please pass a valid API key."
    return error_reply(
        400,
        message,
        details=[
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
             "domain": "googleapis.com",
             "metadata": {"service": "generativelanguage.googleapis.com"}},
            {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US",
             "message": message},
        ],
    )  # fmt: skip


def _unknown_field(name: str, where: str) -> Reply:
    at = f" at '{where}'" if where else ""
    return error_reply(
        400,
        f'Invalid JSON payload received. Unknown name "{name}"{at}: Cannot find field.',
        details=[
            {"@type": "type.googleapis.com/google.rpc.BadRequest",
             "fieldViolations": [{"field": f"{where}.{name}" if where else name,
                                  "description": f'Invalid JSON payload received. Unknown name "{name}"'}]}
        ],
    )  # fmt: skip


_PATH = re.compile(r"^/(?P<version>[^/]+)/models/(?P<model>[^/:]+):generateContent$")


def _schema_keywords(schema: Any, found: set[str]) -> None:
    """Every keyword used anywhere in ``schema`` (property *names* are not keywords)."""
    if isinstance(schema, list):
        for item in schema:
            _schema_keywords(item, found)
        return
    if not isinstance(schema, dict):
        return
    for key, value in schema.items():
        found.add(key)
        if key in ("properties", "$defs"):
            for sub in value.values() if isinstance(value, dict) else ():
                _schema_keywords(sub, found)
        elif key in ("items", "anyOf", "prefixItems", "additionalProperties"):
            _schema_keywords(value, found)


def _fields_problem(body: Any) -> Reply | None:
    if not isinstance(body, dict):
        return error_reply(400, "Invalid JSON payload received.")
    for name in body:
        if _camel(name) not in _FIELDS["request"]:
            return _unknown_field(name, "")
    for message in _get(body, "contents") or ():
        for name in message:
            if _camel(name) not in _FIELDS["content"]:
                return _unknown_field(name, "contents[0]")
    generation = _get(body, "generationConfig") or {}
    for name in generation:
        if _camel(name) not in _FIELDS["generation_config"]:
            return _unknown_field(name, "generation_config")
    for name in _get(generation, "thinkingConfig") or {}:
        if _camel(name) not in _FIELDS["thinking_config"]:
            return _unknown_field(name, "generation_config.thinking_config")
    return None


def _generation_problem(generation: Mapping[str, Any]) -> Reply | None:
    thinking = _get(generation, "thinkingConfig") or {}
    if _get(thinking, "thinkingLevel") is not None and _get(thinking, "thinkingBudget") is not None:
        return error_reply(400, "You cannot use both thinking_level and thinking_budget.")
    schema = _get(generation, "responseJsonSchema")
    if schema is not None:
        if _get(generation, "responseSchema") is not None:
            return error_reply(400, "response_schema and response_json_schema are exclusive.")
        if _get(generation, "responseMimeType") != "application/json":
            return error_reply(400, "response_json_schema requires response_mime_type "
                                    "application/json.")  # fmt: skip
        used: set[str] = set()
        _schema_keywords(schema, used)
        unsupported = sorted(used - SUPPORTED_SCHEMA_KEYWORDS)
        if unsupported:
            return error_reply(
                400, f"Invalid JSON schema: unsupported keyword(s) {', '.join(unsupported)}."
            )
    return None


def request_problem(
    path: str, headers: Mapping[str, str], body: Any, *, version: str, key: str
) -> Reply | None:
    """The error the real endpoint would answer for this request, or ``None`` if it is valid.

    The rules, in the endpoint's own order (path, key, payload), are listed in the module
    docstring; each returns the documented status and body.
    """
    match = _PATH.match(path.split("?", 1)[0])
    if match is None or match["version"] != version or match["model"] not in KNOWN_MODELS:
        model = match["model"] if match else path
        shown = match["version"] if match else version
        return error_reply(
            404,
            f"models/{model} is not found for API version {shown}, or is not supported for "
            "generateContent. Call ListModels to see the list of available models and their "
            "supported methods.",
        )
    lowered = {name.lower(): value for name, value in headers.items()}
    if lowered.get("x-goog-api-key") != key:
        return _key_invalid()
    problem = _fields_problem(body)
    if problem is not None:
        return problem
    return _generation_problem(_get(body, "generationConfig") or {})


@dataclass
class FakeGeminiServer:
    """The running server: its ``base_url``, the script, and the requests it received.

    ``requests`` holds every request, refused or not; ``refusals`` the error bodies the strict
    checks answered; ``closed_early`` counts answers whose client had already hung up.
    """

    script: list[Reply]
    version: str = DEFAULT_GEMINI_API_VERSION
    key: str = TEST_KEY
    base_url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[dict[str, Any]] = field(default_factory=list)
    closed_early: int = 0
    _answered: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def use(self, *script: Reply) -> None:
        """Answer the next requests from ``script`` (and forget what was received so far)."""
        with self._lock:
            self.script = list(script)
            self._answered = 0
            self.requests.clear()
            self.refusals.clear()

    def reply_for(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(request)
            problem = request_problem(
                request["path"], request["headers"], request["json"],
                version=self.version, key=self.key,
            )  # fmt: skip
            if problem is not None:
                self.refusals.append(problem.body)
                return problem
            self._answered += 1
            return self.script[min(self._answered, len(self.script)) - 1]


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
            reply = server_state.reply_for(request)
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
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                with server_state._lock:
                    server_state.closed_early += 1  # the client gave up (deadline): fine

    return Handler


@contextmanager
def fake_gemini_server(
    *script: Reply, version: str = DEFAULT_GEMINI_API_VERSION, key: str = TEST_KEY, port: int = 0
) -> Iterator[FakeGeminiServer]:
    """Serve ``script`` on a loopback port (a free one unless ``port`` is given) for the
    duration of the ``with`` block."""
    state = FakeGeminiServer(list(script) or [error_reply(500)], version=version, key=key)
    httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(state))
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
