"""SQLite driver connections for the hot calls, handed out without SQLAlchemy's pool.

``put``, ``put_writes`` and ``get_tuple`` on SQLite spend ~20-50 µs in SQLite itself; checking a
connection out of SQLAlchemy's pool and back in (queue, fairy objects, events, the
reset-on-return rollback) cost another ~25 µs on every call. These calls therefore take a
connection from a plain stack of idle ones (one lock, no events) and put it back. Each was
opened by the engine (so every ``connect`` listener — WAL, busy timeout, a test's trace
callback — ran on it) and then detached from SQLAlchemy's pool, so the stack never holds
connections the pool counts as in use. A connection serves one call at a time; SQLAlchemy
opens SQLite files with ``check_same_thread=False``, so the next call may come from another
thread. A stack rather than one connection per thread: LangGraph runs a graph's writes on
executor threads that live for one invoke, and a connection per thread would be opened
(~0.3 ms: WAL check, pragmas) again on every invoke.

Lifetime: the stack keeps at most ``MAX_IDLE`` connections (more are closed when returned);
disposing the engine (``SQLSaver.close`` does) closes the idle ones at once and every busy one
when it comes back. After ``os.fork`` a child never touches a connection opened by its parent:
SQLite forbids carrying one across a fork; the child opens its own and leaves those unclosed.
Only SQLite uses this: on a server a connection outside the pool would escape its size limit.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

__all__ = ["MAX_IDLE", "SQLiteConnections", "sqlite_connections"]

MAX_IDLE = 16
"""Idle connections kept per engine (as many as calls ever ran at once, up to this)."""

_inherited: list[Any] = []
"""Connections a forked child found in its parent's stack: kept, never used or closed."""


def _close(connection: Any) -> None:
    with contextlib.suppress(Exception):  # already broken: nothing left to release
        connection.close()


class SQLiteConnections:
    """The idle hot-path connections of one SQLite engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = weakref.ref(engine)
        self._idle: list[Any] = []
        self._guard = threading.Lock()
        self._pid = os.getpid()
        self._generation = 0

    def acquire(self) -> tuple[Any, int]:
        """An idle connection (or a new one), and the generation to give back with it."""
        with self._guard:
            if self._pid != os.getpid():
                _inherited.extend(self._idle)
                self._idle, self._pid = [], os.getpid()
            if self._idle:
                return self._idle.pop(), self._generation
            generation = self._generation
        engine = self._engine()
        if engine is None:
            raise RuntimeError("the engine of these connections is gone")
        fairy = engine.raw_connection()
        fairy.detach()  # ours from now on: the pool forgets it and never counts it
        return fairy.dbapi_connection, generation

    def release(self, connection: Any, generation: int, *, broken: bool = False) -> None:
        """Give ``connection`` back (closed instead if broken, stale or one too many)."""
        with self._guard:
            keep = (
                not broken
                and generation == self._generation
                and self._pid == os.getpid()
                and len(self._idle) < MAX_IDLE
            )
            if keep:
                self._idle.append(connection)
                return
        if self._pid == os.getpid():
            _close(connection)

    def close_all(self) -> None:
        """Close the idle connections now, and the busy ones when they are given back."""
        with self._guard:
            idle, self._idle = self._idle, []
            self._generation += 1
            mine = self._pid == os.getpid()
        if mine:
            for connection in idle:
                _close(connection)


_by_engine: weakref.WeakKeyDictionary[sa.Engine, SQLiteConnections] = weakref.WeakKeyDictionary()
_by_engine_guard = threading.Lock()


def sqlite_connections(engine: sa.Engine) -> SQLiteConnections:
    """The hot-path connections of ``engine``, closed whenever the engine is disposed."""
    found = _by_engine.get(engine)
    if found is not None:
        return found
    with _by_engine_guard:
        found = _by_engine.get(engine)
        if found is None:
            found = _by_engine[engine] = SQLiteConnections(engine)
            event.listen(engine, "engine_disposed", _close_on_dispose)
    return found


def _close_on_dispose(engine: sa.Engine) -> None:
    found = _by_engine.get(engine)
    if found is not None:
        found.close_all()
