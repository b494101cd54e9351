"""The ``select_model`` step: which model to train (and so its framework and task).

What it asks: the model, with the well-known models for the task when the task came first
("segment cells" → "yolo11n-seg, yolov8n-seg"). What it accepts: any slot's value, through
``apply_patch``; the conversation stays here while the model, framework or task is missing.
Where it goes next: ``step_for`` moves it on to ``dataset`` once a model is chosen.
"""

from __future__ import annotations

from typing import Any

from graph.replies import say, task_name
from graph.slots import missing_slots
from graph.state import ConversationState, Language, Step
from graph.steps import rules
from graph.steps.reply import finish_turn, turn_of

__all__ = ["STEP", "asks", "select_model"]

STEP: Step = "select_model"


def _model_hint(task: str, lang: Language) -> str:
    """ "For instance_segmentation: yolo11n-seg, yolov8n-seg." when the task came first."""
    items = ", ".join(rules.recommended_models(task))
    return say("models_for_task", lang, task=task_name(task, lang), items=items)


def asks(state: ConversationState) -> tuple[str, ...]:
    """The first missing slot's question (the model's, with a hint when the task is known)."""
    lang = turn_of(state).lang
    missing = missing_slots(state.config, state.dataset)
    if not missing:
        return ()
    lines = [missing[0].question.in_(lang)]
    if missing[0].name == "model_name" and state.config.task_type is not None:
        lines.append(_model_hint(state.config.task_type, lang))
    return tuple(lines)


def select_model(state: ConversationState) -> dict[str, Any]:
    """The step's node: the act's reply, then the question for the model."""
    return finish_turn(state, asks(state) if turn_of(state).prompt else ())
