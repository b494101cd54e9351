"""SQLite's hot calls on the saver's own stack of connections, one-statement writes bare.

``put``, ``put_writes`` and ``get_tuple`` run on driver connections taken from a stack of idle
ones (``storage.sqlite_connections``); these tests watch the real connections SQLite sees.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from langgraph.checkpoint.conformance.test_utils import generate_config

from storage import SQLSaver
from storage.sqlite_connections import MAX_IDLE
from tests.databases import sqlite_url
from tests.storage.checkpoints import put_values


@pytest.fixture
def sqlite_saver(tmp_path: Any) -> Iterator[SQLSaver]:
    with SQLSaver.from_url(sqlite_url(tmp_path)) as saver:
        saver.setup()
        yield saver


def _watch(saver: SQLSaver) -> tuple[list[Any], list[str]]:
    """New driver connections of the saver's engine, and every statement they run."""
    opened: list[Any] = []
    statements: list[str] = []

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        opened.append(dbapi_connection)
        dbapi_connection.set_trace_callback(statements.append)

    saver.engine.dispose()  # closes the thread connections too: new ones from here on
    sa.event.listen(saver.engine, "connect", on_connect)
    return opened, statements


def test_calls_reuse_connections_even_from_short_lived_threads(sqlite_saver: SQLSaver) -> None:
    """LangGraph writes from executor threads that live one invoke: no connection per thread."""
    opened, _ = _watch(sqlite_saver)
    config = put_values(sqlite_saver, "mine", {"v": [1]})
    for n in range(20):
        sqlite_saver.put_writes(config, [("v", n)], f"task-{n}")
        assert sqlite_saver.get_tuple(config) is not None
    assert len(opened) == 1

    def work(name: str) -> None:
        stored = put_values(sqlite_saver, name, {"v": [name]})
        sqlite_saver.put_writes(stored, [("v", name)], "task")
        assert sqlite_saver.get_tuple(stored) is not None

    for n in range(10):  # one after the other, each on a new thread
        worker = threading.Thread(target=work, args=(f"t{n}",))
        worker.start()
        worker.join()
    assert len(opened) == 1
    together = [threading.Thread(target=work, args=(f"u{n}",)) for n in range(4)]
    for worker in together:
        worker.start()
    for worker in together:
        worker.join()
    assert 1 <= len(opened) <= 1 + MAX_IDLE


def test_close_closes_every_connection(sqlite_saver: SQLSaver) -> None:
    opened, _ = _watch(sqlite_saver)
    put_values(sqlite_saver, "a", {"v": [1]})
    worker = threading.Thread(target=put_values, args=(sqlite_saver, "b", {"v": [2]}))
    worker.start()
    worker.join()
    sqlite_saver.close()
    for connection in opened:
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            connection.execute("SELECT 1")
    # A closed saver's engine reopens on use, as SQLAlchemy engines do.
    assert sqlite_saver.get_tuple(generate_config("a")) is not None


def test_one_statement_writes_need_no_transaction_and_longer_ones_are_one(
    sqlite_saver: SQLSaver,
) -> None:
    _, statements = _watch(sqlite_saver)
    config = put_values(sqlite_saver, "t", {"v": [1]})  # a blob, then the checkpoint row
    put_statements = list(statements)
    statements.clear()
    sqlite_saver.put_writes(config, [("v", 2)], "task")
    inserts = [s for s in put_statements if s.startswith("INSERT")]
    assert len(inserts) == 2
    assert put_statements[put_statements.index(inserts[0]) - 1] == "BEGIN IMMEDIATE"
    assert put_statements[-1] == "COMMIT"
    assert [s.split()[0] for s in statements if not s.startswith("PRAGMA")] == ["INSERT"]


def _child_round_trip(url: str, done: Any) -> None:
    saver = SQLSaver.from_url(url)
    config = put_values(saver, "child", {"v": ["from the child"]})
    found = saver.get_tuple(config)
    done.put(found.checkpoint["channel_values"]["v"] if found else None)


def test_a_forked_child_opens_its_own_connection(sqlite_saver: SQLSaver) -> None:
    """A connection must never cross a fork: the child's calls open their own."""
    config = put_values(sqlite_saver, "parent", {"v": ["before"]})
    context = multiprocessing.get_context("fork")
    done = context.Queue()

    def in_child() -> None:
        found = sqlite_saver.get_tuple(config)
        stored = put_values(sqlite_saver, "forked", {"v": ["in the child"]})
        again = sqlite_saver.get_tuple(stored)
        done.put(
            (
                found.checkpoint["channel_values"]["v"] if found else None,
                again.checkpoint["channel_values"]["v"] if again else None,
            )
        )

    child = context.Process(target=in_child)
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert done.get(timeout=5) == (["before"], ["in the child"])
    found = sqlite_saver.get_tuple(generate_config("forked"))
    assert found is not None and found.checkpoint["channel_values"]["v"] == ["in the child"]
    assert sqlite_saver.get_tuple(config) is not None
