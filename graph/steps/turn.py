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
from graph.replies import detect_language, say
from graph.slots import SLOTS, missing_slots, show_value, step_for
from graph.state import UNDO_DEPTH, ConversationState, DatasetFacts, Language
from graph.steps import rules
from graph.steps.merge import Merge, changed_fields, describe_items, fill_defaults, merge_changes
from graph.steps.questions import answer_question
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
        return _finished(state, patch, text, lang, head)
    if patch.intent == "undo":
        return _undo(state, lang, head)
    if patch.intent == "reset":
        return _reset(state, lang, head)
    if patch.intent == "question" and not patch.changes.stated() and not patch.use_defaults:
        answer = answer_question(patch, state.config, state.dataset, lang)
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
    merge = merge_changes(state.config, state.dataset, patch.changes.stated(), lang)
    lines = list(head)
    if merge.accepted:
        lines.append(say("set", lang, items=describe_items(merge.config, merge.accepted, lang)))
    lines.extend(merge.notes)
    lines.extend(merge.warnings)
    lines.extend(merge.refused)
    if patch.unrecognised_model and "model_name" not in patch.changes.stated():
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
        lines.append(say("not_understood", lang))
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
    problem = rules.dataset_problem(state.config, lang)
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
    state: ConversationState, patch: TurnPatch, text: str, lang: Language, head: tuple[str, ...]
) -> ConversationState:
    wants_new = patch.intent == "reset" or text.strip().strip(".!").lower() in (
        NEW_CONFIGURATION_PHRASES
    )
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
    return say("models_for_task", lang, task=task, items=", ".join(rules.recommended_models(task)))


def summary(config: TrainingConfig, dataset: DatasetFacts | None, lang: Language) -> str:
    """Every field with its value, one per line, for the confirm step."""
    return "\n".join(_summary_lines(config, dataset, lang))


def _summary_lines(
    config: TrainingConfig, dataset: DatasetFacts | None, lang: Language
) -> list[str]:
    lines = [say("summary_title", lang)]
    for slot in SLOTS:
        shown = show_value(getattr(config, slot.name), lang, slot)
        lines.append(f"- {slot.label.in_(lang)}: {shown}")
    problem = rules.dataset_problem(config, lang)
    if problem is not None:
        lines.append(say("compat_blocking" if problem[1] else "compat", lang, problem=problem[0]))
    if dataset is not None and not dataset.found:
        lines.append(say("path_not_found", lang, path=dataset.path))
    return lines


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
    if prompt:
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
