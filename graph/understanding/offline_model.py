"""The offline parser under a LangChain chat model's name, for code that expects a chat model.

``Interpreter(OfflineChatModel())`` (what ``create_agent(llm="offline")`` builds) never sends the
offline model a prompt: the interpreter calls ``parse_message`` on the user's message with the
step and configuration it already holds, once per turn — no prompt to build, no JSON to write
and read back. The class exists so ``llm=`` and ``Interpreter(primary)`` take one kind of object
whether the parser is Gemini, another LangChain model or this one.

Used as a chat model on its own (another LangChain pipeline, a notebook), it answers
``parse_message`` of the last human message, without a step or configuration: the patch as JSON
text, or one tool call when tools are bound, so LangChain's own ``with_structured_output``
(tool calling) returns the ``TurnPatch``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel

from graph.state import last_user_text
from graph.understanding.offline_rules import parse_message

__all__ = ["OfflineChatModel"]


class OfflineChatModel(BaseChatModel):
    """The offline parser: deterministic, instant and network-free.

    The default without a Gemini key and the stand-in when Gemini fails. The interpreter
    recognises it and parses directly; as a chat model it answers ``parse_message`` of the
    last human message.
    """

    @property
    def _llm_type(self) -> str:
        return "trainchat-offline"

    def _answer(self, messages: Sequence[BaseMessage], **kwargs: Any) -> ChatResult:
        patch = parse_message(last_user_text(messages))
        tools = kwargs.get("tools") or ()
        if tools:
            name = str(tools[0].get("function", {}).get("name", "TurnPatch"))
            call = {"name": name, "args": patch.model_dump(mode="json"), "id": uuid.uuid4().hex}
            message = AIMessage(content="", tool_calls=[call])
        else:
            message = AIMessage(content=patch.model_dump_json())
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._answer(messages, **kwargs)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # Parsing takes well under a millisecond: no executor hop needed.
        return self._answer(messages, **kwargs)

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Accept tools, so LangChain's tool-calling structured output works: the answer is
        one call of the first tool, carrying the patch."""
        formatted = [convert_to_openai_tool(tool) for tool in tools]
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type,
        method: str | None = None,
        *,
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        """LangChain's structured output (tool calling) whatever ``method`` asks for: every
        method yields the same patch here, so callers written for Gemini's ``json_schema``
        default work unchanged."""
        kwargs.pop("strict", None)
        return super().with_structured_output(schema, include_raw=include_raw, **kwargs)
