"""Scripted Gemini answers, sent over HTTP by the strict stand-in to the real client.

``ScriptedGemini`` (the ``scripted`` fixture in ``tests/conftest.py``) turns a test's script
into ``tests.fakes.gemini_server`` replies and hands out the product's own
``ChatGoogleGenerativeAI`` (``agent.gemini.make_gemini_model``: pinned API version, model,
timeouts) pointed at the stand-in. Nothing of the client is replaced: request building, HTTP,
error mapping and the structured-output parser all run, and the stand-in refuses any request
the real endpoint would refuse. Each script item is one answer:

* ``str`` — the answer's text (valid JSON, malformed JSON, anything);
* ``dict`` or ``list`` — dumped to JSON text;
* ``Reply`` — any stand-in reply as is: ``rate_limited()``, ``server_error()``,
  ``function_call(...)``, ``image_answer()``, ``no_content()``, or the server module's own;
* ``Slow(seconds, item)`` — ``item``, sent after ``seconds``.

The requests the stand-in received (refused or not) are ``ScriptedGemini.requests``; the ones it
refused since the test began are ``ScriptedGemini.refused()``, which the ``conftest`` requires to
be empty: a test of a fallback must not pass because its request was malformed.
"""

from __future__ import annotations

import dataclasses
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agent.gemini import gemini_api_version, gemini_model_name, make_gemini_model
from tests.fakes.gemini_server import (
    TEST_KEY,
    FakeGeminiServer,
    Reply,
    error_reply,
    parts_reply,
    patch_reply,
)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

__all__ = [
    "Slow",
    "ScriptedGemini",
    "as_reply",
    "contents_sent",
    "function_call",
    "image_answer",
    "no_content",
    "rate_limited",
    "server_error",
]


@dataclass(frozen=True)
class Slow:
    """Answer ``item`` after ``seconds``."""

    seconds: float
    item: Any


def rate_limited() -> Reply:
    """``429 RESOURCE_EXHAUSTED`` without a ``RetryInfo``: nothing says when to try again
    (``gemini_server.quota_reply`` is the variant that does)."""
    return error_reply(429, "Resource has been exhausted (e.g. check quota).")


def server_error(code: int = 500) -> Reply:
    """A 5xx error in Google's body (``INTERNAL`` for 500, ``UNAVAILABLE`` for 503…)."""
    return error_reply(code, "An internal error has occurred.")


def function_call(name: str, args: dict[str, Any]) -> Reply:
    """An answer that is a ``functionCall`` part instead of the requested JSON text."""
    return parts_reply([{"functionCall": {"name": name, "args": args}}])


def image_answer() -> Reply:
    """An answer that is an image (``inlineData`` part) instead of text."""
    return parts_reply([{"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}])


def no_content() -> Reply:
    """A finished candidate with no ``content`` at all: the model answered nothing."""
    return parts_reply(None)


def as_reply(item: Any) -> Reply:
    """The stand-in reply for one script item (module docstring)."""
    if isinstance(item, Reply):
        return item
    if isinstance(item, Slow):
        return dataclasses.replace(as_reply(item.item), delay_s=item.seconds)
    if isinstance(item, str | dict | list):
        return patch_reply(item)
    raise TypeError(f"cannot script {item!r} as a Gemini answer")


def contents_sent(request: dict[str, Any]) -> list[tuple[str, str]]:
    """``(role, text)`` of each message a received request sent in ``contents``."""
    return [
        (message["role"], "".join(part.get("text", "") for part in message["parts"]))
        for message in request["json"]["contents"]
    ]


def _closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class ScriptedGemini:
    """Scripts the stand-in and hands out the real client pointed at it (module docstring).

    One server serves every test: ``__call__`` replaces the script and forgets the requests
    received so far, so a test sees only its own. The client is built once per model name and
    API version setting (building one loads TLS settings, ~0.2 s) and holds no script state.
    """

    server: FakeGeminiServer
    """The running stand-in."""
    _clients: dict[tuple[str, str], BaseChatModel] = field(default_factory=dict)
    _refused: list[dict[str, Any]] = field(default_factory=list)

    def begin(self) -> None:
        """Forget what earlier tests sent (called before each test that uses the fixture)."""
        self.server.use(error_reply(500))
        self._refused.clear()

    def refused(self) -> list[dict[str, Any]]:
        """The error bodies of every request the stand-in refused since ``begin``."""
        return [*self._refused, *self.server.refusals]

    def __call__(self, *items: Any) -> BaseChatModel:
        """The real client, whose next requests are answered by ``items`` in order (the last
        one repeats once they run out)."""
        if not items:
            raise ValueError("script at least one answer")
        self._refused.extend(self.server.refusals)
        self.server.use(*(as_reply(item) for item in items))
        settings = (gemini_model_name(), gemini_api_version())
        if settings not in self._clients:
            self._clients[settings] = make_gemini_model(
                api_key=TEST_KEY, base_url=self.server.base_url
            )
        return self._clients[settings]

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request received since the last script: ``path``, ``headers``, ``json``."""
        return self.server.requests

    def unreachable(self) -> BaseChatModel:
        """The real client pointed at a loopback port nobody listens on: connection refused."""
        return make_gemini_model(api_key=TEST_KEY, base_url=f"http://127.0.0.1:{_closed_port()}")
