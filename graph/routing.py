"""Routing at START: each user turn goes to the node of the step the conversation is at, after
``check_training`` when a run is active (so every turn sees the run as it really is)."""

from __future__ import annotations

from typing import Literal

from graph.state import STEPS, ConversationState, Step

__all__ = ["route_turn", "route_start", "STEP_NODES", "CHECK_NODE"]

STEP_NODES: tuple[Step, ...] = STEPS
"""One node per step, named after it (``done`` answers turns after confirmation)."""

CHECK_NODE: Literal["check_training"] = "check_training"
"""The I/O node that refreshes an active run before the step node (``graph.run_nodes``)."""


def route_turn(state: ConversationState) -> Step:
    """The node for this turn: the one named after ``state.step``.

    The step is stored in the checkpoint, so a conversation resumed in another process (or after
    a restart) continues exactly where it was.
    """
    return state.step


def route_start(state: ConversationState) -> Step | Literal["check_training"]:
    """``check_training`` first while a run is queued or running, else the step's node."""
    if state.run is not None and state.run.active:
        return CHECK_NODE
    return route_turn(state)
