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

from graph.act_outcome import said, settle, turn_fields
from graph.apply_patch import apply_patch
from graph.config import TrainingConfig
from graph.replies import say
from graph.state import Act, ConversationState
from graph.steps.merge import changed_fields, describe_items
from graph.steps.questions import answer_question as answer_text
from graph.steps.questions import other_domain_reply
from graph.steps.relative import ask_ambiguity

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


# --- clarify ---------------------------------------------------------------------------------


def clarify(state: ConversationState) -> ConversationState:
    """A value stated two ways ("10 or 20 epochs"): ask which one, change nothing.

    The rule of the product: a value is applied only when stated unambiguously."""
    turn = turn_fields(state)
    question = ask_ambiguity(state.config, turn.patch.ambiguities[0], turn.lang)
    return said(state, (*turn.head, question))


# --- answer a question -----------------------------------------------------------------------


def answer_question(state: ConversationState) -> ConversationState:
    """A question is answered and changes nothing; after ``done`` any message that is not a
    new job is answered this way (with the reminder that the job is frozen)."""
    turn = turn_fields(state)
    patch, lang = turn.patch, turn.lang
    if state.step == "done":
        lines = list(turn.head)
        if patch.intent == "question":
            lines.append(answer_text(patch, state.config, state.dataset, lang))
        lines.append(say("frozen", lang))
        return said(state, lines)
    answer = answer_text(patch, state.config, state.dataset, lang)
    if patch.other_domain_model:  # "what is llama?": what it is beats "I don't know it"
        answer = other_domain_reply(
            patch.other_domain_model, patch.other_domain_kind, state.config, lang
        )
    return said(state, (*turn.head, answer, say("question_no_change", lang)))


# --- undo and reset --------------------------------------------------------------------------


def undo(state: ConversationState) -> ConversationState:
    """The configuration before the last change, with the dataset as it was seen then.

    A folder the undo brings back was inspected again by ``inspect_files``; when it holds
    something else now, the reply says so and keeps what was seen then (giving the path again
    reads it as it is now)."""
    turn = turn_fields(state)
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
    turn = turn_fields(state)
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
    turn = turn_fields(state)
    return state.model_copy(update={"language": turn.lang})


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
