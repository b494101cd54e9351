"""Where a turn goes next: pure functions of explicit state fields, one per branching node.

A turn walks ``[check_training] → understand → [inspect_files] → <act> → <step> →
[a training node]``. Each function below names the next node from what the previous node wrote:
``run.active``, the turn's ``act``, its files to ``inspect`` and its ``run_action``, and the
``step`` the act left the conversation at. Each comes with the list of every node it can return,
so the drawing (``trainchat graph``) shows exactly the edges a turn can take.
"""

from __future__ import annotations

from typing import Literal

from langgraph.graph import END

from graph.state import STEPS, Act, ConversationState, RunAction, Step

__all__ = [
    "CHECK_NODE",
    "UNDERSTAND_NODE",
    "INSPECT_NODE",
    "STEP_NODES",
    "ACT_NODES",
    "RUN_ACTION_NODES",
    "AFTER_INSPECT",
    "route_start",
    "route_understood",
    "route_inspected",
    "route_act",
    "route_step",
    "after_act",
    "after_step",
]

CHECK_NODE: Literal["check_training"] = "check_training"
"""The I/O node that refreshes an active run before the turn is read (``graph.run_nodes``)."""

UNDERSTAND_NODE: Literal["understand"] = "understand"
"""The node that reads the message (``graph.understand``)."""

INSPECT_NODE: Literal["inspect_files"] = "inspect_files"
"""The I/O node that looks at the files a message names (``graph.inspect_files``)."""

STEP_NODES: tuple[Step, ...] = STEPS
"""One node per step, named after it (``graph.steps``)."""

ACT_NODES: tuple[Act, ...] = (
    "apply_patch", "clarify", "answer_question", "undo", "reset", "answer_run_request",
)  # fmt: skip
"""One node per act (``graph.acts``)."""

AFTER_INSPECT: tuple[Act, ...] = ("apply_patch", "clarify", "answer_question", "undo", "reset")
"""The acts that can follow ``inspect_files``: values naming a path, an undo bringing one back,
and any act of a forked turn (its folder is looked at again first)."""

RUN_ACTION_NODES: tuple[RunAction, ...] = ("start_training", "resume_training", "stop_training")
"""The training I/O nodes a turn may continue to after its step node."""


def route_start(state: ConversationState) -> Literal["check_training", "understand"]:
    """``check_training`` first while a run is queued or running (so the turn sees the run as it
    really is), else straight to ``understand``."""
    if state.run is not None and state.run.active:
        return CHECK_NODE
    return UNDERSTAND_NODE


def _turn_act(state: ConversationState) -> Act:
    if state.turn is None:
        raise LookupError("no turn fields to route on: understand writes them")
    return state.turn.act


def route_understood(state: ConversationState) -> Act | Literal["inspect_files"]:
    """``inspect_files`` when the message names a folder or a weights file, else the act."""
    turn = state.turn
    if turn is not None and (turn.inspect or turn.weights):
        return INSPECT_NODE
    return _turn_act(state)


def route_inspected(state: ConversationState) -> Act:
    """The act the turn chose, now that its files were looked at."""
    return _turn_act(state)


def route_act(state: ConversationState) -> Step:
    """The node of the step the act left the conversation at: it asks what that step needs.

    The step is stored in the checkpoint, so a conversation resumed in another process (or
    after a restart) continues exactly where it was."""
    return state.step


def after_act(act: Act) -> tuple[Step, ...]:
    """The step nodes ``act`` can leave the conversation at: a reset always empties the config
    (``select_model``); a clarification or an undo never happens at ``done`` (there the job is
    frozen, ``graph.turn_plan.choose_act``) and never confirms; the other acts can end anywhere.
    """
    if act == "reset":
        return ("select_model",)
    if act in ("clarify", "undo"):
        return tuple(step for step in STEP_NODES if step != "done")
    return STEP_NODES


def after_step(step: Step) -> tuple[RunAction | str, ...]:
    """Where ``step``'s node can go: the end, or a training node (a run can be stopped from any
    step; only ``done`` starts or resumes one)."""
    if step == "done":
        return (*RUN_ACTION_NODES, END)
    return ("stop_training", END)


def route_step(state: ConversationState) -> RunAction | str:
    """After the step node: the training node it named (``TurnFields.run_action``, written by
    the step node only when the turn goes on: a run request, or "start training" that confirmed
    the job), else the end of the turn."""
    turn = state.turn
    if turn is None or turn.run_action is None:
        return END
    return turn.run_action
