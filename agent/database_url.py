"""Which database a conversation lives in, when the caller does not say.

One rule for ``create_agent``, its training runs and every CLI command: the URL given, else
``$TRAINCHAT_DB``, else a SQLite file in the working directory. Light on purpose (no SQLAlchemy,
no LangGraph), so the CLI can resolve a URL before loading the agent.
"""

from __future__ import annotations

import os

__all__ = ["DB_ENV", "DEFAULT_DB", "database_url"]

DB_ENV = "TRAINCHAT_DB"
"""Environment variable naming the database URL when ``db`` is not given."""

DEFAULT_DB = "sqlite:///trainchat.db"
"""The embedded default: a SQLite file in the working directory."""


def database_url(db: str | None = None) -> str:
    """``db``, else ``$TRAINCHAT_DB``, else ``DEFAULT_DB`` (an empty string counts as unset)."""
    return db or os.environ.get(DB_ENV) or DEFAULT_DB
