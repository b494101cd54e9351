"""A pytest plugin, loaded into a run of LangGraph's own test suite, that swaps its SQLite
checkpointers for ``SQLSaver``.

LangGraph's ``tests/conftest.py`` picks a checkpointer by fixture parameter (``sqlite`` for
the sync fixture, ``sqlite_aio`` for the async one) through two factory functions it imports
from ``tests/conftest_checkpointer.py``. This plugin replaces those two names in the loaded
conftest, so the very tests that run ``SqliteSaver`` run ``SQLSaver`` instead, on the database
named by ``TRAINCHAT_SUITE_BACKEND`` (``sqlite``, ``postgres`` or ``mariadb``; ``reference``
leaves LangGraph's own ``SqliteSaver`` in place, to learn what passes with it).

Server backends use one database for the whole run (creating one per test would cost more than
most tests), emptied before each test.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

BACKEND = os.environ.get("TRAINCHAT_SUITE_BACKEND", "reference")
_state: dict[str, Any] = {}


def _url() -> str:
    if BACKEND == "sqlite":
        directory = tempfile.mkdtemp(prefix="tc_suite_")
        return f"sqlite:///{os.path.join(directory, 'suite.db')}"
    return str(_state["url"])


def _empty(url: str) -> None:
    """Delete every row the previous test left (servers share one database per run)."""
    if BACKEND == "sqlite":
        return
    from storage.schema import PREFIX, metadata_obj

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            for table in reversed(metadata_obj.sorted_tables):
                if table.name.startswith(PREFIX) and "migration" not in table.name:
                    conn.execute(table.delete())
    finally:
        engine.dispose()


@contextmanager
def _sqlsaver() -> Iterator[Any]:
    from storage import SQLSaver

    url = _url()
    saver = SQLSaver.from_url(url)
    saver.setup()
    _empty(url)
    try:
        yield saver
    finally:
        saver.close()


@asynccontextmanager
async def _asqlsaver() -> AsyncIterator[Any]:
    from storage import SQLSaver

    url = _url()
    saver = SQLSaver.from_url(url)
    await saver.asetup()
    _empty(url)
    try:
        yield saver
    finally:
        await saver.aclose()


def pytest_configure(config: pytest.Config) -> None:
    """Swap the checkpointers (the suite's conftest is loaded by now)."""
    if BACKEND == "reference":
        return
    if BACKEND != "sqlite":
        # The project's own helper, loaded by path: ``tests`` is LangGraph's package here.
        spec = importlib.util.spec_from_file_location(
            "trainchat_test_databases", os.environ["TRAINCHAT_SUITE_DATABASES"]
        )
        assert spec is not None and spec.loader is not None
        databases = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(databases)
        server_database = databases.server_database

        stack = ExitStack()
        _state["stack"] = stack
        _state["url"] = stack.enter_context(server_database(BACKEND))
    conftest = sys.modules["tests.conftest"]
    conftest._checkpointer_sqlite = _sqlsaver  # type: ignore[attr-defined]
    conftest._checkpointer_sqlite_aio = _asqlsaver  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    """Drop the run's server database."""
    stack = _state.pop("stack", None)
    if stack is not None:
        stack.close()
