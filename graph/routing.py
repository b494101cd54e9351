"""Routing at START: each user turn goes to the node of the step the conversation is at."""

from __future__ import annotations

from graph.state import STEPS, ConversationState, Step

__all__ = ["route_turn", "STEP_NODES"]

STEP_NODES: tuple[Step, ...] = STEPS
"""One node per step, named after it (``done`` answers turns after confirmation)."""


def route_turn(state: ConversationState) -> Step:
    """The node for this turn: the one named after ``state.step``.

    The step is stored in the checkpoint, so a conversation resumed in another process (or after
    a restart) continues exactly where it was.
    """
    return state.step
