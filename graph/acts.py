"""The acts a turn can take after ``understand``: each a pure node, state in, changes out.

Why nodes of their own: "what happens when the user says undo" should have one place to open,
and one box on the drawing. Each act reads the turn's fields (``ConversationState.turn``: the
patch, what ``inspect_files`` saw), decides the new configuration and the reply so far, and sets
the step the conversation is at; the step's own node (``graph.steps``) then adds what that step
asks and writes the reply. No act reads the disk, the clock or the network.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.runnables import RunnableConfig

from graph.config import TrainingConfig
from graph.patch import TurnPatch
from graph.replies import say
from graph.slot_verdicts import FilesSeen
from graph.slots import SLOT_BY_NAME, SLOTS, missing_slots, step_for
from graph.state import (
    DATASETS_SEEN,
    UNDO_DEPTH,
    Act,
    ConversationState,
    DatasetFacts,
    Language,
    TurnFields,
)
from graph.steps import rules
from graph.steps.merge import Merge, changed_fields, describe_items, fill_defaults, merge_changes
from graph.steps.questions import answer_question as answer_text
from graph.steps.questions import other_domain_reply
from graph.steps.relative import ask_ambiguity, describe_relative_result, resolve_relative
from graph.undo import ConfigChange

__all__ = [
    "ACTS",
    "ACT_FIELDS",
    "apply_patch",
    "clarify",
    "answer_question",
    "undo",
    "reset",
    "answer_run_request",
    "act_update",
    "ACT_NODE_FUNCTIONS",
]

ACT_FIELDS: tuple[str, ...] = (
    "config", "dataset", "datasets_seen", "step", "language", "previous", "job", "run",
)  # fmt: skip
"""The channels an act may change (besides ``turn``); an act's node writes those that did."""


def _turn(state: ConversationState) -> TurnFields:
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
    turn = _turn(state)
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


def _said(state: ConversationState, lines: tuple[str, ...] | list[str]) -> ConversationState:
    """Only a reply: nothing in the configuration changes, and the step asks nothing."""
    turn = _turn(state)
    fields = {"lines": tuple(lines), "prompt": False, "changed": False}
    return state.model_copy(update={"language": turn.lang, "turn": turn.model_copy(update=fields)})


def _remembered(seen: tuple[DatasetFacts, ...], facts: DatasetFacts) -> tuple[DatasetFacts, ...]:
    """``seen`` with ``facts`` as the newest inspection of its folder."""
    kept = tuple(item for item in seen if item.path != facts.path)
    return (*kept, facts)[-DATASETS_SEEN:]


# --- clarify ---------------------------------------------------------------------------------


def clarify(state: ConversationState) -> ConversationState:
    """A value stated two ways ("10 or 20 epochs"): ask which one, change nothing.

    The rule of the product: a value is applied only when stated unambiguously."""
    turn = _turn(state)
    question = ask_ambiguity(state.config, turn.patch.ambiguities[0], turn.lang)
    return _said(state, (*turn.head, question))


# --- answer a question -----------------------------------------------------------------------


def answer_question(state: ConversationState) -> ConversationState:
    """A question is answered and changes nothing; after ``done`` any message that is not a
    new job is answered this way (with the reminder that the job is frozen)."""
    turn = _turn(state)
    patch, lang = turn.patch, turn.lang
    if state.step == "done":
        lines = list(turn.head)
        if patch.intent == "question":
            lines.append(answer_text(patch, state.config, state.dataset, lang))
        lines.append(say("frozen", lang))
        return _said(state, lines)
    answer = answer_text(patch, state.config, state.dataset, lang)
    if patch.other_domain_model:  # "what is llama?": what it is beats "I don't know it"
        answer = other_domain_reply(
            patch.other_domain_model, patch.other_domain_kind, state.config, lang
        )
    return _said(state, (*turn.head, answer, say("question_no_change", lang)))


# --- undo and reset --------------------------------------------------------------------------


def undo(state: ConversationState) -> ConversationState:
    """The configuration before the last change, with the dataset as it was seen then.

    A folder the undo brings back was inspected again by ``inspect_files``; when it holds
    something else now, the reply says so and keeps what was seen then (giving the path again
    reads it as it is now)."""
    turn = _turn(state)
    lang = turn.lang
    if not state.previous:
        return settle(state, state.config, state.dataset, (*turn.head, say("undo_empty", lang)))
    restored = state.previous[-1].undo(state.config)
    dataset = state.dataset
    notes: list[str] = []
    if restored.dataset_path is None:
        dataset = None
    elif dataset is None or dataset.path != restored.dataset_path:
        path = restored.dataset_path
        then = next((item for item in state.datasets_seen if item.path == path), None)
        now = next((item for item in turn.datasets if item.path == path), None)
        dataset = then or now
        if then is not None and now is not None and then.differs_from(now):
            notes.append(say("dataset_changed", lang, path=path))
    changed = changed_fields(state.config, restored)
    lines = (*turn.head, say("undo_done", lang, items=describe_items(restored, changed, lang)))
    popped = state.model_copy(update={"previous": state.previous[:-1]})
    return settle(popped, restored, dataset, (*lines, *notes), remember=False)


def reset(state: ConversationState) -> ConversationState:
    """An empty configuration. Before ``done`` it can be undone; after it, it is the start of a
    new job (the confirmed job is let go, an active run keeps going)."""
    turn = _turn(state)
    lang = turn.lang
    if state.step == "done":
        kept_run = state.run if state.run is not None and state.run.active else None
        fresh = state.model_copy(update={"previous": (), "job": None, "run": kept_run})
        lines = (*turn.head, say("new_config", lang))
        return settle(fresh, TrainingConfig(), None, lines, remember=False)
    return settle(state, TrainingConfig(), None, (*turn.head, say("reset_done", lang)))


# --- a run request answered from the words -----------------------------------------------------


def answer_run_request(state: ConversationState) -> ConversationState:
    """ "How is it going?", "stop": the decision ``understand`` made from the words, said.

    Nothing in the configuration changes; a start, resume or stop continues to its I/O node
    after the step node (``TurnFields.run_action``)."""
    turn = _turn(state)
    return state.model_copy(update={"language": turn.lang})


# --- apply a patch ---------------------------------------------------------------------------


def apply_patch(state: ConversationState, *, thread_id: str | None = None) -> ConversationState:
    """Values, defaults, a "yes" or a "no": each value validated by its slot and merged.

    After ``done`` a patch is another job (``new_job``). ``thread_id`` only labels the job built
    at confirmation (``TrainingJob.created_from``)."""
    turn = _turn(state)
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
    turn = _turn(state)
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
            update={"datasets_seen": _remembered(state.datasets_seen, merge.dataset)}
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
    turn = _turn(state)
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


# --- the acts as nodes -----------------------------------------------------------------------


def act_update(before: ConversationState, after: ConversationState) -> dict[str, Any]:
    """The channels an act writes: those of ``ACT_FIELDS`` it changed, and the turn's fields
    (handed on to the step node)."""
    update: dict[str, Any] = {
        name: getattr(after, name)
        for name in ACT_FIELDS
        if getattr(after, name) != getattr(before, name)
    }
    update["turn"] = after.turn
    return update


def _with_thread(act: Callable[[ConversationState], ConversationState]) -> Callable[..., Any]:
    def run(state: ConversationState, thread_id: str | None) -> ConversationState:
        return act(state)

    return run


ACTS: dict[Act, Callable[[ConversationState, str | None], ConversationState]] = {
    "apply_patch": lambda state, thread_id: apply_patch(state, thread_id=thread_id),
    "clarify": _with_thread(clarify),
    "answer_question": _with_thread(answer_question),
    "undo": _with_thread(undo),
    "reset": _with_thread(reset),
    "answer_run_request": _with_thread(answer_run_request),
}
"""Every act by its node name."""


def _node(name: Act) -> Callable[[ConversationState, RunnableConfig], dict[str, Any]]:
    act = ACTS[name]

    def run(state: ConversationState, config: RunnableConfig) -> dict[str, Any]:
        thread = (config.get("configurable") or {}).get("thread_id")
        return act_update(state, act(state, None if thread is None else str(thread)))

    run.__name__ = name
    return run


ACT_NODE_FUNCTIONS: dict[Act, Callable[[ConversationState, RunnableConfig], dict[str, Any]]] = {
    name: _node(name) for name in ACTS
}
"""Each act as a node function: the pure act, and only the channels it changed written."""
