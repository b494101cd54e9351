"""The one place the graph turns a user message into a ``TurnPatch``: model first, offline always.

With the offline parser as primary (``OfflineChatModel``, the default) a turn is one call of
``parse_message`` with the step and configuration at hand: no prompt, no JSON, nothing to
review, nothing that can fail. Any other primary (Gemini, or any LangChain ``BaseChatModel``)
is asked through its own ``with_structured_output(TurnPatch)`` under one retry budget per turn:
a deadline for the whole turn, at most ``attempts`` calls, a retry only for a transient failure
(5xx, a dropped connection, or a 429 whose ``RetryInfo`` delay fits before the deadline), and
no call left running after the deadline (``graph.understanding.model_calls``). The client
underneath makes one attempt per call (``agent.gemini`` switches its own retries off), so
retries are never nested. The attempts are written once, as a plan that ``interpret`` and
``ainterpret`` drive (the pattern of ``storage.runner``): the two differ only in how they wait.

A timeout or a connection failure opens a circuit breaker: the following turns skip the model
for ``cooldown_s`` (offline parser, one line saying so), then try again. A refused key, an
unknown model or a request the API version refuses disables the model for this interpreter,
and every turn's line says which setting to fix.

Whatever goes wrong the offline parser reads the message instead and ``fallback_reason`` says
so in one line. A model's patch is reviewed (``graph.understanding.model_output``) before the
graph sees it: the user's plain words win over the model's reading, and a value needs evidence
in the message.

Pure with respect to I/O: it only calls the model object it is given.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel, ConfigDict, Field

from graph.config import TrainingConfig
from graph.patch import TurnPatch
from graph.understanding.evidence import ignored_line
from graph.understanding.fallback_reasons import (
    RETRYABLE,
    FailureKind,
    classify_failure,
    cooling_down_line,
    fallback_line,
    retry_delay,
)
from graph.understanding.model_calls import CircuitBreaker, ModelCaller, Skip
from graph.understanding.model_output import contradicts_user, review_model_patch, settled
from graph.understanding.offline_model import OfflineChatModel
from graph.understanding.offline_rules import parse_message
from graph.understanding.prompt import build_messages
from graph.understanding.structured_reply import ModelFailure, patch_from_reply

__all__ = ["Interpretation", "Interpreter", "Source", "ModelFailure"]

Source = Literal["gemini", "offline", "model"]


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


def _source_of(model: BaseChatModel) -> Source:
    if isinstance(model, OfflineChatModel):
        return "offline"
    cls = type(model)
    if cls.__name__ == "ChatGoogleGenerativeAI" or cls.__module__.startswith("langchain_google"):
        return "gemini"
    return "model"


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


@dataclass(frozen=True)
class _Call:
    """The plan asks for one call of the primary, bounded by ``seconds``."""

    caller: ModelCaller
    messages: list[BaseMessage]
    seconds: float


@dataclass(frozen=True)
class _Pause:
    """The plan asks to wait ``seconds`` before its next attempt."""

    seconds: float


_Plan = Generator[_Call | _Pause, Any, Interpretation]
"""One turn's attempts: yields calls and pauses, receives answers, returns the result."""


class Interpreter:
    """Understands user messages with a primary chat model and the offline parser as backstop.

    ``timeout_s`` bounds a whole turn including its retry (default 25 s, so a turn never hangs
    past ~30 s); ``attempts`` bounds calls to the primary per turn; ``cooldown_s`` is how long
    the turns after a timeout or a connection failure skip the primary; ``history_limit`` is
    how many earlier plain turns the model sees. ``source`` overrides how the primary is named
    (tests name a fake "gemini"); ``clock`` is the breaker's clock (tests move time).
    """

    def __init__(
        self,
        primary: BaseChatModel | None = None,
        *,
        timeout_s: float = 25.0,
        attempts: int = 2,
        retry_delay_s: float = 0.5,
        cooldown_s: float = 60.0,
        history_limit: int = 6,
        source: Source | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary: BaseChatModel = primary if primary is not None else OfflineChatModel()
        self.timeout_s = timeout_s
        self.attempts = max(1, attempts)
        self.retry_delay_s = retry_delay_s
        self.history_limit = history_limit
        self.source: Source = source or _source_of(self.primary)
        self.breaker = CircuitBreaker(cooldown_s, clock)
        # The offline parser is read directly (one parse per turn), never through a prompt.
        self._offline = isinstance(self.primary, OfflineChatModel)
        self._structured: Runnable[Any, Any] | None = None
        self._caller: ModelCaller | None = None
        self._unsupported: str | None = None
        if self._offline:
            return
        try:
            self._structured = self.primary.with_structured_output(TurnPatch, include_raw=True)
            self._caller = ModelCaller(self._structured)
        except Exception as error:  # the model cannot do structured output at all
            self._unsupported = f"{type(error).__name__}: {error}"[:200]

    @property
    def _name(self) -> str:
        return "Gemini" if self.source == "gemini" else "the language model"

    @property
    def _model_name(self) -> str | None:
        name = getattr(self.primary, "model", None)
        return name.removeprefix("models/") if isinstance(name, str) else None

    def _accept(self, result: Any, reading: _Reading) -> Interpretation:
        proposed = patch_from_reply(result)
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
            reviewed.ignored,
            config=reading.config,
            language=offline.language,
            name=self._name,
            kept_from_user=reviewed.kept_from_user,
        )
        return Interpretation(
            patch=reviewed.patch,
            source=self.source,
            ignored=tuple(reviewed.ignored),
            notice=notice,
        )

    def _fallback(self, kind: FailureKind, offline: TurnPatch) -> Interpretation:
        line = fallback_line(
            kind,
            language=offline.language,
            name=self._name,
            seconds=self.timeout_s,
            model=self._model_name,
        )
        return Interpretation(patch=offline, source="offline", fallback_reason=line, failure=kind)

    def _skipped(self, skip: Skip, offline: TurnPatch) -> Interpretation:
        if skip.kind is not None:
            return self._fallback(skip.kind, offline)
        line = cooling_down_line(
            language=offline.language, name=self._name, remaining_s=skip.remaining_s
        )
        return Interpretation(
            patch=offline, source="offline", fallback_reason=line, failure="cooling_down"
        )

    def _pause_before_retry(
        self, kind: FailureKind, error: BaseException | None, attempt: int, deadline: float
    ) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` to stop trying this turn."""
        if kind not in RETRYABLE or attempt + 1 >= self.attempts:
            return None
        remaining = deadline - time.monotonic()
        if kind == "rate_limited":
            # Google says how long to wait (RetryInfo); without it, or past the deadline,
            # retrying at once only deepens the limit.
            asked = retry_delay(error) if error is not None else None
            if asked is None or asked >= remaining - 0.5:
                return None
            return asked
        return max(0.0, min(self.retry_delay_s, remaining))

    def _plan(
        self, text: str, step: str, config: TrainingConfig, history: Sequence[BaseMessage]
    ) -> _Plan:
        """One turn's calls to the primary, written once for ``interpret`` and ``ainterpret``:
        it yields what to wait for (a model call, a pause) and receives the call's answer (or
        has its exception thrown in); the driver decides only how to wait."""
        reading = _Reading(text, step, config)
        if self._structured is None or self._caller is None:
            return self._fallback("unsupported", reading.offline())
        skip = self.breaker.skip()
        if skip is not None:
            return self._skipped(skip, reading.offline())
        messages = build_messages(
            text, step=step, config=config, history=history, history_limit=self.history_limit
        )
        deadline = time.monotonic() + self.timeout_s
        kind: FailureKind = "timeout"
        for attempt in range(self.attempts):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                kind = "timeout"
                break
            error: BaseException | None = None
            try:
                result = yield _Call(self._caller, messages, remaining)
                accepted = self._accept(result, reading)
                self.breaker.record(None)
                return accepted
            except ModelFailure as failure:
                kind = failure.kind
            except Exception as caught:
                kind, error = classify_failure(caught), caught
            pause = self._pause_before_retry(kind, error, attempt, deadline)
            if pause is None:
                break
            yield _Pause(pause)
        self.breaker.record(kind)
        return self._fallback(kind, reading.offline())

    def _offline_reading(self, text: str, step: str, config: TrainingConfig) -> Interpretation:
        """The offline parser's patch, read once with the step and configuration at hand."""
        return Interpretation(patch=settled(_safe_parse(text, step, config)), source=self.source)

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
        if self._offline:
            return self._offline_reading(text, step, config)
        plan = self._plan(text, step, config, history)
        request = _advance(plan, None, None)
        while not isinstance(request, Interpretation):
            answer, error = None, None
            if isinstance(request, _Pause):
                time.sleep(request.seconds)
            else:
                try:
                    answer = request.caller.call(request.messages, request.seconds)
                except Exception as caught:
                    error = caught
            request = _advance(plan, answer, error)
        return request

    async def ainterpret(
        self,
        text: str,
        *,
        step: str,
        config: TrainingConfig,
        history: Sequence[BaseMessage] = (),
    ) -> Interpretation:
        """``interpret`` for async graphs: the same rules, without blocking the event loop."""
        if self._offline:
            return self._offline_reading(text, step, config)
        plan = self._plan(text, step, config, history)
        request = _advance(plan, None, None)
        while not isinstance(request, Interpretation):
            answer, error = None, None
            if isinstance(request, _Pause):
                await asyncio.sleep(request.seconds)
            else:
                try:
                    answer = await request.caller.acall(request.messages, request.seconds)
                except Exception as caught:
                    error = caught
            request = _advance(plan, answer, error)
        return request


def _advance(plan: _Plan, answer: Any, error: Exception | None) -> _Call | _Pause | Interpretation:
    """The plan's next request, given the last call's answer or error; its result when done."""
    try:
        return plan.throw(error) if error is not None else plan.send(answer)
    except StopIteration as done:
        result: Interpretation = done.value
        return result
