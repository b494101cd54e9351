"""The graph's nodes: one per step, each turning the newest user message into a new state.

A node asks the interpreter (Gemini or the offline parser) for a ``TurnPatch``, hands it to the
pure ``take_turn`` and writes back only what changed. Sync and async runs use the same function;
the async one awaits the interpreter instead of blocking the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda

from graph.config import TrainingConfig
from graph.state import ConversationState, Step
from graph.steps.turn import InterpretationLike, take_turn

__all__ = [
    "TurnInterpreter",
    "HISTORY_MESSAGES",
    "ALWAYS_WRITTEN",
    "make_step_node",
    "state_update",
]

HISTORY_MESSAGES = 8
"""How many earlier messages the interpreter sees (context for "yes", "that one", "actually")."""


class TurnInterpreter(Protocol):
    """Turns one user message into an interpretation (``graph.understanding.Interpreter``)."""

    def interpret(
        self,
        text: str,
        *,
        step: str,
        config: TrainingConfig,
        history: Sequence[BaseMessage] = (),
    ) -> InterpretationLike: ...

    async def ainterpret(
        self,
        text: str,
        *,
        step: str,
        config: TrainingConfig,
        history: Sequence[BaseMessage] = (),
    ) -> InterpretationLike: ...


ALWAYS_WRITTEN: tuple[str, ...] = ("config", "step", "language", "job", "previous")
"""Channels every turn writes, so each turn's output (and checkpoint) carries them even when
they still hold their defaults (``out["step"]`` after a first turn that stays at select_model)."""


def state_update(before: ConversationState, after: ConversationState) -> dict[str, Any]:
    """The channels to write for a turn: the always-written ones, any other that changed, and
    only the *new* messages (the messages reducer appends them).
    """
    update: dict[str, Any] = {
        name: getattr(after, name)
        for name in ConversationState.model_fields
        if name != "messages"
        and (name in ALWAYS_WRITTEN or getattr(after, name) != getattr(before, name))
    }
    update["messages"] = list(after.messages[len(before.messages) :])
    return update


def _thread(config: RunnableConfig) -> str | None:
    value = (config.get("configurable") or {}).get("thread_id")
    return None if value is None else str(value)


def make_step_node(step: Step, interpreter: TurnInterpreter) -> RunnableLambda[Any, Any]:
    """The node for ``step``: interpret the last user message, take the turn, return the changes."""

    def _history(state: ConversationState) -> Sequence[BaseMessage]:
        return state.messages[-HISTORY_MESSAGES - 1 : -1]

    def run(state: ConversationState, config: RunnableConfig) -> dict[str, Any]:
        interpretation = interpreter.interpret(
            state.last_user_text(), step=step, config=state.config, history=_history(state)
        )
        return state_update(state, take_turn(state, interpretation, thread_id=_thread(config)))

    async def arun(state: ConversationState, config: RunnableConfig) -> dict[str, Any]:
        interpretation = await interpreter.ainterpret(
            state.last_user_text(), step=step, config=state.config, history=_history(state)
        )
        return state_update(state, take_turn(state, interpretation, thread_id=_thread(config)))

    run.__name__ = arun.__name__ = step
    return RunnableLambda(run, afunc=arun, name=step)
