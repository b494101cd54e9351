"""``apply_patch``: the act that applies what a message states — values, defaults, a "yes" or a
"no" — each value validated by its slot before it can reach the configuration.

Why a module of its own: it is the act most turns take and the longest; the other acts are in
``graph.acts``. Pure: what the dataset folder and the weights file hold comes in the turn's
fields from ``inspect_files``.
"""

from __future__ import annotations

from graph.act_outcome import remembered, settle, turn_fields
from graph.config import TrainingConfig
from graph.patch import TurnPatch
from graph.replies import say
from graph.slot_verdicts import FilesSeen
from graph.slots import SLOT_BY_NAME, SLOTS, missing_slots
from graph.state import UNDO_DEPTH, ConversationState, Language, TurnFields
from graph.steps import rules
from graph.steps.merge import Merge, describe_items, fill_defaults, merge_changes
from graph.steps.questions import answer_question as answer_text
from graph.steps.questions import other_domain_reply
from graph.steps.relative import describe_relative_result, resolve_relative
from graph.undo import ConfigChange

__all__ = ["apply_patch"]


def apply_patch(state: ConversationState, *, thread_id: str | None = None) -> ConversationState:
    """Values, defaults, a "yes" or a "no": each value validated by its slot and merged.

    After ``done`` a patch is another job (``new_job``). ``thread_id`` only labels the job built
    at confirmation (``TrainingJob.created_from``)."""
    turn = turn_fields(state)
    if state.step == "done":
        return _another_job(state, turn, thread_id)
    return _update(state, turn.patch, turn.lang, turn.head, thread_id)


def _update(
    state: ConversationState,
    patch: TurnPatch,
    lang: Language,
    head: tuple[str, ...],
    thread_id: str | None,
) -> ConversationState:
    turn = turn_fields(state)
    stated = patch.changes.stated()
    resolved = resolve_relative(state.config, patch.relative_changes, lang)
    if resolved.question is not None:
        return settle(state, state.config, state.dataset, (*head, resolved.question), prompt=False)
    relative_fields = {name for name, _ in resolved.values}
    stated.update(dict(resolved.values))
    seen = FilesSeen(turn.datasets, turn.weights_present)
    merge = merge_changes(state.config, state.dataset, stated, lang, seen)
    if merge.dataset is not None and merge.dataset in turn.datasets:
        state = state.model_copy(
            update={"datasets_seen": remembered(state.datasets_seen, merge.dataset)}
        )
    lines = list(head)
    if patch.other_domain_model:
        lines.append(
            other_domain_reply(
                patch.other_domain_model, patch.other_domain_kind, state.config, lang
            )
        )
    absolute = tuple(name for name in merge.accepted if name not in relative_fields)
    if absolute:
        lines.append(say("set", lang, items=describe_items(merge.config, absolute, lang)))
    shifted = describe_relative_result(resolved, merge.config, lang)
    if shifted:
        lines.append(say("relative_set", lang, items=shifted))
    lines.extend(merge.notes)
    lines.extend(merge.warnings)
    lines.extend(merge.refused)
    if (
        patch.unrecognised_model
        and "model_name" not in patch.changes.stated()
        and not patch.other_domain_model
    ):
        suggestions = patch.model_suggestions or rules.suggest_models(patch.unrecognised_model)
        hint = say("did_you_mean", lang, names=", ".join(suggestions)) if suggestions else ""
        lines.append(say("unknown_model", lang, name=patch.unrecognised_model, hint=hint))
    config, dataset = merge.config, merge.dataset
    if patch.use_defaults:
        defaults = fill_defaults(config, dataset, lang)
        lines.extend(_defaults_lines(defaults, config, lang))
        config = defaults.config
    if patch.intent == "question":  # values and a question in one message: apply, then answer
        lines.append(answer_text(patch, config, dataset, lang))
    changed = config != state.config
    if patch.intent == "confirm" and not merge.refused:
        # "yes, with batch 32": apply the values, then confirm (a refused value asks instead).
        if changed:
            previous = (*state.previous, ConfigChange.between(state.config, config))
            state = state.model_copy(
                update={"config": config, "dataset": dataset, "previous": previous[-UNDO_DEPTH:]}
            )
        return _confirm(state, lang, tuple(lines), thread_id)
    if patch.intent == "decline" and not changed:
        lines.append(say("declined", lang))
        return settle(state, config, dataset, lines, prompt=False)
    if len(lines) == len(head):
        same = tuple(
            name
            for name in SLOT_BY_NAME
            if name in stated and getattr(state.config, name) == stated[name]
        )
        lines.append(
            say("already", lang, items=describe_items(state.config, same, lang))
            if same
            else say("not_understood", lang)
        )
    return settle(state, config, dataset, lines)


def _defaults_lines(defaults: Merge, before: TrainingConfig, lang: Language) -> list[str]:
    lines = list(defaults.refused)
    if defaults.filled:
        items = describe_items(defaults.config, defaults.filled, lang)
        lines.append(say("defaults", lang, framework=before.framework, items=items))
        lines.extend(defaults.warnings)
    kept = tuple(
        slot.name
        for slot in SLOTS
        if slot.step == "hyperparameters"
        and getattr(before, slot.name) is not None
        and slot.name not in defaults.filled
    )
    if kept and defaults.filled:
        lines.append(say("defaults_kept", lang, items=describe_items(before, kept, lang)))
    return lines


def _confirm(
    state: ConversationState, lang: Language, head: tuple[str, ...], thread_id: str | None
) -> ConversationState:
    """ "Yes": the job is built and the conversation is ``done`` — or the reply says what is
    missing or what blocks it."""
    missing = missing_slots(state.config, state.dataset)
    if missing:
        labels = ", ".join(slot.label.in_(lang) for slot in missing)
        return settle(
            state, state.config, state.dataset, (*head, say("not_ready", lang, items=labels))
        )
    problem = rules.dataset_problem(state.config, lang, state.dataset)
    if problem is not None and problem[1]:
        lines = (*head, say("blocked", lang, problem=problem[0]))
        return settle(state, state.config, state.dataset, lines, prompt=False)
    job, failure = rules.build_training_job(state.config, created_from=thread_id)
    if job is None:
        lines = (*head, say("blocked", lang, problem=failure))
        return settle(state, state.config, state.dataset, lines, prompt=False)
    lines = (*head, say("done", lang), say("command", lang, command=job.command_line()))
    turn = turn_fields(state)
    return state.model_copy(
        update={
            "step": "done",
            "language": lang,
            "job": job,
            # A run that ended belongs to the job before this one; an active one keeps going
            # (and blocks a second start until it ends or is stopped).
            "run": state.run if state.run is not None and state.run.active else None,
            "turn": turn.model_copy(update={"lines": lines, "prompt": False, "changed": False}),
        }
    )


def _another_job(
    state: ConversationState, turn: TurnFields, thread_id: str | None
) -> ConversationState:
    """After ``done``, "another job with yolo11n" / "하나 더, 이번엔 resnet50": a new
    configuration from what the message names, plus the previous job's dataset.

    What carries over is a choice: the dataset does (a second job on the same data with another
    model is what people mean; it is inspected again and must fit the new model like any
    dataset), the hyperparameters do not (they were chosen for the previous model and often its
    framework, and a value silently carried into another framework is the failure this product
    exists to prevent). The reply says both.
    """
    fresh = state.model_copy(update={"previous": (), "job": None, "config": TrainingConfig(),
                                     "dataset": None, "step": "select_model"})  # fmt: skip
    patch, lang = turn.patch, turn.lang
    lines: tuple[str, ...] = turn.head
    carried = state.config.dataset_path
    if carried and "dataset_path" not in patch.changes.stated():
        changes = patch.changes.model_copy(update={"dataset_path": carried})
        patch = patch.model_copy(update={"changes": changes})
        lines = (*lines, say("new_job_carried", lang, path=carried))
    else:
        lines = (*lines, say("new_config", lang))
    patch = patch.model_copy(update={"intent": "set", "new_job": False})
    return _update(fresh, patch, lang, lines, thread_id)
