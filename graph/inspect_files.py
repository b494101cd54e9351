"""``inspect_files``: the node that looks at the files a message names — a dataset folder, a
weights file — before the act uses what it found.

Why a node of its own: reading a folder is I/O (it is bounded by an environment variable's roots
and a wall-clock budget, ``graph.datasets.inspect_dataset``), and a turn that reads the disk in
the middle of applying values could not be tested, replayed or forked as a function of its
input. Here the reading happens once, in one named place on the drawing; the findings go into the
turn's fields, and the act (``apply_patch``, ``undo``) decides what they mean. The paths were
named before by ``graph.turn_plan``; a turn that names no file never comes here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from langchain_core.runnables import RunnableLambda
from langgraph.types import Command

from graph.routing import INSPECT_NODE
from graph.state import ConversationState
from graph.steps import rules

__all__ = ["make_inspect_node", "inspect_files"]


def inspect_files(state: ConversationState) -> dict[str, Any]:
    """Inspect every folder and look for every weights file ``state.turn`` names."""
    turn = state.turn
    if turn is None:
        return {}
    datasets = tuple(rules.inspect_path(path, turn.lang) for path in turn.inspect)
    present = tuple(path for path in turn.weights if rules.weights_file_exists(path))
    return {"turn": turn.model_copy(update={"datasets": datasets, "weights_present": present})}


def make_inspect_node(route: Callable[[ConversationState], str]) -> RunnableLambda[Any, Any]:
    """The node, going on to the node ``route`` names; async graphs read the disk in a worker
    thread, off the event loop."""

    def run(state: ConversationState) -> Command[Any]:
        update = inspect_files(state)
        return Command(update=update, goto=route(state.model_copy(update=update)))

    async def arun(state: ConversationState) -> Command[Any]:
        return await asyncio.to_thread(run, state)

    return RunnableLambda(run, afunc=arun, name=INSPECT_NODE)
