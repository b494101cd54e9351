"""Runs a *plan* — a generator of SQL statements — on a sync or an async connection.

Each saver operation is written once, as a generator that yields statements and receives
their rows; ``run`` drives it with a blocking connection and ``arun`` with an asyncio one. So
the sync and async methods share every line of logic and differ only in who waits.

On a server the connections are in autocommit mode: reads and one-statement writes then cost
no BEGIN/COMMIT round trips, and ``put`` (blobs, then the checkpoint row that refers to them)
needs no transaction either — a crash between the two leaves unreferenced blobs, never a
checkpoint missing a value. Plans that must be all-or-nothing (maintenance) ask for
``atomic=True`` and get an explicit transaction. On SQLite a write plan of several statements
is one transaction (one commit instead of one per statement); a write of one statement needs
none (a single INSERT is atomic by itself). The hot plans (``put``, ``put_writes``,
``get_tuple``) skip SQLAlchemy's ``Connection``: on SQLite they run on a stack of idle driver
connections (``sqlite_connections``), on a server on a pooled driver connection
(``_run_raw``). If the database reports a transient conflict ("database is locked", a deadlock, a serialization failure) the plan is retried from
the start, so callers never see it. A plan whose server connection died under it (a restart, a
killed backend) is retried once on a new connection if it committed nothing (``_Reconnect``).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, nullcontext
from functools import partial
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.direct import compiled_for
from storage.engines import WRITE, distrust_pooled_connections, sqlite_writer_lock
from storage.sqlite_connections import sqlite_connections

__all__ = ["Params", "Plan", "PlanFactory", "Statement", "aatomic", "arun", "atomic", "run"]

T = TypeVar("T")

Params = dict[str, Any] | list[dict[str, Any]]
Statement = sa.Executable | tuple[sa.Executable, Params]
"""A statement, or a statement with its parameters (a list of dicts means executemany)."""

Plan = Generator[Statement, Sequence[sa.Row[Any]], T]
"""A generator yielding statements, receiving their rows, returning the operation's result."""

PlanFactory = Callable[[str], Plan[T]]
"""Builds a fresh plan for a dialect name (``sqlite``, ``postgresql``, ``mysql``, ``mariadb``)."""

_ATTEMPTS = 12
_RETRY_CODES = frozenset({"40P01", "40001", 1213, 1205})  # PG deadlock/serialization; MySQL


def _transient(error: sa.exc.DBAPIError) -> bool:
    orig = error.orig
    if orig is None:
        return False
    text = str(orig).lower()
    if "database is locked" in text or "database table is locked" in text or "busy" in text:
        return True
    code = getattr(orig, "sqlstate", None) or (orig.args[0] if orig.args else None)
    return code in _RETRY_CODES


def _backoff(attempt: int) -> float:
    return min(0.5, 0.005 * 2.0**attempt) * (0.5 + random.random())


def _split(statement: Statement) -> tuple[sa.Executable, Params | None]:
    if isinstance(statement, tuple):
        return statement[0], statement[1]
    return statement, None


def _driver_error(
    dialect: sa.Dialect, error: Exception, dbapi_connection: Any, sql: str
) -> tuple[sa.exc.DBAPIError, bool] | None:
    """``error`` as SQLAlchemy would raise it (None if it is not a driver error), and whether
    it means the connection is gone."""
    dbapi_error = dialect.loaded_dbapi.Error
    if not isinstance(error, dbapi_error):
        return None
    gone = dialect.is_disconnect(error, dbapi_connection, None)
    wrapped: Any = sa.exc.DBAPIError.instance(
        sql, None, error, dbapi_error, connection_invalidated=gone, dialect=dialect
    )
    return wrapped, gone


def _drive(conn: sa.Connection, plan: Plan[T]) -> T:
    try:
        statement = next(plan)
        while True:
            executable, params = _split(statement)
            result = (
                conn.execute(executable, params) if params is not None else conn.execute(executable)
            )
            statement = plan.send(result.all() if result.returns_rows else [])
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


@contextmanager
def atomic(conn: sa.Connection) -> Iterator[None]:
    """A real transaction on ``conn``, whether or not it is in autocommit mode."""
    if conn.dialect.name == "sqlite":
        with conn.begin():
            yield
        return
    conn.exec_driver_sql("BEGIN")
    try:
        yield
    except BaseException:
        if not conn.invalidated:  # a dead connection's transaction died with it
            conn.exec_driver_sql("ROLLBACK")
        raise
    conn.exec_driver_sql("COMMIT")


@asynccontextmanager
async def aatomic(conn: AsyncConnection) -> AsyncIterator[None]:
    """``atomic`` for an asyncio connection."""
    if conn.dialect.name == "sqlite":
        async with conn.begin():
            yield
        return
    await conn.exec_driver_sql("BEGIN")
    try:
        yield
    except BaseException:
        if not conn.invalidated:
            await conn.exec_driver_sql("ROLLBACK")
        raise
    await conn.exec_driver_sql("COMMIT")


def _raw_call(
    dialect: sa.Dialect,
    dbapi_connection: Any,
    lose: Callable[[Exception], None],
    sql: str,
    call: Callable[[], list[Any] | None],
) -> Any:
    """``call()`` on ``dbapi_connection``, its driver errors raised as SQLAlchemy's
    ``DBAPIError`` (so conflicts are retried) and a dead connection handed to ``lose``."""
    try:
        return call()
    except Exception as error:
        found = _driver_error(dialect, error, dbapi_connection, sql)
        if found is None:
            raise
        if found[1]:
            lose(error)
        raise found[0] from error


def _execute_raw(
    dialect: sa.Dialect,
    dbapi_connection: Any,
    lose: Callable[[Exception], None],
    statement: Statement,
) -> Any:
    executable, params = _split(statement)
    fast = compiled_for(executable, dialect)
    return _raw_call(
        dialect,
        dbapi_connection,
        lose,
        fast.sql,
        partial(fast.execute, dbapi_connection, params or {}),
    )


def _run_raw_sqlite(engine: sa.Engine, factory: PlanFactory[T], write: bool) -> T:
    """A hot plan on an idle SQLite connection of the engine (``sqlite_connections``), in
    autocommit mode: a read, or a write of one statement (one INSERT is atomic by itself),
    runs bare; a write of several statements is one ``BEGIN IMMEDIATE`` ... ``COMMIT``.

    A write's statements return no rows, so the plan can be asked for its next statement
    before the first one runs (it receives the same empty rows either way): that look-ahead
    tells a one-statement write from a longer one."""
    dialect = engine.dialect
    connections = sqlite_connections(engine)
    dbapi_connection, generation = connections.acquire()
    broken = False

    def lose(_error: Exception) -> None:
        nonlocal broken
        broken = True

    try:
        return _drive_sqlite(dialect, dbapi_connection, lose, factory(dialect.name), write)
    finally:
        connections.release(dbapi_connection, generation, broken=broken)


def _drive_sqlite(
    dialect: sa.Dialect,
    dbapi_connection: Any,
    lose: Callable[[Exception], None],
    plan: Plan[T],
    write: bool,
) -> T:
    try:
        statement = next(plan)
        if not write:
            while True:
                rows = _execute_raw(dialect, dbapi_connection, lose, statement)
                statement = plan.send(rows)
        looked_ahead = compiled_for(_split(statement)[0], dialect).row is None
        if looked_ahead:
            try:
                following = plan.send([])
            except StopIteration as stop:  # one statement: atomic without a transaction
                _execute_raw(dialect, dbapi_connection, lose, statement)
                return stop.value  # type: ignore[no-any-return]
        begin = partial(_begin, dbapi_connection)
        _raw_call(dialect, dbapi_connection, lose, "BEGIN IMMEDIATE", begin)
        try:
            rows = _execute_raw(dialect, dbapi_connection, lose, statement)
            statement = following if looked_ahead else plan.send(rows)
            while True:
                rows = _execute_raw(dialect, dbapi_connection, lose, statement)
                statement = plan.send(rows)
        except StopIteration as stop:
            _raw_call(dialect, dbapi_connection, lose, "COMMIT", dbapi_connection.commit)
            return stop.value  # type: ignore[no-any-return]
        except BaseException:
            if dbapi_connection.in_transaction:
                _rollback_quietly(dbapi_connection)
            raise
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


def _rollback_quietly(dbapi_connection: Any) -> None:
    with contextlib.suppress(Exception):  # the original error is the one to report
        dbapi_connection.rollback()


def _run_raw(engine: sa.Engine, factory: PlanFactory[T], write: bool) -> T:
    """A hot plan on a pooled server driver connection, without SQLAlchemy's ``Connection``:
    its per-call scaffolding (execution options, the ``begin`` event, transaction objects)
    costs more than a local database spends on the statements. Same pool, same SQL, in
    autocommit mode (SQLite: ``_run_raw_sqlite``)."""
    dialect = engine.dialect
    if dialect.name == "sqlite":
        return _run_raw_sqlite(engine, factory, write)
    fairy = engine.raw_connection()
    try:
        dbapi_connection: Any = fairy.dbapi_connection
        # An engine the caller built without AUTOCOMMIT gets it per Connection
        # (``engines.autocommit``), which a raw connection does not: switch it for the call.
        switched = not _in_autocommit(dbapi_connection)
        if switched:
            _set_autocommit(dbapi_connection, True)
        plan = factory(dialect.name)
        try:
            statement = next(plan)
            while True:
                rows = _execute_raw(dialect, dbapi_connection, fairy.invalidate, statement)
                statement = plan.send(rows)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
    finally:
        if switched and fairy.is_valid:
            _set_autocommit(dbapi_connection, False)
        fairy.close()


def _in_autocommit(dbapi_connection: Any) -> bool:
    """Whether a server driver connection commits each statement (PyMySQL, psycopg)."""
    get = getattr(dbapi_connection, "get_autocommit", None)  # PyMySQL
    if get is not None:
        return bool(get())
    return getattr(dbapi_connection, "autocommit", False) is True  # psycopg


def _set_autocommit(dbapi_connection: Any, on: bool) -> None:
    """Switch a server driver connection's autocommit mode (none is in a transaction here:
    the pool rolls back on return)."""
    switch = getattr(dbapi_connection, "autocommit", None)
    if callable(switch):  # PyMySQL: a method
        switch(on)
    else:  # psycopg: a property
        dbapi_connection.autocommit = on


def _begin(dbapi_connection: Any) -> None:
    dbapi_connection.execute("BEGIN IMMEDIATE").close()


class _Reconnect:
    """Decides whether a plan whose connection died may run once more, on a new connection.

    Only if nothing it did can have been committed: a read; a transaction that never reached
    its COMMIT; or, in autocommit mode (where each statement commits by itself), a write plan
    none of whose statements completed. (Every write is an idempotent INSERT of rows never
    modified, so even a replay would store nothing twice; the rule keeps the retry honest.)
    The other pooled connections are checked before their next use: a restart kills them all.
    """

    def __init__(self, engine: sa.Engine, *, write: bool, whole: bool) -> None:
        self.engine = engine
        self.write = write
        self.whole = whole
        # SQLite has no connection to lose: its writes are not tracked and never retried.
        self.tracking = write and engine.dialect.name != "sqlite"
        self.completed = 0
        self.finished = False
        self.used = False

    def track(self, factory: PlanFactory[T]) -> PlanFactory[T]:
        """``factory`` whose plans count their completed statements (writes on a server)."""
        if not self.tracking:
            return factory
        return lambda dialect: self._counted(factory(dialect))

    def _counted(self, plan: Plan[T]) -> Plan[T]:
        self.completed, self.finished = 0, False
        rows: Sequence[sa.Row[Any]] | None = None
        while True:
            try:
                statement = next(plan) if rows is None else plan.send(rows)
            except StopIteration as stop:
                self.finished = True
                return stop.value  # type: ignore[no-any-return]
            rows = yield statement
            self.completed += 1

    def allows(self, error: sa.exc.DBAPIError) -> bool:
        """Whether to run the plan again now (at most once per call)."""
        if self.used or not error.connection_invalidated:
            return False
        distrust_pooled_connections(self.engine)
        if self.write:
            if not self.tracking:
                return False
            if self.finished if self.whole else self.completed:
                return False
        self.used = True
        return True


def run(
    engine: sa.Engine,
    factory: PlanFactory[T],
    *,
    write: bool,
    atomic_: bool = False,
    hot: bool = False,
) -> T:
    """Run a plan on ``engine`` (see the module docstring), retrying transient conflicts.

    ``hot`` plans (``put``, ``put_writes``, ``get_tuple``) run on a driver connection
    (``_run_raw``), always; every other plan on SQLAlchemy's ``Connection``. One path per
    statement, whatever listeners are installed."""
    queue = sqlite_writer_lock(engine) if write else None
    # Reads run without BEGIN/COMMIT everywhere (as on the servers): rows they read are
    # never changed, only ever deleted by maintenance.
    whole = atomic_ or (write and engine.dialect.name == "sqlite")
    raw = hot and not atomic_
    reconnect = _Reconnect(engine, write=write, whole=whole)
    factory = reconnect.track(factory)
    for attempt in range(_ATTEMPTS):
        try:
            with queue or nullcontext():
                if raw:
                    return _run_raw(engine, factory, write)
                with engine.connect() as conn:
                    if write:
                        conn = conn.execution_options(**WRITE)
                    with atomic(conn) if whole else nullcontext():
                        return _drive(conn, factory(engine.dialect.name))
        except sa.exc.DBAPIError as error:
            if reconnect.allows(error):
                continue
            if attempt == _ATTEMPTS - 1 or not _transient(error):
                raise
        time.sleep(_backoff(attempt))
    raise AssertionError("unreachable")


async def _adrive(conn: AsyncConnection, plan: Plan[T]) -> T:
    try:
        statement = next(plan)
        while True:
            executable, params = _split(statement)
            if params is not None:
                result = await conn.execute(executable, params)
            else:
                result = await conn.execute(executable)
            statement = plan.send(result.all() if result.returns_rows else [])
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def arun(
    engine: AsyncEngine, factory: PlanFactory[T], *, write: bool, atomic_: bool = False
) -> T:
    """``run`` on an asyncio engine. (``SQLSaver`` sends SQLite writes to ``run`` in a worker
    thread instead: see ``SQLSaver._arun``.)"""
    whole = atomic_ or engine.dialect.name == "sqlite"
    reconnect = _Reconnect(engine.sync_engine, write=write, whole=whole)
    factory = reconnect.track(factory)
    for attempt in range(_ATTEMPTS):
        try:
            async with engine.connect() as conn:
                if write:
                    conn = await conn.execution_options(**WRITE)
                if not whole:
                    return await _adrive(conn, factory(engine.dialect.name))
                async with aatomic(conn):
                    return await _adrive(conn, factory(engine.dialect.name))
        except sa.exc.DBAPIError as error:
            if reconnect.allows(error):
                continue
            if attempt == _ATTEMPTS - 1 or not _transient(error):
                raise
        await asyncio.sleep(_backoff(attempt))
    raise AssertionError("unreachable")
