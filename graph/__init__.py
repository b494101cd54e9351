"""The training-configuration conversation as a LangGraph state machine of frozen states.

Public names: ``build_graph`` (the compiled graph, for ``langgraph dev`` and ``create_agent``),
``ConversationState`` and ``TrainingConfig`` (the frozen state and config), ``SLOT_SPECS`` /
``SlotSpec`` (every slot declared once), ``SLOTS`` (the slots as the conversation asks them), and
``TrainingRun`` / ``RunControl`` (a training run in the state, and the door the graph starts,
stops and checks runs through).

They are imported on first use, so ``import graph.config`` (which every package does) does not
pull in LangGraph.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graph.build import build_graph, state_graph
    from graph.config import TrainingConfig
    from graph.patch import TurnPatch
    from graph.run import RunControl, TrainingRun
    from graph.slot_specs import SLOT_SPECS, SlotSpec
    from graph.slots import SLOTS, Slot
    from graph.state import STEPS, ConversationState, DatasetFacts, Step

__all__ = [
    "build_graph",
    "state_graph",
    "TrainingConfig",
    "TurnPatch",
    "ConversationState",
    "DatasetFacts",
    "Step",
    "STEPS",
    "SLOT_SPECS",
    "SlotSpec",
    "SLOTS",
    "Slot",
    "TrainingRun",
    "RunControl",
]

_HOMES = {
    "build_graph": "graph.build",
    "state_graph": "graph.build",
    "TrainingConfig": "graph.config",
    "TurnPatch": "graph.patch",
    "SLOT_SPECS": "graph.slot_specs",
    "SlotSpec": "graph.slot_specs",
    "SLOTS": "graph.slots",
    "Slot": "graph.slots",
    "STEPS": "graph.state",
    "ConversationState": "graph.state",
    "DatasetFacts": "graph.state",
    "Step": "graph.state",
    "TrainingRun": "graph.run",
    "RunControl": "graph.run",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'graph' has no attribute {name!r}")
    return getattr(import_module(home), name)
