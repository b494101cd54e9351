"""trainchat's outside: ``create_agent`` (the graph + a language model + SQL), LLM wiring, CLI.

``from agent import create_agent`` is the public entry point; see ``agent.create``.
"""

from agent.create import DB_ENV, DEFAULT_DB, TurnLockedGraph, create_agent

__all__ = ["create_agent", "TurnLockedGraph", "DB_ENV", "DEFAULT_DB"]
