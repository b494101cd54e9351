"""What every act ends with: the new configuration and step, and the reply so far.

Why a module of its own: the acts (``graph.acts``, ``graph.apply_patch``) all settle a turn the
same way — the step follows from the slots, the replaced values go on the undo history, the
reply waits in the turn's fields for the step node — and share the lookup of the turn's fields.
"""

from __future__ import annotations

from graph.config import TrainingConfig
from graph.slots import step_for
from graph.state import DATASETS_SEEN, UNDO_DEPTH, ConversationState, DatasetFacts, TurnFields
from graph.undo import ConfigChange

__all__ = ["turn_fields", "settle", "said", "remembered"]


def turn_fields(state: ConversationState) -> TurnFields:
    if state.turn is None:
        raise LookupError("an act ran without the turn's fields: route it through understand")
    return state.turn


def settle(
    state: ConversationState,
    config: TrainingConfig,
    dataset: DatasetFacts | None,
    lines: tuple[str, ...] | list[str],
    *,
    prompt: bool = True,
    remember: bool = True,
) -> ConversationState:
    """The state after an act: config, dataset and step updated, the old config remembered for
    undo, and the reply so far in the turn's fields (``prompt``: the step node asks its
    question after it)."""
    turn = turn_fields(state)
    previous = state.previous
    if remember and config != state.config:
        previous = (*previous, ConfigChange.between(state.config, config))[-UNDO_DEPTH:]
    fields = {"lines": tuple(lines), "prompt": prompt, "changed": config != state.config}
    return state.model_copy(
        update={
            "config": config,
            "dataset": dataset,
            "step": step_for(config, dataset),
            "language": turn.lang,
            "previous": previous,
            "turn": turn.model_copy(update=fields),
        }
    )


def said(state: ConversationState, lines: tuple[str, ...] | list[str]) -> ConversationState:
    """Only a reply: nothing in the configuration changes, and the step asks nothing."""
    turn = turn_fields(state)
    fields = {"lines": tuple(lines), "prompt": False, "changed": False}
    return state.model_copy(update={"language": turn.lang, "turn": turn.model_copy(update=fields)})


def remembered(seen: tuple[DatasetFacts, ...], facts: DatasetFacts) -> tuple[DatasetFacts, ...]:
    """``seen`` with ``facts`` as the newest inspection of its folder."""
    kept = tuple(item for item in seen if item.path != facts.path)
    return (*kept, facts)[-DATASETS_SEEN:]
