"""One user turn as a pure function: (state, interpretation) → new state.

The nodes only fetch the interpretation (a language model call) and hand it here, so every
behaviour — slot filling, corrections, refusals, defaults, undo, reset, questions, confirmation,
the frozen ``done`` state — is a plain function of frozen values that tests can call directly.
"""

from __future__ import annotations

from typing import Protocol

from langchain_core.messages import AIMessage

from graph.config import TrainingConfig
from graph.patch import TurnPatch
from graph.replies import detect_language, say, task_name
from graph.slots import SLOT_BY_NAME, SLOTS, missing_slots, step_for
from graph.state import UNDO_DEPTH, ConversationState, DatasetFacts, Language
from graph.steps import rules
from graph.steps.merge import Merge, changed_fields, describe_items, fill_defaults, merge_changes
from graph.steps.questions import answer_question, config_lines, other_domain_reply
from graph.steps.relative import ask_ambiguity, describe_relative_result, resolve_relative
from graph.undo import ConfigChange

__all__ = ["InterpretationLike", "take_turn", "summary", "NEW_CONFIGURATION_PHRASES"]

NEW_CONFIGURATION_PHRASES: tuple[str, ...] = (
    "new",
    "new job",
    "new configuration",
    "new config",
    "start new",
    "start a new one",
    "새로",
    "새로 시작",
    "새 작업",
    "새 설정",
)
"""Besides any reset intent ("start over", "처음부터"), what starts a new job after ``done``."""


class InterpretationLike(Protocol):
    """What the understanding layer returns for a message (``graph.understanding``)."""

    @property
    def patch(self) -> TurnPatch: ...

    @property
    def fallback_reason(self) -> str | None: ...


def take_turn(
    state: ConversationState, interpretation: InterpretationLike, *, thread_id: str | None = None
) -> ConversationState:
    """The state after the newest user message, interpreted as ``interpretation``.

    ``thread_id`` only labels the job built at confirmation (``TrainingJob.created_from``).
    """
    patch = interpretation.patch
    text = state.last_user_text()
    lang = detect_language(text, state.language)
    head: tuple[str, ...] = ()
    if interpretation.fallback_reason:
        # Already one full line in the user's language ("... so I used the offline parser.").
        head = (interpretation.fallback_reason,)
    notice = getattr(interpretation, "notice", None)  # a model's refused overwrites, one line
    if notice:
        head = (*head, notice)
    if state.step == "done":
        return _finished(state, patch, text, lang, head, thread_id)
    if patch.ambiguities:
        # The rule: a value is applied only when stated unambiguously — ask, change nothing.
        question = ask_ambiguity(state.config, patch.ambiguities[0], lang)
        return _respond(state, state.config, state.dataset, lang, (*head, question), prompt=False)
    if patch.intent == "undo":
        return _undo(state, lang, head)
    if patch.intent == "reset":
        return _reset(state, lang, head)
    if patch.intent == "question" and not patch.changes.stated() and not patch.use_defaults:
        answer = answer_question(patch, state.config, state.dataset, lang)
        if patch.other_domain_model:  # "what is llama?": what it is beats "I don't know it"
            answer = other_domain_reply(
                patch.other_domain_model, patch.other_domain_kind, state.config, lang
            )
        lines = (*head, answer, say("question_no_change", lang))
        return _respond(state, state.config, state.dataset, lang, lines, prompt=False)
    return _update(state, patch, lang, head, thread_id)


def _update(
    state: ConversationState,
    patch: TurnPatch,
    lang: Language,
    head: tuple[str, ...],
    thread_id: str | None,
) -> ConversationState:
    stated = patch.changes.stated()
    resolved = resolve_relative(state.config, patch.relative_changes, lang)
    if resolved.question is not None:
        return _respond(
            state, state.config, state.dataset, lang, (*head, resolved.question), prompt=False
        )
    relative_fields = {name for name, _ in resolved.values}
    stated.update(dict(resolved.values))
    merge = merge_changes(state.config, state.dataset, stated, lang)
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
        lines.append(answer_question(patch, config, dataset, lang))
    changed = config != state.config
    if patch.intent == "confirm" and not merge.refused:
        # "yes, with batch 32": apply the values, then confirm (a refused value asks instead).
        if changed:
            previous = (*state.previous, state.config)[-UNDO_DEPTH:]
            state = state.model_copy(
                update={"config": config, "dataset": dataset, "previous": previous}
            )
        return _confirm(state, lang, tuple(lines), thread_id)
    if patch.intent == "decline" and not changed:
        lines.append(say("declined", lang))
        return _respond(state, config, dataset, lang, tuple(lines), prompt=False)
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
    return _respond(state, config, dataset, lang, tuple(lines))


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
    missing = missing_slots(state.config, state.dataset)
    if missing:
        labels = ", ".join(slot.label.in_(lang) for slot in missing)
        lines = (*head, say("not_ready", lang, items=labels))
        return _respond(state, state.config, state.dataset, lang, lines)
    problem = rules.dataset_problem(state.config, lang, state.dataset)
    if problem is not None and problem[1]:
        lines = (*head, say("blocked", lang, problem=problem[0]))
        return _respond(state, state.config, state.dataset, lang, lines, prompt=False)
    job, failure = rules.build_training_job(state.config, created_from=thread_id)
    if job is None:
        lines = (*head, say("blocked", lang, problem=failure))
        return _respond(state, state.config, state.dataset, lang, lines, prompt=False)
    done_lines = [*head, say("done", lang)]
    done_lines.append(say("command", lang, command=job.command_line()))
    reply = AIMessage(content="\n".join(done_lines))
    return state.model_copy(
        update={
            "messages": (*state.messages, reply),
            "step": "done",
            "language": lang,
            "job": job,
            # A run that ended belongs to the job before this one; an active one keeps going
            # (and blocks a second start until it ends or is stopped).
            "run": state.run if state.run is not None and state.run.active else None,
        }
    )


def _finished(
    state: ConversationState,
    patch: TurnPatch,
    text: str,
    lang: Language,
    head: tuple[str, ...],
    thread_id: str | None,
) -> ConversationState:
    wants_new = patch.intent == "reset" or text.strip().strip(".!").lower() in (
        NEW_CONFIGURATION_PHRASES
    )
    if patch.new_job:
        return _another_job(state, patch, lang, head, thread_id)
    if wants_new:
        lines = (*head, say("new_config", lang))
        kept_run = state.run if state.run is not None and state.run.active else None
        reset = state.model_copy(update={"previous": (), "job": None, "run": kept_run})
        return _respond(reset, TrainingConfig(), None, lang, lines, remember=False)
    lines_list = list(head)
    if patch.intent == "question":
        lines_list.append(answer_question(patch, state.config, state.dataset, lang))
    lines_list.append(say("frozen", lang))
    reply = AIMessage(content="\n".join(lines_list))
    return state.model_copy(update={"messages": (*state.messages, reply), "language": lang})


def _another_job(
    state: ConversationState,
    patch: TurnPatch,
    lang: Language,
    head: tuple[str, ...],
    thread_id: str | None,
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
    lines: tuple[str, ...] = head
    carried = state.config.dataset_path
    if carried and "dataset_path" not in patch.changes.stated():
        changes = patch.changes.model_copy(update={"dataset_path": carried})
        patch = patch.model_copy(update={"changes": changes})
        lines = (*lines, say("new_job_carried", lang, path=carried))
    else:
        lines = (*lines, say("new_config", lang))
    patch = patch.model_copy(update={"intent": "set", "new_job": False})
    return _update(fresh, patch, lang, lines, thread_id)


def _undo(state: ConversationState, lang: Language, head: tuple[str, ...]) -> ConversationState:
    if not state.previous:
        lines = (*head, say("undo_empty", lang))
        return _respond(state, state.config, state.dataset, lang, lines)
    restored = state.previous[-1].undo(state.config)
    dataset = state.dataset
    if restored.dataset_path is None:
        dataset = None
    elif dataset is None or dataset.path != restored.dataset_path:
        dataset = rules.inspect_path(restored.dataset_path, lang)
    changed = changed_fields(state.config, restored)
    lines = (*head, say("undo_done", lang, items=describe_items(restored, changed, lang)))
    popped = state.model_copy(update={"previous": state.previous[:-1]})
    return _respond(popped, restored, dataset, lang, lines, remember=False)


def _reset(state: ConversationState, lang: Language, head: tuple[str, ...]) -> ConversationState:
    lines = (*head, say("reset_done", lang))
    return _respond(state, TrainingConfig(), None, lang, lines)


def _model_hint(task: str, lang: Language) -> str:
    """ "For instance_segmentation: yolo11n-seg, yolov8n-seg." when the task came first."""
    items = ", ".join(rules.recommended_models(task))
    return say("models_for_task", lang, task=task_name(task, lang), items=items)


def summary(config: TrainingConfig, dataset: DatasetFacts | None, lang: Language) -> str:
    """What is set, one field per line, and one line saying the rest uses the defaults."""
    return "\n".join(_summary_lines(config, dataset, lang))


def _summary_lines(
    config: TrainingConfig, dataset: DatasetFacts | None, lang: Language
) -> list[str]:
    lines = [say("summary_title", lang), *config_lines(config, lang, with_declared_defaults=True)]
    if any(getattr(config, slot.name) is None for slot in SLOTS):
        if config.framework:
            lines.append(say("summary_rest", lang, framework=config.framework))
        else:
            lines.append(say("summary_rest_unknown", lang))
    problem = rules.dataset_problem(config, lang, dataset)
    if problem is not None:
        lines.append(say("compat_blocking" if problem[1] else "compat", lang, problem=problem[0]))
    if dataset is not None and not dataset.found:
        lines.append(say("path_not_found", lang, path=dataset.path))
    return lines


def _misfit_ways(
    config: TrainingConfig, dataset: DatasetFacts | None, lang: Language
) -> str | None:
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


def _respond(
    state: ConversationState,
    config: TrainingConfig,
    dataset: DatasetFacts | None,
    lang: Language,
    lines: tuple[str, ...],
    *,
    prompt: bool = True,
    remember: bool = True,
) -> ConversationState:
    """The new state: config and step updated, the reply appended, the old config remembered."""
    step = step_for(config, dataset)
    # The same warning can come from several values (each default checks the optimizer); say it once.
    body = list(dict.fromkeys(line for line in lines if line))
    misfit = _misfit_ways(config, dataset, lang) if step == "dataset" else None
    if prompt and misfit is not None:
        body.append(misfit)
    elif prompt:
        missing = missing_slots(config, dataset)
        if missing:
            body.append(missing[0].question.in_(lang))
            if missing[0].name == "model_name" and config.task_type is not None:
                body.append(_model_hint(config.task_type, lang))
        else:
            # The summary is shown when something changed or the confirm step is new; a turn at
            # confirm that changed nothing only asks again. A warning said above is not repeated.
            if config != state.config or state.step != "confirm":
                summary_lines = _summary_lines(config, dataset, lang)
                body.extend(line for line in summary_lines if line not in body)
            body.append(say("confirm_ask", lang))
    previous = state.previous
    if remember and config != state.config:
        previous = (*previous, ConfigChange.between(state.config, config))[-UNDO_DEPTH:]
    reply = AIMessage(content="\n".join(body))
    return state.model_copy(
        update={
            "messages": (*state.messages, reply),
            "config": config,
            "dataset": dataset,
            "step": step,
            "language": lang,
            "previous": previous,
        }
    )
