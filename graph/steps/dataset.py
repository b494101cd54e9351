"""The ``dataset`` step: where the data is, and whether the chosen model can learn from it.

What it asks: the dataset folder (its format and class count are read from it by
``inspect_files``), or, when the model and the data do not fit (boxes only for a segmentation
model, class folders for a detector), the two ways out: a model that fits the labels, or another
dataset. What it accepts: any slot's value, through ``apply_patch``. Where it goes next:
``hyperparameters`` once the data is given and fits; a misfit holds the conversation here.
"""

from __future__ import annotations

from typing import Any

from graph.config import TrainingConfig
from graph.replies import say, task_name
from graph.slots import missing_slots
from graph.state import ConversationState, DatasetFacts, Language, Step
from graph.steps import rules
from graph.steps.reply import finish_turn, turn_of

__all__ = ["STEP", "asks", "misfit_ways", "dataset"]

STEP: Step = "dataset"


def misfit_ways(config: TrainingConfig, dataset: DatasetFacts | None, lang: Language) -> str | None:
    """When model and dataset do not fit: the two ways out (a fitting model, another dataset).

    None when they fit (the dataset step is then simply asking for the dataset).
    """
    if config.dataset_path is None:
        return None
    problem = rules.dataset_problem(config, lang, dataset)
    if problem is None or not problem[1]:
        return None
    task, models = rules.models_for_dataset(dataset, config)
    wanted = task_name(config.task_type, lang)
    if not task or not models or task == config.task_type:
        return say("dataset_misfit_other", lang, task=wanted)
    needed = rules.labels_needed_text(config.task_type, lang)
    return say(
        "dataset_misfit_ways", lang, task=task_name(task, lang), models=models, needed=needed
    )


def asks(state: ConversationState) -> tuple[str, ...]:
    """The ways out of a misfit, else the first missing slot's question."""
    lang = turn_of(state).lang
    misfit = misfit_ways(state.config, state.dataset, lang)
    if misfit is not None:
        return (misfit,)
    missing = missing_slots(state.config, state.dataset)
    return (missing[0].question.in_(lang),) if missing else ()


def dataset(state: ConversationState) -> dict[str, Any]:
    """The step's node: the act's reply, then what the dataset step needs."""
    return finish_turn(state, asks(state) if turn_of(state).prompt else ())
