"""A real StateGraph persisted by SQLSaver: history, time travel, forks, sync and async."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from langchain_core.messages import HumanMessage

from storage import SQLSaver
from tests.storage.graphs import build_turn_graph, config_for


def _run_turns(graph: Any, thread: str, items: list[str]) -> None:
    for item in items:
        graph.invoke(
            {"items": [item], "messages": [HumanMessage(content=item)]}, config_for(thread)
        )


def test_history_time_travel_and_forks(saver: SQLSaver) -> None:
    """Three turns; history is complete; a turn replayed from an old checkpoint forks the
    thread without touching what was there; update_state forks as well."""
    graph = build_turn_graph(saver)
    _run_turns(graph, "t", ["a", "b", "c"])
    state = graph.get_state(config_for("t"))
    assert state.values["items"] == ["a", "b", "c"]
    assert state.values["turns"] == 3
    assert [m.content for m in state.values["messages"]] == [
        "a",
        "noted a",
        "b",
        "noted b",
        "c",
        "noted c",
    ]

    history = list(graph.get_state_history(config_for("t")))
    assert len(history) == 3 * 4  # input, record, reply, end-of-turn per invoke... see below
    ids = [snap.config["configurable"]["checkpoint_id"] for snap in history]
    assert ids == sorted(ids, reverse=True)
    # every checkpoint's parent is the next older one: a single unforked line
    for newer, older in zip(history, history[1:], strict=False):
        assert newer.parent_config is not None
        assert (
            newer.parent_config["configurable"]["checkpoint_id"]
            == (older.config["configurable"]["checkpoint_id"])
        )

    # time travel: the state right after the first turn finished
    after_first = next(s for s in history if s.values.get("items") == ["a"] and not s.next)
    forked = graph.invoke({"items": ["x"]}, after_first.config)
    assert forked["items"] == ["a", "x"]
    assert graph.get_state(config_for("t")).values["items"] == ["a", "x"]
    # the old branch is still stored, unchanged
    old_head = graph.get_state(history[0].config)
    assert old_head.values["items"] == ["a", "b", "c"]

    # update_state from an old checkpoint is another fork
    forked_config = graph.update_state(after_first.config, {"items": ["edited"]})
    assert graph.get_state(forked_config).values["items"] == ["a", "edited"]
    assert graph.get_state(history[0].config).values["items"] == ["a", "b", "c"]
    assert len(list(graph.get_state_history(config_for("t")))) > len(history)


async def test_async_graph_and_sync_reads_agree(saver: SQLSaver) -> None:
    """ainvoke through the async engine; the sync side sees the same state."""
    graph = build_turn_graph(saver)
    for item in ("one", "two"):
        await graph.ainvoke({"items": [item]}, config_for("async"))
    state = await graph.aget_state(config_for("async"))
    assert state.values["items"] == ["one", "two"]
    assert graph.get_state(config_for("async")).values == state.values
    history = [s async for s in graph.aget_state_history(config_for("async"))]
    first = next(s for s in history if s.values.get("items") == ["one"] and not s.next)
    await graph.ainvoke({"items": ["three"]}, first.config)
    assert (await graph.aget_state(config_for("async"))).values["items"] == ["one", "three"]
    await saver.aclose()


@contextmanager
def _driver_statements(saver: SQLSaver) -> Iterator[list[str]]:
    """Every statement the database driver sends, whichever path in the saver sent it.

    Watched below SQLAlchemy, so the saver runs exactly as in production (no statement
    listener is installed): SQLite's own trace callback; libpq's protocol trace on PostgreSQL
    (its Query and Parse messages carry the SQL); on MariaDB/MySQL, PyMySQL has no trace
    hook, so each new connection's ``query`` — the one call through which every cursor
    ``execute`` and ``executemany`` sends its SQL to the server — records what it sends."""
    statements: list[str] = []
    backend = saver.engine.dialect.name
    traced: list[Any] = []
    with tempfile.TemporaryFile("w+") as trace:

        def watch(dbapi_connection: Any, _record: Any) -> None:
            if backend == "sqlite":
                dbapi_connection.set_trace_callback(statements.append)
            elif backend in ("mysql", "mariadb"):
                dbapi_connection.query = _recording(dbapi_connection.query, statements)
            else:
                dbapi_connection.pgconn.trace(trace.fileno())
                traced.append(dbapi_connection)

        saver.engine.dispose()  # new connections from here on, each watched
        sa.event.listen(saver.engine, "connect", watch)
        try:
            yield statements
        finally:
            sa.event.remove(saver.engine, "connect", watch)
            for dbapi_connection in traced:
                if not dbapi_connection.closed:
                    dbapi_connection.pgconn.untrace()
            saver.engine.dispose()
        trace.seek(0)
        for line in trace:
            found = re.search(r"\t(?:Query|Parse)\t\d*\s*(?:\"[^\"]*\"\s+)?\"(.*)", line)
            if found:
                statements.append(found.group(1))


def _recording(query: Any, statements: list[str]) -> Any:
    """PyMySQL's ``Connection.query``, recording each SQL text before sending it."""

    def recorded(sql: str | bytes | bytearray, unbuffered: bool = False) -> Any:
        text = sql if isinstance(sql, str) else bytes(sql).decode("utf-8", "replace")
        statements.append(text)
        return query(sql, unbuffered)

    return recorded


def test_no_update_statement_is_ever_issued(saver: SQLSaver) -> None:
    """Over a whole graph life (turns, forks, update_state, copy, prune, delete), the saver
    issues INSERT, SELECT and DELETE only: no row is ever modified in place. Watched at the
    driver, on the production path."""
    assert not saver.engine.dispatch.before_cursor_execute  # nothing changes the path
    with _driver_statements(saver) as statements:
        graph = build_turn_graph(saver)
        _run_turns(graph, "u", ["a", "b"])
        history = list(graph.get_state_history(config_for("u")))
        graph.invoke({"items": ["fork"]}, history[-2].config)
        graph.update_state(config_for("u"), {"items": ["manual"]})
        saver.copy_thread("u", "u2")
        saver.prune(["u2"], strategy="keep_latest")
        saver.delete_thread("u2")
    flat = [" ".join(s.split()) for s in statements]
    ours = [s for s in flat if "trainchat_" in s]
    verbs = {s.split(None, 1)[0].upper() for s in ours}
    assert ours and "UPDATE" not in verbs, verbs
    assert not any("UPDATE " in s.upper() and "FOR UPDATE" not in s.upper() for s in ours)
    assert {"INSERT", "SELECT", "DELETE"} <= verbs | {"WITH"}
    # the hot path (put, put_writes, get_tuple) was watched too, not only maintenance
    for table in ("trainchat_writes", "trainchat_checkpoints", "trainchat_blobs"):
        assert any(table in s and "INSERT" in s.upper() for s in ours), table


async def test_no_update_statement_through_the_async_engine(saver: SQLSaver) -> None:
    """The same guarantee for ainvoke, aupdate_state and the async maintenance methods."""
    statements: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = (await saver.async_engines.current()).sync_engine
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        graph = build_turn_graph(saver)
        for item in ("a", "b"):
            await graph.ainvoke({"items": [item]}, config_for("au"))
        await graph.aupdate_state(config_for("au"), {"items": ["manual"]})
        await saver.acopy_thread("au", "au2")
        await saver.aprune(["au2"])
        await saver.adelete_thread("au2")
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)
    verbs = {s.lstrip().split(None, 1)[0].upper() for s in statements}
    assert statements and "UPDATE" not in verbs, verbs
    await saver.aclose()
