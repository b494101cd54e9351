"""One SQLite driver connection per thread for the hot calls, instead of a pool check-out each.

``put``, ``put_writes`` and ``get_tuple`` on SQLite spend ~50 µs in SQLite itself; checking a
connection out of SQLAlchemy's pool and back in (queue, events, reset-on-return rollback)
cost another ~25 µs on every call. Each thread therefore keeps one connection of its own,
taken from the engine once (so every ``connect`` listener — WAL, busy timeout, a test's trace
callback — has run on it) and detached from the pool, so threads never exhaust the pool by
holding connections. A connection is only ever used by the thread that opened it.

Lifetime: a thread's connection closes when the thread ends (with the thread-local holding
it), when the engine is disposed (``SQLSaver.close`` disposes it; the
``engine_disposed`` event closes every thread's connection), or when it turned out broken.
After ``os.fork`` a child never touches a connection inherited from its parent: SQLite forbids
carrying one across a fork; the child opens its own, and leaves the inherited one unclosed.
Only SQLite uses this: a server connection per thread would let a busy process open more
connections than its pool allows.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

__all__ = ["ThreadConnections", "thread_connections"]


class _Held:
    """A thread's connection and the process that opened it."""

    __slots__ = ("__weakref__", "connection", "pid")

    def __init__(self, connection: Any) -> None:
        self.connection: Any = connection
        self.pid = os.getpid()

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None or self.pid != os.getpid():
            return
        with contextlib.suppress(Exception):  # already broken, or busy in another thread
            connection.close()

    def __del__(self) -> None:  # its thread ended (thread-locals go with it), or the engine
        self.close()


_inherited: list[Any] = []
"""Connections a forked child found in its thread-locals: kept, never used or closed."""


class ThreadConnections:
    """The per-thread driver connections of one engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = weakref.ref(engine)
        self._local = threading.local()
        self._all: weakref.WeakSet[_Held] = weakref.WeakSet()
        self._guard = threading.Lock()

    def get(self) -> Any:
        """This thread's driver connection, opened on first use."""
        held: _Held | None = getattr(self._local, "held", None)
        if held is not None and held.connection is not None:
            if held.pid == os.getpid():
                return held.connection
            _inherited.append(held.connection)
        engine = self._engine()
        if engine is None:
            raise RuntimeError("the engine of these connections is gone")
        fairy = engine.raw_connection()
        fairy.detach()  # ours from now on: the pool forgets it and never counts it
        held = _Held(fairy.dbapi_connection)
        self._local.held = held
        with self._guard:
            self._all.add(held)
        return held.connection

    def discard(self) -> None:
        """Close this thread's connection (it failed); the next ``get`` opens a new one."""
        held: _Held | None = getattr(self._local, "held", None)
        if held is not None:
            held.close()

    def close_all(self) -> None:
        """Close every thread's connection (each thread opens a new one if it goes on)."""
        with self._guard:
            every = list(self._all)
        for held in every:
            held.close()


_by_engine: weakref.WeakKeyDictionary[sa.Engine, ThreadConnections] = weakref.WeakKeyDictionary()
_by_engine_guard = threading.Lock()


def thread_connections(engine: sa.Engine) -> ThreadConnections:
    """The per-thread connections of ``engine``, closed whenever the engine is disposed."""
    found = _by_engine.get(engine)
    if found is not None:
        return found
    with _by_engine_guard:
        found = _by_engine.get(engine)
        if found is None:
            found = _by_engine[engine] = ThreadConnections(engine)
            event.listen(engine, "engine_disposed", _close_on_dispose)
    return found


def _close_on_dispose(engine: sa.Engine) -> None:
    found = _by_engine.get(engine)
    if found is not None:
        found.close_all()
