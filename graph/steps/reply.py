"""Writing the turn's one reply: what the act said, then what the step asks.

Why shared: every step node ends the turn the same way — the act's lines, the step's own question
or summary when the act asked for it, joined to a notice ``check_training`` wrote earlier this
turn — and the channels an output must carry are written here once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage

from graph.replies import say
from graph.state import ConversationState, RunAction, TurnFields
from graph.steps.training import reply_with, turn_notice

__all__ = ["ALWAYS_WRITTEN", "turn_of", "finish_turn"]

ALWAYS_WRITTEN: tuple[str, ...] = ("config", "step", "language", "job", "previous")
"""Channels a turn writes even when unchanged *if they hold their default*, so each turn's
output carries them (``out["step"]`` after a first turn that stays at select_model: a channel
never written is absent from the output). A channel holding anything else was written by an
earlier turn and keeps its value; writing it again would only store a copy per turn."""

_DEFAULTS = {name: ConversationState.model_fields[name].get_default(call_default_factory=True)
             for name in ALWAYS_WRITTEN}  # fmt: skip


def turn_of(state: ConversationState) -> TurnFields:
    """The turn's fields; a step node reached without them is a wiring error."""
    if state.turn is None:
        raise LookupError("a step node ran without the turn's fields: route it through an act")
    return state.turn


def _changed_since(state: ConversationState) -> tuple[str, ...]:
    """On a forked turn: one line when the dataset folder holds something else now than when it
    was seen (the state keeps what was seen; giving the path again reads it as it is)."""
    turn = turn_of(state)
    seen = state.dataset
    if turn.recheck is None or seen is None or seen.path != turn.recheck:
        return ()
    now = next((facts for facts in turn.datasets if facts.path == turn.recheck), None)
    if now is None or not seen.differs_from(now):
        return ()
    return (say("dataset_changed", turn.lang, path=turn.recheck),)


def finish_turn(
    state: ConversationState,
    asks: Sequence[str] = (),
    extra: Sequence[str] = (),
    *,
    continue_to: RunAction | None = None,
) -> dict[str, Any]:
    """The step node's update: the reply (the act's lines, then ``asks`` — the step's question
    or summary, each line said once — then ``extra``) and the channels every output carries.

    The turn's fields are written again only when the turn continues to a training node
    (``continue_to``, which ``graph.routing.route_step`` reads); otherwise they end here."""
    turn = turn_of(state)
    if continue_to is None:
        continue_to = turn.run_action
    body = list(dict.fromkeys(line for line in (*turn.lines, *_changed_since(state)) if line))
    body.extend(line for line in asks if line not in body)
    update: dict[str, Any] = {
        name: value for name, value in _DEFAULTS.items() if getattr(state, name) == value
    }
    if state.run is None:
        # ``out["run"]`` is None rather than missing before any run; a run itself is written
        # only when it changes (it carries every epoch's metrics, too big to store every turn).
        update["run"] = None
    notice = turn_notice(state.messages)
    if turn.act == "answer_run_request":
        if body:
            update["messages"] = [reply_with(state.messages, body)]
    elif extra or notice is not None:
        lines = [line for part in body for line in part.split("\n")]
        update["messages"] = [reply_with(state.messages, [*lines, *extra])]
    else:
        update["messages"] = [AIMessage(content="\n".join(body))]
    if continue_to is not None:
        update["turn"] = turn.model_copy(update={"run_action": continue_to})
    return update
