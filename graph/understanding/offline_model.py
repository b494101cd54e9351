"""The offline parser dressed as a LangChain chat model, answering Gemini's structured-output call.

``ChatGoogleGenerativeAI.with_structured_output(schema)`` in langchain-google-genai 4.x defaults
to ``method="json_schema"``: it binds ``response_mime_type="application/json"`` and
``response_json_schema`` to the model and parses the reply's *text* with a
``PydanticOutputParser``. ``OfflineChatModel`` does exactly the same (see
``gemini_style_structured_output``), so the graph's code path is identical with or without a
key: same call, same binding, same parser. ``method="function_calling"`` works too (a tool call
carrying the patch), as does a plain ``invoke`` (the patch as JSON text).

The step and configuration come from the ``<trainchat-context>`` line that ends the system
prompt (see ``graph.understanding.prompt``); only the last human message is parsed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.output_parsers import PydanticOutputParser
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from pydantic import BaseModel

from graph.patch import TurnPatch
from graph.understanding.offline_rules import parse_message
from graph.understanding.prompt import last_user_text, read_context

__all__ = ["OfflineChatModel", "gemini_style_structured_output"]

StructuredMethod = Literal["function_calling", "json_mode", "json_schema"]


def gemini_style_structured_output(
    model: BaseChatModel,
    schema: type[BaseModel],
    *,
    include_raw: bool = False,
) -> Runnable[LanguageModelInput, Any]:
    """``with_structured_output(schema, method="json_schema")`` as langchain-google-genai 4.x
    builds it: bind the JSON schema, parse the reply text with ``PydanticOutputParser``, and
    with ``include_raw`` return ``{"raw", "parsed", "parsing_error"}`` instead of raising.

    The result is the same as the library's; only the plumbing is leaner (no thread pool).
    """
    parser: PydanticOutputParser[BaseModel] = PydanticOutputParser(pydantic_object=schema)
    bound = model.bind(
        response_mime_type="application/json",
        response_json_schema=schema.model_json_schema(),
        ls_structured_output_format={
            "kwargs": {"method": "json_schema"},
            "schema": convert_to_json_schema(schema),
        },
    )
    if not include_raw:
        return bound | parser

    def with_parsed(raw: AIMessage) -> dict[str, Any]:
        # Same result as Gemini's RunnableParallel + with_fallbacks, without the thread pool
        # those spin up on every call (most of a turn's latency offline).
        try:
            return {"raw": raw, "parsed": parser.invoke(raw), "parsing_error": None}
        except Exception as error:
            return {"raw": raw, "parsed": None, "parsing_error": error}

    async def awith_parsed(raw: AIMessage) -> dict[str, Any]:
        return with_parsed(raw)  # parsing is CPU-only and quick: no executor hop

    return bound | RunnableLambda(with_parsed, afunc=awith_parsed)


class OfflineChatModel(BaseChatModel):
    """A chat model whose every answer is ``parse_message`` of the last user message.

    Deterministic, instant and network-free: it is the default without a Gemini key and the
    fallback when Gemini fails, and tests drive the graph through it on the very code path
    Gemini uses.
    """

    @property
    def _llm_type(self) -> str:
        return "trainchat-offline"

    def read(self, messages: Sequence[BaseMessage]) -> TurnPatch:
        """The patch for the last human message, with step/config from the context line."""
        step, config = read_context(messages)
        return parse_message(last_user_text(messages), step=step, config=config)

    def _answer(self, messages: list[BaseMessage], **kwargs: Any) -> ChatResult:
        patch = self.read(messages)
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
        """Accept tools so ``method="function_calling"`` works; the answer is one tool call."""
        formatted = [convert_to_openai_tool(tool) for tool in tools]
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type,
        method: StructuredMethod | None = "json_schema",
        *,
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        """Same defaults as ``ChatGoogleGenerativeAI``: JSON-schema output parsed by pydantic."""
        kwargs.pop("strict", None)
        gemini_style = method in ("json_schema", "json_mode", None)
        if gemini_style and isinstance(schema, type) and issubclass(schema, BaseModel):
            return gemini_style_structured_output(self, schema, include_raw=include_raw)
        return super().with_structured_output(schema, include_raw=include_raw, **kwargs)
