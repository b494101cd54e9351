"""Scripted chat models that answer the interpreter's structured-output call as Gemini does.

``ScriptedGemini`` *is* a ``ChatGoogleGenerativeAI`` whose transport is a script: the library's
own ``with_structured_output`` (``method="json_schema"`` by default: JSON text parsed by a
``PydanticOutputParser``; ``"function_calling"`` binds tools) runs unchanged, and only the
network call is replaced. Each script item is one answer:

* ``str`` — the reply text (valid JSON, malformed JSON, anything);
* ``dict`` — dumped to JSON text;
* ``AIMessage`` — returned as is (tool calls, odd content);
* ``BaseException`` — raised (429/500 imitations use google-genai's real error classes);
* ``Slow(seconds, item)`` — waits, then answers ``item``.

Every call's messages and bound kwargs are recorded in ``calls``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from google.genai import errors as genai_errors
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_google_genai import ChatGoogleGenerativeAI
from pydantic import Field

__all__ = ["Slow", "ScriptedGemini", "rate_limited", "server_error", "scripted"]

SCRIPTED_MODEL = "gemini-3.5-flash-lite"
"""The model name the fake claims (no request ever leaves the process)."""


@dataclass(frozen=True)
class Slow:
    """Answer ``item`` after ``seconds``."""

    seconds: float
    item: Any


def rate_limited() -> Exception:
    """The exception google-genai raises for HTTP 429."""
    return genai_errors.ClientError(
        429,
        {"error": {"code": 429, "message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}},
    )


def server_error(code: int = 500) -> Exception:
    """The exception google-genai raises for HTTP 5xx."""
    return genai_errors.ServerError(
        code, {"error": {"code": code, "message": "Internal error", "status": "INTERNAL"}}
    )


class ScriptedGemini(ChatGoogleGenerativeAI):
    """A fake Gemini: the real client class answering from a script, recording calls."""

    script: Iterator[Any]
    """The answers, in order (see the module docstring)."""
    calls: list[dict[str, Any]] = Field(default_factory=list)
    """Each call's ``messages`` and bound ``kwargs`` (the structured-output binding)."""

    def _next(self) -> Any:
        try:
            return next(self.script)
        except StopIteration:
            raise AssertionError(
                "the script ran out: the model was called more often than expected"
            ) from None

    @staticmethod
    def _result(item: Any) -> ChatResult:
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, dict):
            item = json.dumps(item)
        message = AIMessage(content=item) if isinstance(item, str) else item
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.calls.append({"messages": messages, "kwargs": kwargs})
        item = self._next()
        if isinstance(item, Slow):
            time.sleep(item.seconds)
            item = item.item
        return self._result(item)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.calls.append({"messages": messages, "kwargs": kwargs})
        item = self._next()
        if isinstance(item, Slow):
            await asyncio.sleep(item.seconds)  # cancellable, unlike a thread
            item = item.item
        return self._result(item)


def scripted(*items: Any) -> ScriptedGemini:
    """A ``ScriptedGemini`` answering ``items`` in order."""
    return ScriptedGemini(model=SCRIPTED_MODEL, google_api_key="scripted", script=iter(items))
