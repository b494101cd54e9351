"""The ``hyperparameters`` step: how long and how hard to train.

What it asks: the first required hyperparameter still missing (epochs, batch size, learning
rate), each with why it matters. What it accepts: any slot's value and "use the defaults"
(the framework's), through ``apply_patch``; relative changes ("10 more epochs") too. Where it
goes next: ``confirm`` once every required value is set.
"""

from __future__ import annotations

from typing import Any

from graph.slots import missing_slots
from graph.state import ConversationState, Step
from graph.steps.reply import finish_turn, turn_of

__all__ = ["STEP", "asks", "hyperparameters"]

STEP: Step = "hyperparameters"


def asks(state: ConversationState) -> tuple[str, ...]:
    """The first missing hyperparameter's question."""
    missing = missing_slots(state.config, state.dataset)
    return (missing[0].question.in_(turn_of(state).lang),) if missing else ()


def hyperparameters(state: ConversationState) -> dict[str, Any]:
    """The step's node: the act's reply, then the next hyperparameter's question."""
    return finish_turn(state, asks(state) if turn_of(state).prompt else ())
