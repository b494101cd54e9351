"""The ``done`` step: the job is confirmed and frozen; training it is the next thing to do.

What it asks: nothing more about the job; it offers to train it when a ``RunControl`` is
attached (or says how to run it when none is). What it accepts: questions, "another job with
yolo11n" (a new configuration that keeps the dataset), "new"/"start over" (an empty one), and
run requests — start, status, stop, resume, again. Where it goes next: ``start_training`` when
the message that confirmed the job also asked to start it, the I/O node a run request named,
else the end of the turn.
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from graph.run_replies import say_run
from graph.state import ConversationState, Step
from graph.steps.reply import finish_turn, turn_of
from graph.steps.training import unavailable_line

__all__ = ["STEP", "starts_training", "done"]

STEP: Step = "done"


def starts_training(state: ConversationState) -> bool:
    """The message confirmed the job just now and asked to start it ("start training" at
    confirm): the turn continues to ``start_training``."""
    turn = turn_of(state)
    return turn.step_before != "done" and turn.asked_to_start and state.step == "done"


def done(state: ConversationState, config: RunnableConfig) -> dict[str, Any]:
    """The step's node: the reply, with the training offer (or how to train it here)."""
    turn = turn_of(state)
    extra: list[str] = []
    starts = False
    if turn.act != "answer_run_request":
        starts = starts_training(state)
        if starts and not turn.can_train:
            thread = (config.get("configurable") or {}).get("thread_id")
            extra.append(unavailable_line(None if thread is None else str(thread), turn.lang))
        elif turn.can_train and state.run is None and not starts:
            # Just confirmed, or a turn at done before any run: say how to train it.
            extra.append(say_run("offer", turn.lang))
    return finish_turn(
        state, (), extra, continue_to="start_training" if starts and turn.can_train else None
    )
