"""Assembling the graph: a router at START, one node per step, every node ends the run.

One graph run is one user turn (no ``interrupt()``): ``invoke`` with the user's message, read the
reply and the new state, and the checkpoint holds everything needed for the next turn.
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from graph.nodes import TurnInterpreter, make_step_node
from graph.routing import STEP_NODES, route_turn
from graph.state import ConversationState

__all__ = ["build_graph", "state_graph", "offline_interpreter"]


def offline_interpreter() -> TurnInterpreter:
    """The default interpreter: the offline rule-based chat model, no network, no key."""
    from graph.understanding import Interpreter, OfflineChatModel

    interpreter: TurnInterpreter = Interpreter(OfflineChatModel())
    return interpreter


def state_graph(interpreter: TurnInterpreter) -> StateGraph[Any, Any, Any, Any]:
    """The uncompiled graph with ``interpreter`` behind every node."""
    builder: StateGraph[Any, Any, Any, Any] = StateGraph(ConversationState)
    for step in STEP_NODES:
        builder.add_node(step, make_step_node(step, interpreter))
        builder.add_edge(step, END)
    builder.add_conditional_edges(START, route_turn, {step: step for step in STEP_NODES})
    return builder


def build_graph(
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    *,
    interpreter: TurnInterpreter | None = None,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The compiled conversation graph.

    Without ``checkpointer`` it is compiled without one, which is what ``langgraph dev`` and
    LangGraph Platform need (they attach their own). ``interpreter`` defaults to the offline
    parser so the graph works with no key and no network.
    """
    return state_graph(interpreter or offline_interpreter()).compile(checkpointer=checkpointer)
