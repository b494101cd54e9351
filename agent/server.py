"""The graph ``langgraph dev`` (and LangGraph Platform) serve: see ``langgraph.json``.

The server attaches its own persistence, so this graph is compiled *without* a checkpointer
(``graph.build_graph()``), with the offline parser behind it: it works with no key and no
network. This module exists because langgraph-api calls a factory with the run's config as its
one parameter, and ``build_graph``'s parameters (``checkpointer``, ``interpreter``) mean
something else; a ready graph object sidesteps that.
"""

from __future__ import annotations

from graph.build import build_graph

__all__ = ["graph"]

graph = build_graph()
"""The conversation graph, compiled without a checkpointer, for the LangGraph server."""
