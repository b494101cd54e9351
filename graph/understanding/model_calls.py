"""Calling a remote chat model within a deadline, and remembering when it is not worth calling.

Two jobs the interpreter needs and should not spell out inline:

* ``ModelCaller`` runs a structured-output call on one shared event loop (a daemon thread)
  under ``asyncio.wait_for``. At the deadline the task is *cancelled*, which closes the HTTP
  request of a native async client (google-genai's aiohttp or httpx session): no call is left running after its
  deadline, unlike a sync call in an abandoned thread. Sync and async turns share the loop, so
  the client's connection pool only ever lives on one loop.
* ``CircuitBreaker`` opens after a timeout or a connection failure: for ``cooldown_s`` the
  following turns skip the model at once (offline parser, one line saying so), then the next
  turn tries again (half-open) and one more failure reopens it. A failure no retry can fix (a
  refused key, an unknown model) disables the model for the breaker's lifetime.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable

from graph.understanding.fallback_reasons import OPENS_CIRCUIT, PERMANENT, FailureKind

__all__ = ["ModelCaller", "CircuitBreaker", "Skip"]

_GRACE_S = 0.5
"""How long the caller waits past the deadline for the cancelled task to unwind."""


_LOOP: asyncio.AbstractEventLoop | None = None
_LOOP_LOCK = threading.Lock()


def _shared_loop() -> asyncio.AbstractEventLoop:
    """The one event loop (a daemon thread) every remote model call runs on, created on first
    use: one idle thread per process, not one per interpreter, and every client's connection
    pool lives on the same loop whether the turn came from sync or async code."""
    global _LOOP
    with _LOOP_LOCK:
        if _LOOP is None or _LOOP.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(
                target=loop.run_forever, name="trainchat-model-calls", daemon=True
            ).start()
            _LOOP = loop
        return _LOOP


class ModelCaller:
    """Runs ``runnable.ainvoke(messages)`` on the shared loop, cancelled at the deadline.

    A model without a native async path (LangChain then runs its sync call in an executor)
    cannot be interrupted mid-call; the turn still ends at the deadline.
    """

    def __init__(self, runnable: Runnable[Any, Any]) -> None:
        self._runnable = runnable

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop the calls run on (tests inspect its pending tasks)."""
        return _shared_loop()

    async def _bounded(self, messages: Sequence[BaseMessage], seconds: float) -> Any:
        return await asyncio.wait_for(self._runnable.ainvoke(list(messages)), seconds)

    def _submit(
        self, messages: Sequence[BaseMessage], seconds: float
    ) -> concurrent.futures.Future[Any]:
        return asyncio.run_coroutine_threadsafe(self._bounded(messages, seconds), _shared_loop())

    def call(self, messages: Sequence[BaseMessage], seconds: float) -> Any:
        """The model's answer, or ``TimeoutError`` once ``seconds`` have passed (the request
        is cancelled by then, not abandoned)."""
        future = self._submit(messages, seconds)
        try:
            return future.result(timeout=seconds + _GRACE_S)
        except concurrent.futures.TimeoutError as error:  # the task ignored its cancellation
            future.cancel()
            raise TimeoutError(f"no answer within {seconds:.3g} s") from error

    async def acall(self, messages: Sequence[BaseMessage], seconds: float) -> Any:
        """``call`` for async callers; cancelling the caller cancels the request too."""
        future = asyncio.wrap_future(self._submit(messages, seconds))
        try:
            return await asyncio.wait_for(future, seconds + _GRACE_S)
        except TimeoutError as error:
            raise TimeoutError(f"no answer within {seconds:.3g} s") from error


@dataclass(frozen=True)
class Skip:
    """Why the model is not called this turn."""

    kind: FailureKind | None
    """The permanent failure that disabled the model, or ``None`` while cooling down."""
    remaining_s: float = 0.0
    """Seconds left in the cool-down (0 when disabled)."""


class CircuitBreaker:
    """Decides, before each turn, whether the model is worth calling (see module docstring)."""

    def __init__(self, cooldown_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._open_until = 0.0
        self._disabled: FailureKind | None = None
        self._lock = threading.Lock()

    def skip(self) -> Skip | None:
        """A ``Skip`` while the breaker is open or the model is disabled, else ``None``."""
        with self._lock:
            if self._disabled is not None:
                return Skip(self._disabled)
            remaining = self._open_until - self._clock()
            return Skip(None, remaining) if remaining > 0 else None

    def record(self, kind: FailureKind | None) -> None:
        """The outcome of a turn that called the model (``None``: it answered)."""
        with self._lock:
            if kind is None:
                self._open_until = 0.0
            elif kind in PERMANENT:
                self._disabled = kind
            elif kind in OPENS_CIRCUIT:
                self._open_until = self._clock() + self.cooldown_s

    def reset(self) -> None:
        """Close the breaker and forget a permanent failure (after the settings changed)."""
        with self._lock:
            self._open_until, self._disabled = 0.0, None
