"""The graph's step nodes: one per step, each turning the newest user message into a new state.

A node asks the interpreter (Gemini or the offline parser) for a ``TurnPatch``, hands it to the
pure ``take_turn`` and writes back only what changed. A run request ("start training", "how is
it going?") is decided from the words first and may continue to a training I/O node
(``graph.run_nodes``). Sync and async runs use the same function;
the async one awaits the interpreter instead of blocking the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.types import Command

from graph.config import TrainingConfig
from graph.replies import detect_language
from graph.run_replies import say_run
from graph.state import HISTORY_MESSAGES, ConversationState, Step
from graph.steps.training import decide_run_request, reply_with, turn_notice, unavailable_line
from graph.steps.turn import InterpretationLike, take_turn
from graph.understanding.run_phrases import read_run_request

__all__ = [
    "TurnInterpreter",
    "HISTORY_MESSAGES",
    "ALWAYS_WRITTEN",
    "make_step_node",
    "state_update",
]


class TurnInterpreter(Protocol):
    """Turns one user message into an interpretation (``graph.understanding.Interpreter``)."""

    def interpret(
        self,
        text: str,
        *,
        step: str,
        config: TrainingConfig,
        history: Sequence[BaseMessage] = (),
    ) -> InterpretationLike: ...

    async def ainterpret(
        self,
        text: str,
        *,
        step: str,
        config: TrainingConfig,
        history: Sequence[BaseMessage] = (),
    ) -> InterpretationLike: ...


ALWAYS_WRITTEN: tuple[str, ...] = ("config", "step", "language", "job", "previous")
"""Channels a turn writes even when unchanged *if they hold their default*, so each turn's
output carries them (``out["step"]`` after a first turn that stays at select_model: a channel
never written is absent from the output). A channel holding anything else was written by an
earlier turn and keeps its value; writing it again would only store a copy per turn."""


def state_update(before: ConversationState, after: ConversationState) -> dict[str, Any]:
    """The channels to write for a turn: any that changed, the ``ALWAYS_WRITTEN`` ones that
    still hold their defaults, and only the *new* messages (the messages reducer appends them).
    """
    update: dict[str, Any] = {}
    for name, field in ConversationState.model_fields.items():
        if name == "messages":
            continue
        value = getattr(after, name)
        if value != getattr(before, name) or (
            name in ALWAYS_WRITTEN and value == field.get_default(call_default_factory=True)
        ):
            update[name] = value
    if after.run is None:
        # ``out["run"]`` is None rather than missing before any run; a run itself is written
        # only when it changes (it carries every epoch's metrics, too big to store every turn).
        update["run"] = None
    update["messages"] = list(after.messages[len(before.messages) :])
    return update


def _thread(config: RunnableConfig) -> str | None:
    value = (config.get("configurable") or {}).get("thread_id")
    return None if value is None else str(value)


def _history(state: ConversationState) -> Sequence[BaseMessage]:
    """The messages before the newest user message (a notice written earlier this turn by
    ``check_training`` is not history)."""
    messages = state.messages
    last_user = max(
        (index for index, message in enumerate(messages) if isinstance(message, HumanMessage)),
        default=len(messages),
    )
    return messages[max(0, last_user - HISTORY_MESSAGES) : last_user]


class _StepTurn:
    """One step's turn: a run request decided from the user's words, else the usual turn.

    A run request ("start training", "how is it going?", "stop") is read from the words alone
    (``graph.understanding.run_phrases``), so no model is asked for it; whatever else the message
    is goes to the interpreter and ``take_turn``. The result is the state update, or a
    ``Command`` that continues to the I/O node named by the decision (``graph.run_nodes``).
    """

    def __init__(self, step: Step, training: bool) -> None:
        self.step = step
        self.training = training

    def decided(self, state: ConversationState, thread: str | None) -> Any | None:
        """The update for a run request this step answers, or None to take the usual turn."""
        text = state.last_user_text()
        request = read_run_request(text)
        if request is None:
            return None
        lang = detect_language(text, state.language)
        decision = decide_run_request(
            request,
            step=self.step,
            run=state.run,
            available=self.training,
            thread_id=thread,
            lang=lang,
        )
        if decision is None:
            return None
        update = state_update(state, state.model_copy(update={"language": lang}))
        if decision.lines:
            update["messages"] = [reply_with(state.messages, decision.lines)]
        if decision.action is not None:
            return Command(goto=decision.action, update=update)
        return update

    def taken(
        self, state: ConversationState, interpretation: InterpretationLike, thread: str | None
    ) -> Any:
        """The usual turn; at confirm, "start training" also starts the run once confirmed."""
        after = take_turn(state, interpretation, thread_id=thread)
        update = state_update(state, after)
        confirmed = state.step != "done" and after.step == "done"
        extra: list[str] = []
        starts = confirmed and read_run_request(state.last_user_text()) == "start"
        if starts and not self.training:
            extra.append(unavailable_line(thread, after.language))
        elif self.training and after.step == "done" and after.run is None and not starts:
            # Just confirmed, or a turn at done before any run: say how to train it.
            extra.append(say_run("offer", after.language))
        if extra or turn_notice(state.messages) is not None:
            replies = [str(message.content) for message in update["messages"]]
            lines = [line for reply in replies for line in reply.split("\n")]
            update["messages"] = [reply_with(state.messages, [*lines, *extra])]
        if starts and self.training:
            return Command(goto="start_training", update=update)
        return update


def make_step_node(
    step: Step, interpreter: TurnInterpreter, *, training: bool = False
) -> RunnableLambda[Any, Any]:
    """The node for ``step``: a run request, else interpret the last user message and take the
    turn; return the changes. ``training`` says whether a ``RunControl`` is attached."""
    turn = _StepTurn(step, training)

    def run(state: ConversationState, config: RunnableConfig) -> Any:
        thread = _thread(config)
        decided = turn.decided(state, thread)
        if decided is not None:
            return decided
        interpretation = interpreter.interpret(
            state.last_user_text(), step=step, config=state.config, history=_history(state)
        )
        return turn.taken(state, interpretation, thread)

    async def arun(state: ConversationState, config: RunnableConfig) -> Any:
        thread = _thread(config)
        decided = turn.decided(state, thread)
        if decided is not None:
            return decided
        interpretation = await interpreter.ainterpret(
            state.last_user_text(), step=step, config=state.config, history=_history(state)
        )
        return turn.taken(state, interpretation, thread)

    run.__name__ = arun.__name__ = step
    return RunnableLambda(run, afunc=arun, name=step)
