"""trainchat's outside: ``create_agent`` (the graph + a language model + SQL), LLM wiring, CLI.

``from agent import create_agent`` is the public entry point; see ``agent.create``. Names are
imported on first use, so ``trainchat --help`` (which imports ``agent.cli``) does not load
LangGraph, LangChain or SQLAlchemy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.create import DB_ENV, DEFAULT_DB, TurnLockedGraph, create_agent

__all__ = ["create_agent", "TurnLockedGraph", "DB_ENV", "DEFAULT_DB"]


def __getattr__(name: str) -> Any:
    """Import a public name from ``agent.create`` the first time it is asked for."""
    if name not in __all__:
        raise AttributeError(f"module 'agent' has no attribute {name!r}")
    return getattr(import_module("agent.create"), name)
