"""The one place the graph turns a user message into a ``TurnPatch``: model first, offline always.

``Interpreter.interpret`` asks the primary chat model (Gemini, the offline model, or any
LangChain ``BaseChatModel``) through ``with_structured_output(TurnPatch)`` — the same call for
every model — under a total time budget with bounded retries. Whatever goes wrong (exception,
timeout, 429, 5xx, malformed or out-of-schema output, nothing at all) the offline parser reads
the message instead and ``fallback_reason`` says so in one line. A model's patch is sanitised
(``graph.understanding.model_output``) before the graph sees it, so it can never erase values
the user did not ask to erase, never overwrite a set value the message does not mention
(``ignored``/``notice`` say what was refused), and never drop a value the user plainly stated.

Pure with respect to I/O: it only calls the model object it is given.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel, ConfigDict, Field

from graph.config import TrainingConfig
from graph.patch import TurnPatch
from graph.understanding.evidence import ignored_line
from graph.understanding.fallback_reasons import (
    RETRYABLE,
    FailureKind,
    classify_failure,
    fallback_line,
)
from graph.understanding.model_output import contradicts_user, review_model_patch
from graph.understanding.offline_model import OfflineChatModel
from graph.understanding.offline_rules import parse_message
from graph.understanding.prompt import build_messages

__all__ = ["Interpretation", "Interpreter", "Source", "ModelFailure"]

Source = Literal["gemini", "offline", "model"]
_T = TypeVar("_T")


class Interpretation(BaseModel):
    """How one message was understood, and by whom."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    patch: TurnPatch
    """The sanitised patch the graph merges."""
    source: Source
    """Who produced it: Gemini, the offline parser, or another chat model."""
    fallback_reason: str | None = Field(default=None)
    """One line for the user when the primary model failed and the offline parser stood in."""
    failure: str | None = Field(default=None)
    """The failure kind behind ``fallback_reason`` (``timeout``, ``rate_limited``, …), for logs."""
    ignored: tuple[str, ...] = Field(default=())
    """Fields the model proposed to change although they were set and the message does not
    mention them; not changed (a hallucinated or injected overwrite)."""
    notice: str | None = Field(default=None)
    """One line for the user naming the ``ignored`` proposals, in the user's language."""


class ModelFailure(Exception):
    """The primary model's answer could not be used; carries the kind for the user line."""

    def __init__(self, kind: FailureKind, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind: FailureKind = kind


def _source_of(model: BaseChatModel) -> Source:
    if isinstance(model, OfflineChatModel):
        return "offline"
    cls = type(model)
    if cls.__name__ == "ChatGoogleGenerativeAI" or cls.__module__.startswith("langchain_google"):
        return "gemini"
    return "model"


def _run_with_deadline(call: Callable[[], _T], seconds: float) -> _T:
    """``call()`` in a daemon thread, abandoned after ``seconds`` (a hung socket cannot hang
    the turn, and a daemon thread cannot keep the process alive)."""
    box: dict[str, Any] = {}
    done = threading.Event()
    context = contextvars.copy_context()

    def target() -> None:
        try:
            box["value"] = context.run(call)
        except BaseException as error:  # handed to the caller's thread below
            box["error"] = error
        finally:
            done.set()

    threading.Thread(target=target, name="trainchat-interpret", daemon=True).start()
    if not done.wait(seconds):
        raise TimeoutError(f"no answer within {seconds:.3g} s")
    if "error" in box:
        raise box["error"]
    value: _T = box["value"]
    return value


_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")


def _require_complete_json(raw: Any) -> None:
    """Refuse a reply whose text is not one complete JSON object.

    LangChain's ``PydanticOutputParser`` parses *partial* JSON, so a truncated reply
    (``{"intent": "confirm"``) or garbage (``{not json`` → ``{}``) would otherwise pass as a
    valid patch. Tool-call replies carry no text and are checked by their own parser.
    """
    if not isinstance(raw, AIMessage) or raw.tool_calls:
        return
    text = _FENCE.sub("", raw.text)
    try:
        value = json.loads(text)
    except ValueError as error:
        raise ModelFailure("malformed", f"not complete JSON: {error}") from error
    if not isinstance(value, dict):
        raise ModelFailure("malformed", f"JSON {type(value).__name__}, not an object")


def _safe_parse(text: str, step: str | None, config: TrainingConfig | None) -> TurnPatch:
    try:
        return parse_message(text, step=step, config=config)
    except Exception:  # a parser bug must not cost the turn: read nothing instead
        return TurnPatch()


class _Reading:
    """One message and its context, with the offline parser's readings computed on demand.

    ``offline`` is the full reading (bare answers such as "32" at the hyperparameters step
    included); ``certain`` leaves out what only the step makes plausible, so it holds only what
    the user stated outright — the values safe to add to a model's answer.
    """

    def __init__(self, text: str, step: str, config: TrainingConfig) -> None:
        self.text, self.step, self.config = text, step, config
        self._offline: TurnPatch | None = None
        self._certain: TurnPatch | None = None

    def offline(self) -> TurnPatch:
        if self._offline is None:
            self._offline = _safe_parse(self.text, self.step, self.config)
        return self._offline

    def certain(self) -> TurnPatch:
        if self._certain is None:
            self._certain = _safe_parse(self.text, None, None)
        return self._certain


def _patch_from(result: Any) -> TurnPatch:
    """The ``TurnPatch`` in a structured-output result, or ``ModelFailure("malformed")``."""
    if isinstance(result, dict) and "parsed" in result:
        error = result.get("parsing_error")
        if error is not None:
            raise ModelFailure("malformed", str(error)[:200])
        _require_complete_json(result.get("raw"))
        result = result["parsed"]
    if isinstance(result, TurnPatch):
        return result
    if isinstance(result, dict):
        try:
            return TurnPatch.model_validate(result)
        except ValueError as error:
            raise ModelFailure("malformed", str(error)[:200]) from error
    raise ModelFailure("malformed", f"got {type(result).__name__}")


class Interpreter:
    """Understands user messages with a primary chat model and the offline parser as backstop.

    ``timeout_s`` bounds a whole turn including retries (default 25 s, so a turn never hangs
    past ~30 s); ``attempts`` bounds calls to the primary (transient failures only: 5xx,
    connection errors); ``history_limit`` is how many earlier plain turns the model sees.
    ``source`` overrides how the primary is named (tests name a fake "gemini").
    """

    def __init__(
        self,
        primary: BaseChatModel | None = None,
        *,
        timeout_s: float = 25.0,
        attempts: int = 2,
        retry_delay_s: float = 0.5,
        history_limit: int = 6,
        source: Source | None = None,
    ) -> None:
        self.primary: BaseChatModel = primary if primary is not None else OfflineChatModel()
        self.timeout_s = timeout_s
        self.attempts = max(1, attempts)
        self.retry_delay_s = retry_delay_s
        self.history_limit = history_limit
        self.source: Source = source or _source_of(self.primary)
        self._structured: Runnable[Any, Any] | None = None
        self._unsupported: str | None = None
        try:
            self._structured = self.primary.with_structured_output(TurnPatch, include_raw=True)
        except Exception as error:  # the model cannot do structured output at all
            self._unsupported = f"{type(error).__name__}: {error}"[:200]

    @property
    def _name(self) -> str:
        return "Gemini" if self.source == "gemini" else "the language model"

    def _accept(self, result: Any, reading: _Reading) -> Interpretation:
        proposed = _patch_from(result)
        offline = reading.offline()
        if contradicts_user(proposed, offline=offline):
            raise ModelFailure("distrusted", f"model proposed {proposed.intent!r}")
        reviewed = review_model_patch(
            proposed,
            offline=offline,
            user_text=reading.text,
            config=reading.config,
            certain=reading.certain,
        )
        notice = ignored_line(
            reviewed.ignored, config=reading.config, language=offline.language, name=self._name
        )
        return Interpretation(
            patch=reviewed.patch,
            source=self.source,
            ignored=tuple(reviewed.ignored),
            notice=notice,
        )

    def _fallback(self, kind: FailureKind, offline: TurnPatch) -> Interpretation:
        line = fallback_line(
            kind, language=offline.language, name=self._name, seconds=self.timeout_s
        )
        return Interpretation(patch=offline, source="offline", fallback_reason=line, failure=kind)

    def _prepare(
        self, text: str, step: str, config: TrainingConfig, history: Sequence[BaseMessage]
    ) -> tuple[list[BaseMessage], _Reading]:
        messages = build_messages(
            text, step=step, config=config, history=history, history_limit=self.history_limit
        )
        return messages, _Reading(text, step, config)

    def interpret(
        self,
        text: str,
        *,
        step: str,
        config: TrainingConfig,
        history: Sequence[BaseMessage] = (),
    ) -> Interpretation:
        """Understand ``text`` at ``step`` given ``config``; never raises, never exceeds the
        time budget by more than scheduling noise."""
        messages, reading = self._prepare(text, step, config, history)
        if self._structured is None:
            return self._fallback("unsupported", reading.offline())
        structured = self._structured
        deadline = time.monotonic() + self.timeout_s
        kind: FailureKind = "error"
        for attempt in range(self.attempts):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                kind = "timeout"
                break
            try:
                if isinstance(self.primary, OfflineChatModel):  # pure and instant: no thread
                    result = structured.invoke(messages)
                else:
                    result = _run_with_deadline(lambda: structured.invoke(messages), remaining)
                return self._accept(result, reading)
            except ModelFailure as failure:
                kind = failure.kind
            except Exception as error:
                kind = classify_failure(error)
            if kind not in RETRYABLE or attempt + 1 >= self.attempts:
                break
            time.sleep(max(0.0, min(self.retry_delay_s, deadline - time.monotonic())))
        return self._fallback(kind, reading.offline())

    async def ainterpret(
        self,
        text: str,
        *,
        step: str,
        config: TrainingConfig,
        history: Sequence[BaseMessage] = (),
    ) -> Interpretation:
        """``interpret`` for async graphs: the same rules, with ``asyncio`` timeouts."""
        messages, reading = self._prepare(text, step, config, history)
        if self._structured is None:
            return self._fallback("unsupported", reading.offline())
        deadline = time.monotonic() + self.timeout_s
        kind: FailureKind = "error"
        for attempt in range(self.attempts):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                kind = "timeout"
                break
            try:
                result = await asyncio.wait_for(self._structured.ainvoke(messages), remaining)
                return self._accept(result, reading)
            except ModelFailure as failure:
                kind = failure.kind
            except Exception as error:
                kind = classify_failure(error)
            if kind not in RETRYABLE or attempt + 1 >= self.attempts:
                break
            await asyncio.sleep(max(0.0, min(self.retry_delay_s, deadline - time.monotonic())))
        return self._fallback(kind, reading.offline())
