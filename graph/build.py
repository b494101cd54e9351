"""Assembling the graph: the map of one user turn.

One graph run is one user turn (no ``interrupt()``): ``invoke`` with the user's message, read the
reply and the new state, and the checkpoint holds everything needed for the next turn. A turn
walks ``[check_training] → understand → [inspect_files] → <act> → <step> → [training node]``:

* ``check_training`` (I/O) refreshes an active run first;
* ``understand`` (I/O: the model call) reads the message and chooses the act;
* ``inspect_files`` (I/O) looks at the dataset folder or weights file the message names;
* the act (``graph.acts``: ``apply_patch``, ``clarify``, ``answer_question``, ``undo``,
  ``reset``, ``answer_run_request``) decides the new configuration and step, purely;
* the step's node (``graph.steps``: ``select_model`` … ``done``) asks what that step needs and
  writes the reply;
* ``start_training``, ``resume_training`` and ``stop_training`` (I/O) call the injected
  ``RunControl``.

Every branch is a routing function of explicit state fields (``graph.routing``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from graph.acts import ACT_NODE_FUNCTIONS
from graph.inspect_files import make_inspect_node
from graph.routing import (
    ACT_NODES,
    AFTER_INSPECT,
    CHECK_NODE,
    INSPECT_NODE,
    RUN_ACTION_NODES,
    STEP_NODES,
    UNDERSTAND_NODE,
    after_act,
    after_step,
    route_act,
    route_inspected,
    route_start,
    route_step,
    route_understood,
)
from graph.run import RunControl
from graph.run_nodes import make_check_node, make_start_node, make_stop_node
from graph.state import ConversationState, Step
from graph.steps.confirm import confirm
from graph.steps.dataset import dataset
from graph.steps.done import done
from graph.steps.hyperparameters import hyperparameters
from graph.steps.select_model import select_model
from graph.turn_plan import TurnContext
from graph.understand import TurnInterpreter, make_understand_node

__all__ = ["build_graph", "state_graph", "offline_interpreter", "routed", "STEP_NODE_FUNCTIONS"]

STEP_NODE_FUNCTIONS: dict[Step, Callable[..., Any]] = {
    "select_model": select_model,
    "dataset": dataset,
    "hyperparameters": hyperparameters,
    "confirm": confirm,
    "done": done,
}
"""Each step's node (``graph.steps.<step>``)."""


def offline_interpreter() -> TurnInterpreter:
    """The default interpreter: the offline rule-based chat model, no network, no key."""
    from graph.understanding import Interpreter, OfflineChatModel

    interpreter: TurnInterpreter = Interpreter(OfflineChatModel())
    return interpreter


def _paths(names: tuple[str, ...]) -> dict[Hashable, str]:
    return {name: name for name in names}


def routed(
    node: Callable[..., dict[str, Any]],
    route: Callable[[ConversationState], str],
    *,
    name: str,
    with_config: bool = False,
) -> RunnableLambda[Any, Any]:
    """``node`` followed by its routing function, as one LangGraph node returning a ``Command``.

    Why not a conditional edge: LangGraph evaluates an edge on a fresh copy of every channel and
    validates the whole state again, once per branching node; the routing function only needs the
    node's own writes over the state it already has. ``route`` sees exactly what an edge would
    see: the state with the node's writes, and the turn's fields gone unless the node wrote them
    (they live for one step, ``ConversationState.turn``)."""

    def decide(state: ConversationState, update: dict[str, Any]) -> Command[Any]:
        seen = {key: value for key, value in update.items() if key != "messages"}
        seen.setdefault("turn", None)
        return Command(update=update, goto=route(state.model_copy(update=seen)))

    if with_config:

        def run_with_config(state: ConversationState, config: RunnableConfig) -> Command[Any]:
            return decide(state, node(state, config))

        return RunnableLambda(run_with_config, name=name)

    def run(state: ConversationState) -> Command[Any]:
        return decide(state, node(state))

    return RunnableLambda(run, name=name)


def state_graph(
    interpreter: TurnInterpreter, *, runs: RunControl | None = None
) -> StateGraph[Any, Any, Any, Any]:
    """The uncompiled graph with ``interpreter`` behind ``understand`` and ``runs`` behind the
    training nodes. Without ``runs`` the training nodes are still drawn (the map is the same in
    every deployment) but never reached: "start training" says how to run the job instead.

    Each branching node returns a ``Command`` naming the next node (``routed``), from the
    routing function of ``graph.routing``; its ``destinations`` are what the drawing shows."""
    builder: StateGraph[Any, Any, Any, Any] = StateGraph(
        ConversationState, context_schema=TurnContext
    )
    builder.add_node(CHECK_NODE, make_check_node(runs))
    builder.add_node(
        UNDERSTAND_NODE,
        make_understand_node(interpreter, can_train=runs is not None, route=route_understood),
        destinations=(INSPECT_NODE, *ACT_NODES),
    )
    builder.add_node(
        INSPECT_NODE, make_inspect_node(route=route_inspected), destinations=AFTER_INSPECT
    )
    for act in ACT_NODES:
        node = routed(ACT_NODE_FUNCTIONS[act], route_act, name=act, with_config=True)
        builder.add_node(act, node, destinations=after_act(act))
    for step in STEP_NODES:
        node = routed(STEP_NODE_FUNCTIONS[step], route_step, name=step, with_config=step == "done")
        builder.add_node(step, node, destinations=after_step(step))
    builder.add_node("start_training", make_start_node(runs, resume=False))
    builder.add_node("resume_training", make_start_node(runs, resume=True))
    builder.add_node("stop_training", make_stop_node(runs))

    builder.add_conditional_edges(START, route_start, _paths((CHECK_NODE, UNDERSTAND_NODE)))
    builder.add_edge(CHECK_NODE, UNDERSTAND_NODE)
    for action in RUN_ACTION_NODES:
        builder.add_edge(action, END)
    return builder


def build_graph(
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    *,
    interpreter: TurnInterpreter | None = None,
    runs: RunControl | None = None,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The compiled conversation graph.

    Without ``checkpointer`` it is compiled without one, which is what ``langgraph dev`` and
    LangGraph Platform need (they attach their own). ``interpreter`` defaults to the offline
    parser so the graph works with no key and no network. ``runs`` starts, stops and checks
    training runs (``agent.training``'s local one, or a test's in-memory one); without it the
    conversation ends at the confirmed job and its command.
    """
    graph = state_graph(interpreter or offline_interpreter(), runs=runs)
    return graph.compile(checkpointer=checkpointer)
