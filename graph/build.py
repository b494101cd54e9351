"""Assembling the graph: a router at START, one node per step, and the training I/O nodes.

One graph run is one user turn (no ``interrupt()``): ``invoke`` with the user's message, read the
reply and the new state, and the checkpoint holds everything needed for the next turn. While a
run is active the turn first passes ``check_training``; a step node may hand the turn on to
``start_training``, ``resume_training`` or ``stop_training``, which call the injected
``RunControl`` — besides the model call, the only nodes that touch the world.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from graph.nodes import TurnInterpreter, make_step_node
from graph.routing import CHECK_NODE, STEP_NODES, route_start, route_turn
from graph.run import RunControl
from graph.run_nodes import make_check_node, make_start_node, make_stop_node
from graph.state import ConversationState
from graph.steps.training import RUN_ACTION_NODES

__all__ = ["build_graph", "state_graph", "offline_interpreter"]


def offline_interpreter() -> TurnInterpreter:
    """The default interpreter: the offline rule-based chat model, no network, no key."""
    from graph.understanding import Interpreter, OfflineChatModel

    interpreter: TurnInterpreter = Interpreter(OfflineChatModel())
    return interpreter


def state_graph(
    interpreter: TurnInterpreter, *, runs: RunControl | None = None
) -> StateGraph[Any, Any, Any, Any]:
    """The uncompiled graph with ``interpreter`` behind every step node and ``runs`` behind the
    training nodes. Without ``runs`` the training nodes are still drawn (the map is the same in
    every deployment) but never reached: "start training" says how to run the job instead."""
    builder: StateGraph[Any, Any, Any, Any] = StateGraph(ConversationState)
    steps: dict[Hashable, str] = {step: step for step in STEP_NODES}
    for step in STEP_NODES:
        node = make_step_node(step, interpreter, training=runs is not None)
        builder.add_node(step, node, destinations=(*RUN_ACTION_NODES, END))
    builder.add_node(CHECK_NODE, make_check_node(runs))
    builder.add_node("start_training", make_start_node(runs, resume=False))
    builder.add_node("resume_training", make_start_node(runs, resume=True))
    builder.add_node("stop_training", make_stop_node(runs))
    for action in RUN_ACTION_NODES:
        builder.add_edge(action, END)
    builder.add_conditional_edges(START, route_start, {**steps, CHECK_NODE: CHECK_NODE})
    builder.add_conditional_edges(CHECK_NODE, route_turn, steps)
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
