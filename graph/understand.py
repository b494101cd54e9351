"""``understand``: the node that reads the user's message — the model call lives here.

Why a node of its own: it is one of the few places the graph touches the world (Gemini over the
network, or the offline parser standing in for it), so the drawing shows where that happens and
everything after it is a pure function of what it wrote. A run request ("start training", "how is
it going?", "stop") is read from the words alone (``graph.understanding.run_phrases``) and decided
here without asking any model; any other message goes to the interpreter, and the pure
``graph.turn_plan`` names the act and the files to look at. Sync and async runs share the code;
the async one awaits the interpreter instead of blocking the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.runtime import get_runtime
from langgraph.types import Command

from graph.config import TrainingConfig
from graph.replies import detect_language
from graph.routing import UNDERSTAND_NODE
from graph.state import HISTORY_MESSAGES, ConversationState, TurnFields
from graph.steps.training import decide_run_request
from graph.turn_plan import InterpretationLike, TurnContext, plan_turn
from graph.understanding.run_phrases import read_run_request

__all__ = ["TurnInterpreter", "make_understand_node", "decided_run_request"]


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


def thread_of(config: RunnableConfig) -> str | None:
    """The thread id the turn runs in, if any (it labels jobs and the "run it with" command)."""
    value = (config.get("configurable") or {}).get("thread_id")
    return None if value is None else str(value)


def history_of(state: ConversationState) -> Sequence[BaseMessage]:
    """The messages before the newest user message (a notice written earlier this turn by
    ``check_training`` is not history)."""
    messages = state.messages
    last_user = max(
        (index for index, message in enumerate(messages) if isinstance(message, HumanMessage)),
        default=len(messages),
    )
    return messages[max(0, last_user - HISTORY_MESSAGES) : last_user]


def decided_run_request(
    state: ConversationState, *, can_train: bool, thread_id: str | None
) -> TurnFields | None:
    """The turn's fields for a run request this step answers, else None (ask the model).

    Pure: the words and the state decide (``graph.steps.training.decide_run_request``)."""
    text = state.last_user_text()
    request = read_run_request(text)
    if request is None:
        return None
    lang = detect_language(text, state.language)
    decision = decide_run_request(
        request, step=state.step, run=state.run, available=can_train, thread_id=thread_id, lang=lang
    )
    if decision is None:
        return None
    return TurnFields(
        act="answer_run_request",
        lang=lang,
        step_before=state.step,
        run_action=decision.action,
        lines=decision.lines,
        can_train=can_train,
    )


def _forked() -> bool:
    """Whether the caller said this turn continues from an earlier checkpoint
    (``TurnContext.forked``, set by ``agent.create`` when the config names a checkpoint)."""
    try:
        context = get_runtime().context
    except RuntimeError:  # called outside a graph run
        return False
    return isinstance(context, TurnContext) and context.forked


def make_understand_node(
    interpreter: TurnInterpreter,
    *,
    can_train: bool,
    route: Callable[[ConversationState], str],
) -> RunnableLambda[Any, Any]:
    """The ``understand`` node over ``interpreter``; ``can_train`` says a ``RunControl`` is
    attached; ``route`` names the next node from the turn's fields (``Command``)."""

    def going_on(state: ConversationState, update: dict[str, Any]) -> Command[Any]:
        return Command(update=update, goto=route(state.model_copy(update=update)))

    def fields(state: ConversationState, config: RunnableConfig) -> TurnFields | None:
        return decided_run_request(state, can_train=can_train, thread_id=thread_of(config))

    def planned(state: ConversationState, interpretation: InterpretationLike) -> dict[str, Any]:
        text = state.last_user_text()
        turn = plan_turn(
            state,
            interpretation,
            lang=detect_language(text, state.language),
            can_train=can_train,
            asked_to_start=read_run_request(text) == "start",
            forked=_forked(),
        )
        return {"turn": turn}

    def understand(state: ConversationState, config: RunnableConfig) -> Command[Any]:
        decided = fields(state, config)
        if decided is not None:
            return going_on(state, {"turn": decided})
        interpretation = interpreter.interpret(
            state.last_user_text(), step=state.step, config=state.config, history=history_of(state)
        )
        return going_on(state, planned(state, interpretation))

    async def aunderstand(state: ConversationState, config: RunnableConfig) -> Command[Any]:
        decided = fields(state, config)
        if decided is not None:
            return going_on(state, {"turn": decided})
        interpretation = await interpreter.ainterpret(
            state.last_user_text(), step=state.step, config=state.config, history=history_of(state)
        )
        return going_on(state, planned(state, interpretation))

    return RunnableLambda(understand, afunc=aunderstand, name=UNDERSTAND_NODE)
