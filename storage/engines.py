"""Engines: one sync engine and, per running event loop, one async engine on the same database.

An asyncio connection belongs to the loop that opened it, so a single ``AsyncEngine`` reused
from a second loop (a second ``asyncio.run``, a worker thread's loop) fails or hangs. The saver
therefore keeps one async engine per loop (``LoopEngines``). The sync engine never touches a
loop, which is why a sync method called from inside a coroutine cannot deadlock.

SQLite gets WAL (readers never wait for the writer), a busy timeout, and ``BEGIN IMMEDIATE``
for write transactions, so two writers queue on the busy timeout instead of failing with
"database is locked" when a read transaction tries to upgrade. ``synchronous=NORMAL`` is
SQLite's recommended setting for WAL: a committed transaction survives the process being
killed, and the file is never corrupted; only an OS crash or power cut can roll back the last
commits. ``FULL`` would fsync on every commit (~2.5 ms each on this machine's disk, 300x
slower) — set ``SQLITE_SYNCHRONOUS`` to ``"FULL"`` where power cuts matter more than speed.

Server connections die under the pool (a restart, a failover, an idle timeout, a killed
backend). Each pooled connection is therefore pinged before use when it may be dead: when it
sat idle for ``PING_AFTER_IDLE_S`` or more, or when it was pooled before a disconnect was seen
on its engine (``distrust_pooled_connections``). A failed ping replaces every older connection
of the pool, so the caller gets a live one. Connections reused within a second (a busy saver)
skip the round trip: SQLAlchemy's ``pool_pre_ping`` costs one ``SELECT 1`` (~20 µs on
localhost, ~4 % of a PostgreSQL ``put``) on every checkout. The rare connection that dies
between the check and its use is retried by the runner (``storage.runner``). The turn-lock pool
pings on every checkout (``pool_pre_ping``): it is used once per turn.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import AsyncGenerator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.urls import async_url, is_memory_sqlite, sync_url

__all__ = [
    "WRITE",
    "LoopEngines",
    "autocommit",
    "create_sync_engine",
    "distrust_pooled_connections",
    "lock_engine_for",
    "prepare_engine",
    "sqlite_writer_lock",
]

WRITE = {"trainchat_write": True}
"""Execution options of a write transaction (``BEGIN IMMEDIATE`` on SQLite)."""

PING_AFTER_IDLE_S = 1.0
"""A pooled server connection idle this long is pinged before it is handed out."""

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_SYNCHRONOUS = "NORMAL"

_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()


def _enable_wal(cursor: Any) -> None:
    """Switch the file to WAL once. The switch needs the file to itself and does not wait on
    the busy timeout, so processes opening a new database together retry it briefly; the
    mode is stored in the file, and every later connection finds it already set."""
    for attempt in range(100):
        cursor.execute("PRAGMA journal_mode")
        if str(cursor.fetchone()[0]).lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
        except Exception as error:  # sqlite3.OperationalError: database is locked
            if "locked" not in str(error) or attempt == 99:
                raise
            time.sleep(0.01 + 0.002 * attempt)


def sqlite_writer_lock(engine: sa.Engine) -> threading.Lock | None:
    """The in-process queue for writers of one SQLite file (None for other databases).

    SQLite admits one writer at a time whatever we do. Without this lock, two threads of one
    process that write at once meet in SQLite's busy handler, which sleeps in steps of up to
    100 ms before retrying — a LangGraph run, whose writes come from background threads,
    would stall on it. With it they queue and proceed the moment the writer commits. Readers
    never take it (WAL lets them run beside the writer), and other processes still queue on
    the busy timeout. Server databases get no lock at all.
    """
    if engine.dialect.name != "sqlite":
        return None
    key = str(engine.url.database)
    with _writer_locks_guard:
        return _writer_locks.setdefault(key, threading.Lock())


_CHECKED_IN = "trainchat_checked_in"
_distrusted_since: weakref.WeakKeyDictionary[sa.Pool, float] = weakref.WeakKeyDictionary()


def distrust_pooled_connections(engine: sa.Engine) -> None:
    """Ping every connection ``engine``'s pool holds now before its next use.

    Called when a statement found its connection dead: the server most likely dropped the
    others too (a restart kills them all), and each would otherwise fail one more call.
    """
    _distrusted_since[engine.pool] = time.monotonic()


def _install_ping(engine: sa.Engine) -> None:
    """Ping a pooled server connection on checkout when it may be dead (module docstring)."""
    pool = engine.pool
    if getattr(pool, "_trainchat_ping", False):
        return
    dialect = engine.dialect

    @event.listens_for(pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in = record.info.pop(_CHECKED_IN, None)
        if checked_in is None:  # a new connection
            return
        fresh = time.monotonic() - checked_in < PING_AFTER_IDLE_S
        if fresh and checked_in > _distrusted_since.get(pool, 0.0):
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            # The pool replaces this connection and every one pooled before it.
            raise sa.exc.InvalidatePoolError(f"pooled connection is dead: {error}") from error

    pool._trainchat_ping = True  # type: ignore[attr-defined]


def prepare_engine(engine: sa.Engine) -> sa.Engine:
    """Install the saver's connection handling on ``engine``: the SQLite settings, or on a
    server the ping of pooled connections that may have died (module docstring)."""
    if engine.dialect.name != "sqlite":
        _install_ping(engine)
        return engine
    if getattr(engine, "_trainchat_prepared", False):
        return engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN, not the driver's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        _enable_wal(cursor)
        cursor.execute(f"PRAGMA synchronous = {SQLITE_SYNCHRONOUS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        write = connection.get_execution_options().get("trainchat_write", False)
        # Straight on the driver cursor: this runs before every write, and SQLAlchemy's
        # statement machinery would cost more than the BEGIN itself.
        statement = "BEGIN IMMEDIATE" if write else "BEGIN"
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(statement)
        except connection.dialect.loaded_dbapi.Error as error:
            # Raised as SQLAlchemy would, so "database is locked" is retried by the runner.
            dbapi_error = connection.dialect.loaded_dbapi.Error
            raise sa.exc.DBAPIError.instance(statement, None, error, dbapi_error) from error
        finally:
            cursor.close()

    engine._trainchat_prepared = True  # type: ignore[attr-defined]
    return engine


def _check_url(url: str | sa.URL) -> None:
    if is_memory_sqlite(url):
        raise ValueError(
            "an in-memory SQLite database cannot be shared by the sync and async engines; "
            "use a file, e.g. sqlite:///trainchat.db"
        )


def _server_defaults(url: sa.URL, engine_kwargs: dict[str, Any]) -> dict[str, Any]:
    """Autocommit on servers: a one-statement write or a read then needs no BEGIN and COMMIT
    round trips; plans that need a transaction open one explicitly (``runner.atomic``)."""
    kwargs = dict(engine_kwargs)
    if url.get_backend_name() != "sqlite":
        kwargs.setdefault("isolation_level", "AUTOCOMMIT")
    if url.get_backend_name() in ("mysql", "mariadb"):
        kwargs.setdefault("pool_recycle", 3600)
    return kwargs


def autocommit(engine: sa.Engine) -> sa.Engine:
    """``engine`` in the autocommit mode the saver expects on a server (as-is for SQLite),
    prepared by ``prepare_engine``."""
    prepare_engine(engine)
    if engine.dialect.name == "sqlite":
        return engine
    if engine.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return engine
    if engine in _CREATED_AUTOCOMMIT:
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


_CREATED_AUTOCOMMIT: weakref.WeakSet[sa.Engine] = weakref.WeakSet()
"""Engines ``create_sync_engine`` made with ``isolation_level="AUTOCOMMIT"`` (every pooled
connection starts in autocommit mode: no per-checkout switch needed)."""


def create_sync_engine(url: str | sa.URL, **engine_kwargs: Any) -> sa.Engine:
    """The blocking engine for ``url``, with the saver's settings."""
    _check_url(url)
    target = sync_url(url)
    kwargs = _server_defaults(target, engine_kwargs)
    engine = prepare_engine(sa.create_engine(target, **kwargs))
    if kwargs.get("isolation_level") == "AUTOCOMMIT":
        _CREATED_AUTOCOMMIT.add(engine)
    return engine


async def _dispose_at_loop_end(engine: AsyncEngine) -> AsyncGenerator[None, None]:
    """An async generator that is never resumed: ``asyncio.run`` (and every runner) closes
    the async generators still alive before it closes the loop, which runs ``finally`` here
    — the last moment the engine's connections can still be closed on their own loop."""
    try:
        yield
    finally:
        await engine.dispose()


def lock_engine_for(engine: sa.Engine) -> sa.Engine:
    """A separate, unbounded pool for the connections turn locks hold (servers only).

    A lock holds its connection for a whole turn. Drawn from the main pool, ten turns in ten
    threads could hold every pooled connection while each waits for one more to save its
    checkpoint. SQLite's leases hold no connection, so SQLite shares the main engine.
    Every checkout is pinged (``pool_pre_ping``): a turn takes one, so the round trip is
    nothing, and a lock taken on a connection the server already dropped would fail the turn.
    """
    if engine.dialect.name == "sqlite":
        return engine
    return sa.create_engine(
        engine.url,
        pool_size=2,
        max_overflow=-1,
        isolation_level="AUTOCOMMIT",
        pool_recycle=3600,
        pool_pre_ping=True,
    )


class LoopEngines:
    """One ``AsyncEngine`` per event loop, all on the same database.

    Each engine is disposed when its loop shuts down, so no pooled connection outlives the
    loop it belongs to (it would otherwise try to close itself on a closed loop later).
    """

    def __init__(
        self,
        url: str | sa.URL,
        engine_kwargs: dict[str, Any],
        first: AsyncEngine | None = None,
    ) -> None:
        self.url = async_url(url)
        """The asyncio URL every loop's engine is created from."""
        self._kwargs = _server_defaults(self.url, engine_kwargs)
        if first is not None and first.dialect.name != "sqlite":
            first = first.execution_options(isolation_level="AUTOCOMMIT")
        self._first = first
        self._engines: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[AsyncEngine, AsyncGenerator[None, None]]
        ] = weakref.WeakKeyDictionary()
        self._mutex = threading.Lock()

    async def current(self) -> AsyncEngine:
        """The engine for the running loop, created on first use."""
        loop = asyncio.get_running_loop()
        with self._mutex:
            known = self._engines.get(loop)
            if known is not None:
                return known[0]
            if self._first is not None:
                engine, self._first = self._first, None
            else:
                engine = create_async_engine(self.url, **self._kwargs)
            prepare_engine(engine.sync_engine)
            guard = _dispose_at_loop_end(engine)
            self._engines[loop] = (engine, guard)
        await guard.asend(None)  # registers it with this loop's shutdown
        return engine

    async def dispose_current(self) -> None:
        """Close the running loop's engine now."""
        with self._mutex:
            known = self._engines.pop(asyncio.get_running_loop(), None)
        if known is not None:
            await known[1].aclose()

    def forget_all(self) -> None:
        """Forget every engine (for a sync ``close()``); each loop still closes its own."""
        with self._mutex:
            self._engines.clear()
