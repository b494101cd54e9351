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
  expiry, renewed by a heartbeat while held. The holder id names the holding process (pid,
  its start time, and a key of the machine: host name, boot id, pid namespace), so a waiter
  on the same machine whose holder process is gone (killed, crashed, a zombie, or its pid
  reused by a newer process) takes the lock at once. A holder on another machine sharing the
  file (a network mount) cannot be checked: there the lease decides — it stops being renewed
  when its holder dies and the next caller takes over once it expires, after at most
  ``DEFAULT_LEASE`` seconds, well inside the agent's 40 s wait. Renewal is delete+insert in
  one transaction — no UPDATE anywhere in this package.

Giving the lock back never raises (``release``): it runs after the turn was stored, and an
error there (a full disk refusing the lease DELETE, a server connection that died) would
report a stored turn as failed — the caller would send it again and apply it twice. The error
is logged instead; the lock still goes away (the lease row is taken over, the server drops a
session lock with its connection).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, NamedTuple

import sqlalchemy as sa

from storage.engines import WRITE, sqlite_writer_lock
from storage.errors import ThreadBusyError
from storage.schema import thread_locks

__all__ = ["DEFAULT_LEASE", "LockHolder", "ThreadLock", "athread_lock"]

DEFAULT_LEASE = 15.0
"""Seconds a SQLite lease lasts without renewal; the heartbeat renews it every third of that.
It only matters for a holder on another machine (same machine: see ``LockHolder``), and it is
well below the agent's wait for the lock (40 s), so a turn behind a crashed remote holder
runs instead of racing the lease."""

logger = logging.getLogger(__name__)

_POLL = 0.02
_WAITERS = concurrent.futures.ThreadPoolExecutor(max_workers=64, thread_name_prefix="turn-lock")


def _digest(text: str, size: int) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=size).digest()


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as file:
            return file.read().strip()
    except OSError:
        return ""


def _machine_key() -> str:
    """Who can check a pid: the same host name, boot (a reboot reuses pids) and pid
    namespace (containers on one kernel number processes apart)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    boot = _read("/proc/sys/kernel/random/boot_id")
    return _digest(f"{socket.gethostname()}|{boot}|{namespace}", 8).hex()


def _process_state(pid: int) -> tuple[str, str] | None:
    """(state letter, start time in clock ticks since boot) of process ``pid``, None if it
    does not exist. Either is "" where unknown (no /proc, or it hides other users' processes)."""
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return None
    except (PermissionError, OverflowError):
        pass  # exists, owned by someone else (or a pid no system has: let the lease decide)
    fields = _read(f"/proc/{pid}/stat").rpartition(")")[2].split()  # the name may hold spaces
    return (fields[0], fields[19]) if len(fields) > 19 else ("", "")


class LockHolder(NamedTuple):
    """The process holding a SQLite lease, as written in the lease row's ``holder`` column.

    ``token`` tells apart two holders in one process; ``pid`` and ``started`` (its start time,
    so a reused pid is not mistaken for the holder) identify the process on ``machine``.
    Encoded in the existing column (``token:pid:started:machine``, at most 64 characters), so
    the schema is unchanged and rows of older versions (a bare token) still work by lease.
    """

    token: str
    pid: int
    started: str
    machine: str

    @classmethod
    def of_this_process(cls) -> LockHolder:
        """A new holder id for a lock taken by the calling process."""
        state = _process_state(os.getpid())
        return cls(uuid.uuid4().hex[:16], os.getpid(), state[1] if state else "", _MACHINE)

    @classmethod
    def parse(cls, text: str) -> LockHolder | None:
        """The holder written as ``text``, or None for a row this code cannot interpret."""
        parts = text.split(":")
        if len(parts) != 4 or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]), parts[2], parts[3])

    def __str__(self) -> str:
        return f"{self.token}:{self.pid}:{self.started}:{self.machine}"

    def is_gone(self) -> bool:
        """Whether this holder surely died: same machine, and its process no longer exists,
        is a zombie, or is a newer process under the same pid. Unknowable (another machine)
        is never "gone": the lease decides then."""
        if self.machine != _MACHINE:
            return False
        state = _process_state(self.pid)
        if state is None:
            return True
        letter, started = state
        return letter in ("Z", "X") or bool(self.started and started and started != self.started)


_MACHINE = _machine_key()

_abandoned: set[str] = set()
"""Holders in this process whose lease row could not be deleted on release (a full disk):
a waiter in this process takes such a row at once instead of waiting for the lease."""
_abandoned_guard = threading.Lock()


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
        self.holder = str(LockHolder.of_this_process())
        """Who holds the lease (SQLite): see ``LockHolder``."""
        self._conn: sa.Connection | None = None
        self._name: str | None = None
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    # --- acquire / release ----------------------------------------------------------------

    def acquire(self) -> None:
        """Wait for the lock, at most ``timeout`` seconds."""
        dialect = self.engine.dialect.name
        started = time.monotonic()
        if dialect == "sqlite":
            self._acquire_lease(started)
            return
        take = self._acquire_postgres if dialect == "postgresql" else self._acquire_mysql
        try:
            take(started)
        except sa.exc.DBAPIError as error:
            # A connection that died before the lock was taken holds nothing: once more, on a
            # new one (the pool pings its connections, so this is a rare race).
            if not error.connection_invalidated:
                raise
            take(started)

    def release(self) -> None:
        """Give the lock back. Never raises a database error (module docstring): the turn
        it guarded is already stored, so a failure here is logged, and the lock is freed
        anyway (a lease row left behind is taken over, a dead connection drops its lock)."""
        conn, self._conn = self._conn, None
        if self._heartbeat is not None:
            self._stop.set()
            self._heartbeat.join()
            self._heartbeat = None
            try:
                self._delete_lease()
            except (sa.exc.SQLAlchemyError, OSError) as error:
                with _abandoned_guard:
                    _abandoned.add(self.holder)
                logger.warning(
                    "could not remove the turn lock of thread %r (%s); the next turn on this "
                    "machine takes it over at once, elsewhere after its %.1f s lease",
                    self.thread_id,
                    _first_line(error),
                    self.lease,
                )
        if conn is not None:
            self._unlock(conn)

    def _delete_lease(self) -> None:
        queue = sqlite_writer_lock(self.engine) or contextlib.nullcontext()
        with queue, self.engine.connect() as c, c.execution_options(**WRITE).begin():
            c.execute(
                sa.delete(thread_locks).where(
                    thread_locks.c.thread_id == self.thread_id,
                    thread_locks.c.holder == self.holder,
                )
            )

    def _unlock(self, conn: sa.Connection) -> None:
        """Release a server session lock. If that fails, the connection is discarded rather
        than pooled: closing it is what makes the server drop the lock (a pooled connection
        would keep the thread locked for as long as it lives)."""
        try:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": self._key()})
            else:
                conn.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": self._name})
        except (sa.exc.SQLAlchemyError, OSError) as error:
            logger.warning(
                "could not release the turn lock of thread %r (%s); closing its connection "
                "instead, which releases it",
                self.thread_id,
                _first_line(error),
            )
            with contextlib.suppress(sa.exc.SQLAlchemyError, OSError):
                conn.invalidate()
        with contextlib.suppress(sa.exc.SQLAlchemyError, OSError):
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
                if renew or not self._holder_is_gone(holder):
                    return False
                c.execute(
                    sa.delete(thread_locks).where(t.thread_id == self.thread_id, t.holder == holder)
                )
            c.execute(
                sa.insert(thread_locks).values(
                    thread_id=self.thread_id, holder=self.holder, expires_at=now + self.lease
                )
            )
            return True

    def _holder_is_gone(self, holder: str) -> bool:
        with _abandoned_guard:
            abandoned = holder in _abandoned
            _abandoned.discard(holder)
        parsed = LockHolder.parse(holder)
        if not abandoned and (parsed is None or not parsed.is_gone()):
            return False
        logger.warning(
            "turn lock of thread %r: its holder (process %s) %s; taking it over",
            self.thread_id,
            parsed.pid if parsed else "?",
            "could not release it" if abandoned else "died holding it",
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
            try:
                renewed = self._try_lease(renew=True)
            except (sa.exc.SQLAlchemyError, OSError) as error:
                # A full disk or a locked file: try again next beat, the lease has slack.
                logger.warning(
                    "could not renew the turn lock of thread %r: %s",
                    self.thread_id,
                    _first_line(error),
                )
                continue
            if not renewed:
                # Only possible if this process stalled for a whole lease (a debugger, a
                # suspended VM): say so loudly, the turn may have overlapped another.
                logger.warning(
                    "turn lock of thread %r expired while held (lease %.1f s) and was taken "
                    "over; raise lock_lease if turns can stall that long",
                    self.thread_id,
                    self.lease,
                )
                return


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


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
