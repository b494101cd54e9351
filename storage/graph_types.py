"""The types a LangGraph graph declares in its schemas: what ``SQLSaver`` lets it load.

LangGraph's strict msgpack mode (``LANGGRAPH_STRICT_MSGPACK``) gives each compiled graph a
serializer that also allows the types of its own schemas (state, input, output, context, node
inputs, channel value types), derived at compile time by ``build_serde_allowlist``. Without
that environment variable LangGraph derives nothing, yet ``SQLSaver``'s serializer is always
strict, so a user's graph whose state holds its own pydantic model or dataclass would be
refused.

``SQLSaver`` closes the gap when a load is refused: it looks for the LangGraph graphs on the
call stack — the graph (and parent graphs) whose ``invoke``, ``stream`` or ``get_state`` is
loading — and derives their allow-list with LangGraph's own function. If the refused type is
one of theirs, the saver adopts that allow-list and loads again; otherwise the refusal stands.
So the guarantee is LangGraph's: a stored value can construct only a type the safe list or a
graph using this saver declares, never an arbitrary importable class. The walk runs once per
newly seen type, not per load.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Iterable
from typing import Any

from langgraph.pregel import Pregel

__all__ = ["LANGCHAIN_TYPES", "calling_graph_types", "declared_types"]

try:  # LangGraph's own derivation, so ours allows exactly what its strict mode would.
    from langgraph._internal._serde import build_serde_allowlist
except ImportError:  # pragma: no cover - a LangGraph without it: derive nothing, fail closed
    build_serde_allowlist = None  # type: ignore[assignment]

LANGCHAIN_TYPES: tuple[tuple[str, str], ...] = (
    ("langchain_core.agents", "AgentAction"),
    ("langchain_core.agents", "AgentActionMessageLog"),
    ("langchain_core.agents", "AgentStep"),
    ("langchain_core.agents", "AgentFinish"),
)
"""LangChain types agents keep in state that LangGraph's safe list lacks (its messages are in
it already)."""

_Graph = Pregel[Any, Any, Any, Any]

_cache: weakref.WeakKeyDictionary[_Graph, frozenset[tuple[str, ...]]] = weakref.WeakKeyDictionary()


def declared_types(graph: _Graph) -> frozenset[tuple[str, ...]]:
    """The ``(module, name)`` pairs ``graph``'s schemas and channels declare."""
    found = _cache.get(graph)
    if found is not None:
        return found
    preset = getattr(graph, "_serde_allowlist", None)  # set under LANGGRAPH_STRICT_MSGPACK
    if preset is not None:
        found = frozenset(preset)
    elif build_serde_allowlist is None:
        found = frozenset()
    else:
        found = frozenset(
            build_serde_allowlist(schemas=_schemas(graph), channels=dict(graph.channels))
        )
    _cache[graph] = found
    return found


def _schemas(graph: _Graph) -> list[Any]:
    """The schemas ``StateGraph.compile`` derives the allow-list from (none for a Pregel
    built another way: its channels' value types still count)."""
    builder = getattr(graph, "builder", None)
    if builder is None:
        return []
    schemas: list[Any] = [
        getattr(builder, name, None)
        for name in ("state_schema", "input_schema", "output_schema", "context_schema")
    ]
    schemas.extend(node.input_schema for node in getattr(builder, "nodes", {}).values())
    for branches in getattr(builder, "branches", {}).values():
        schemas.extend(branch.input_schema for branch in branches.values())
    return [schema for schema in schemas if schema is not None]


def calling_graph_types() -> frozenset[tuple[str, ...]]:
    """What every LangGraph graph on the current call stack declares (empty if none).

    A sync call's stack, and a coroutine's chain of awaiting coroutines, both reach the
    ``Pregel`` method that asked the saver to load."""
    return frozenset().union(*(declared_types(graph) for graph in _graphs_on_stack()))


def _graphs_on_stack() -> Iterable[_Graph]:
    seen: set[int] = set()
    frame = inspect.currentframe()
    while frame is not None:
        candidate = frame.f_locals.get("self")
        if isinstance(candidate, Pregel) and id(candidate) not in seen:
            seen.add(id(candidate))
            yield candidate
        frame = frame.f_back
