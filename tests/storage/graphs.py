"""Small real LangGraph graphs the storage tests run against ``SQLSaver``."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AIMessage, AnyMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph

__all__ = ["TurnState", "build_turn_graph", "config_for"]


class TurnState(TypedDict, total=False):
    """A conversation: every turn appends to ``items`` and adds a reply message."""

    items: Annotated[list[str], operator.add]
    messages: Annotated[list[AnyMessage], add_messages]
    turns: int
    last: str


def _record(state: TurnState) -> dict[str, Any]:
    return {"turns": state.get("turns", 0) + 1}


def _reply(state: TurnState) -> dict[str, Any]:
    latest = state["items"][-1] if state.get("items") else ""
    return {"messages": [AIMessage(content=f"noted {latest}")], "last": latest}


def build_turn_graph(checkpointer: BaseCheckpointSaver[Any]) -> CompiledStateGraph[Any]:
    """START -> record -> reply -> END, persisted by ``checkpointer``."""
    graph = StateGraph(TurnState)
    graph.add_node("record", _record)
    graph.add_node("reply", _reply)
    graph.add_edge(START, "record")
    graph.add_edge("record", "reply")
    graph.add_edge("reply", END)
    return graph.compile(checkpointer=checkpointer)


def config_for(thread_id: str) -> Any:
    """The config that addresses one conversation."""
    return {"configurable": {"thread_id": thread_id}}
