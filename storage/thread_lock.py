"""The per-conversation turn lock: one turn of a thread at a time, across processes.

Without it, two turns sent to one conversation at the same moment both read the same latest
checkpoint and both write a child of it: the thread silently forks and one turn disappears
from its history (langgraph issue 8796). Each database gets the lock that dies with its holder:

* PostgreSQL: a session-level ``pg_advisory_lock`` on a connection held for the whole turn,
  waited for with ``lock_timeout``; if the holder's process dies, its connection closes and
  the server drops the lock at once.
* MySQL/MariaDB: ``GET_LOCK(name, timeout)`` on a held connection, same life cycle. The name
  includes the database name because GET_LOCK names are server-wide.
* SQLite has no sessions: a row in ``trainchat_thread_locks`` with a holder id and a lease
  expiry, renewed by a heartbeat while held. A crashed holder stops renewing, and once the
  lease has expired the next caller deletes the row and takes over. Renewal is delete+insert
  in one transaction — no UPDATE anywhere in this package.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any

import sqlalchemy as sa

from storage.engines import WRITE, sqlite_writer_lock
from storage.errors import ThreadBusyError
from storage.schema import thread_locks

__all__ = ["DEFAULT_LEASE", "ThreadLock", "athread_lock"]

DEFAULT_LEASE = 30.0
"""Seconds a SQLite lease lasts without renewal; the heartbeat renews it every third of that."""

logger = logging.getLogger(__name__)

_POLL = 0.02
_WAITERS = concurrent.futures.ThreadPoolExecutor(max_workers=64, thread_name_prefix="turn-lock")


def _digest(text: str, size: int) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=size).digest()


class ThreadLock:
    """A context manager holding one thread's turn lock (see the module docstring)."""

    def __init__(self, engine: sa.Engine, thread_id: str, *, timeout: float, lease: float) -> None:
        self.engine = engine
        """Engine the lock's connection comes from."""
        self.thread_id = str(thread_id)
        """The conversation being locked."""
        self.timeout = timeout
        """Seconds to wait before ``ThreadBusyError``."""
        self.lease = lease
        """SQLite only: seconds the lease lasts without renewal."""
        self.holder = uuid.uuid4().hex
        """Who holds the lease (SQLite)."""
        self._conn: sa.Connection | None = None
        self._name: str | None = None
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    # --- acquire / release ----------------------------------------------------------------

    def acquire(self) -> None:
        """Wait for the lock, at most ``timeout`` seconds."""
        dialect = self.engine.dialect.name
        started = time.monotonic()
        if dialect == "postgresql":
            self._acquire_postgres(started)
        elif dialect in ("mysql", "mariadb"):
            self._acquire_mysql(started)
        else:
            self._acquire_lease(started)

    def release(self) -> None:
        """Give the lock back (safe to call when its connection is already gone)."""
        conn, self._conn = self._conn, None
        if self._heartbeat is not None:
            self._stop.set()
            self._heartbeat.join()
            self._heartbeat = None
            queue = sqlite_writer_lock(self.engine) or contextlib.nullcontext()
            with queue, self.engine.connect() as c, c.execution_options(**WRITE).begin():
                c.execute(
                    sa.delete(thread_locks).where(
                        thread_locks.c.thread_id == self.thread_id,
                        thread_locks.c.holder == self.holder,
                    )
                )
        if conn is None:
            return
        try:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": self._key()})
            else:
                conn.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": self._name})
        finally:
            conn.close()

    def __enter__(self) -> None:
        self.acquire()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    # --- PostgreSQL -----------------------------------------------------------------------

    def _key(self) -> int:
        return int.from_bytes(_digest(f"trainchat:{self.thread_id}", 8), "big", signed=True)

    def _acquire_postgres(self, started: float) -> None:
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            milliseconds = max(1, int(self.timeout * 1000))
            conn.execute(sa.text(f"SET lock_timeout = {milliseconds}"))
            try:
                conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": self._key()})
            except sa.exc.OperationalError as error:
                if getattr(error.orig, "sqlstate", None) == "55P03":  # lock_not_available
                    raise ThreadBusyError(self.thread_id, time.monotonic() - started) from None
                raise
            finally:
                conn.execute(sa.text("RESET lock_timeout"))
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    # --- MySQL / MariaDB ------------------------------------------------------------------

    def _acquire_mysql(self, started: float) -> None:
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            database = str(conn.execute(sa.text("SELECT DATABASE()")).scalar_one())
            if len(database) > 20:
                database = _digest(database, 10).hex()
            self._name = f"tc.{database}.{_digest(self.thread_id, 16).hex()}"
            got = conn.execute(
                sa.text("SELECT GET_LOCK(:n, :t)"), {"n": self._name, "t": max(self.timeout, 0)}
            ).scalar_one()
            if got != 1:
                raise ThreadBusyError(self.thread_id, time.monotonic() - started)
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    # --- SQLite lease ---------------------------------------------------------------------

    def _try_lease(self, renew: bool = False) -> bool:
        t = thread_locks.c
        now = time.time()
        queue = sqlite_writer_lock(self.engine) or contextlib.nullcontext()
        with queue, self.engine.connect() as c, c.execution_options(**WRITE).begin():
            if renew:
                mine = (t.thread_id == self.thread_id) & (t.holder == self.holder)
                if c.execute(sa.delete(thread_locks).where(mine)).rowcount != 1:
                    return False  # lost it: expired and taken over
            else:
                c.execute(
                    sa.delete(thread_locks).where(t.thread_id == self.thread_id, t.expires_at < now)
                )
            holder = c.execute(
                sa.select(t.holder).where(t.thread_id == self.thread_id)
            ).scalar_one_or_none()
            if holder is not None:
                return False
            c.execute(
                sa.insert(thread_locks).values(
                    thread_id=self.thread_id, holder=self.holder, expires_at=now + self.lease
                )
            )
            return True

    def _acquire_lease(self, started: float) -> None:
        while not self._try_lease():
            waited = time.monotonic() - started
            if waited >= self.timeout:
                raise ThreadBusyError(self.thread_id, waited)
            time.sleep(min(_POLL, max(self.timeout - waited, 0)))
        self._stop.clear()
        self._heartbeat = threading.Thread(
            target=self._renew, daemon=True, name=f"lease-{self.thread_id[:20]}"
        )
        self._heartbeat.start()

    def _renew(self) -> None:
        while not self._stop.wait(self.lease / 3):
            if not self._try_lease(renew=True):
                # Only possible if this process stalled for a whole lease (a debugger, a
                # suspended VM): say so loudly, the turn may have overlapped another.
                logger.warning(
                    "turn lock of thread %r expired while held (lease %.1f s) and was taken "
                    "over; raise lock_lease if turns can stall that long",
                    self.thread_id,
                    self.lease,
                )
                return


@asynccontextmanager
async def athread_lock(lock: ThreadLock) -> AsyncIterator[None]:
    """Hold ``lock`` from a coroutine: the blocking wait runs in a worker thread.

    The lock is a held session, so it is taken with the sync engine, whatever loop (or none)
    is running; the event loop keeps serving other tasks while we wait. If the waiting task is
    cancelled, a lock obtained afterwards is released rather than leaked.
    """
    loop = asyncio.get_running_loop()
    waiting = loop.run_in_executor(_WAITERS, lock.acquire)
    try:
        await asyncio.shield(waiting)
    except asyncio.CancelledError:

        def _release_if_taken(done: asyncio.Future[Any]) -> None:
            if not done.cancelled() and done.exception() is None:
                _WAITERS.submit(lock.release)

        waiting.add_done_callback(_release_if_taken)
        raise
    try:
        yield
    finally:
        await loop.run_in_executor(_WAITERS, lock.release)
