"""Scripted chat models that answer the interpreter's structured-output call like Gemini does.

``ScriptedGemini`` is a ``GenericFakeChatModel`` whose ``with_structured_output`` is built the
way ``ChatGoogleGenerativeAI`` 4.x builds it (``method="json_schema"``: JSON text parsed by a
``PydanticOutputParser``), and which also binds tools for ``method="function_calling"``. Each
script item is one answer:

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from google.genai import errors as genai_errors
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, Field

from graph.understanding import gemini_style_structured_output

__all__ = ["Slow", "ScriptedGemini", "rate_limited", "server_error", "scripted"]


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


class ScriptedGemini(GenericFakeChatModel):
    """A fake Gemini: answers from a script, records calls, supports structured output."""

    calls: list[dict[str, Any]] = Field(default_factory=list)

    def _next(self) -> Any:
        try:
            return next(self.messages)
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

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self.bind(
            tools=[convert_to_openai_tool(t) for t in tools], tool_choice=tool_choice, **kwargs
        )

    def with_structured_output(  # type: ignore[override]
        self,
        schema: dict[str, Any] | type,
        method: str | None = "json_schema",
        *,
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        if (
            method in ("json_schema", "json_mode", None)
            and isinstance(schema, type)
            and issubclass(schema, BaseModel)
        ):
            return gemini_style_structured_output(self, schema, include_raw=include_raw)
        return super().with_structured_output(schema, include_raw=include_raw, **kwargs)


def scripted(*items: Any) -> ScriptedGemini:
    """A ``ScriptedGemini`` answering ``items`` in order."""
    iterator: Iterator[Any] = iter(items)
    return ScriptedGemini(messages=iterator)
