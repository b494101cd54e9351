"""One turn through the compiled graph with a given interpretation (the public contract).

Tests that hand a turn a hand-written ``TurnPatch`` (what any interpreter returns) run it here:
the real graph — ``understand`` with an interpreter that answers the given interpretation,
``inspect_files`` reading the real folders, the acts and the step nodes — without a checkpointer,
one ``invoke`` per turn, so the state comes back exactly as a turn leaves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage

from graph.build import build_graph
from graph.config import TrainingConfig
from graph.state import ConversationState
from graph.turn_plan import InterpretationLike

__all__ = ["take_turn"]


class _Given:
    """An interpreter that answers the interpretation the test set for this turn."""

    def __init__(self) -> None:
        self.next: InterpretationLike | None = None

    def interpret(
        self, text: str, *, step: str, config: TrainingConfig, history: Sequence[BaseMessage] = ()
    ) -> InterpretationLike:
        if self.next is None:
            raise LookupError("no interpretation given for this turn")
        return self.next

    async def ainterpret(
        self, text: str, *, step: str, config: TrainingConfig, history: Sequence[BaseMessage] = ()
    ) -> InterpretationLike:
        return self.interpret(text, step=step, config=config, history=history)


_GIVEN = _Given()
_GRAPH = build_graph(interpreter=_GIVEN)


def take_turn(
    state: ConversationState, interpretation: InterpretationLike, *, thread_id: str | None = None
) -> ConversationState:
    """The state after the newest user message of ``state``, read as ``interpretation``."""
    _GIVEN.next = interpretation
    values: dict[str, Any] = {
        name: getattr(state, name) for name in ConversationState.model_fields if name != "turn"
    }
    values["messages"] = list(state.messages)
    config: Any = {"configurable": {"thread_id": thread_id}} if thread_id else None
    out = _GRAPH.invoke(values, config)
    return ConversationState.model_validate(out)
