"""The per-conversation turn lock: exclusion, timeouts, async use, and crashed holders."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from agent.create import LOCK_TIMEOUT_S
from storage import SQLSaver, ThreadBusyError
from storage.schema import thread_locks
from storage.thread_lock import _MACHINE, DEFAULT_LEASE, LockHolder
from tests.storage.workers import hold_lock_forever

ROOT = Path(__file__).resolve().parents[2]


def test_busy_thread_times_out_with_a_clear_error(saver: SQLSaver) -> None:
    with saver.thread_lock("conv", timeout=5):
        started = time.monotonic()
        with pytest.raises(ThreadBusyError) as caught, saver.thread_lock("conv", timeout=0.4):
            pass
        waited = time.monotonic() - started
        assert 0.35 <= waited < 5
        assert caught.value.thread_id == "conv"
        assert "'conv'" in str(caught.value) and "s we waited" in str(caught.value)
        # another conversation is not blocked
        with saver.thread_lock("other", timeout=0.5):
            pass
    started = time.monotonic()
    with saver.thread_lock("conv", timeout=1):  # released: free at once
        assert time.monotonic() - started < 1


def test_lock_is_exclusive_between_threads_of_one_process(saver: SQLSaver) -> None:
    """Two holders never overlap: the order of enter/exit events alternates strictly."""
    import threading

    events: list[str] = []

    def hold(name: str) -> None:
        for _ in range(5):
            with saver.thread_lock("shared", timeout=30):
                events.append(f"in-{name}")
                time.sleep(0.005)
                events.append(f"out-{name}")

    pool = [threading.Thread(target=hold, args=(n,)) for n in "abc"]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(60)
    assert len(events) == 30
    for enter, leave in zip(events[::2], events[1::2], strict=True):
        assert enter.startswith("in-") and leave == "out-" + enter[3:]


async def test_async_lock(saver: SQLSaver) -> None:
    """athread_lock waits without blocking the loop, and serialises coroutines."""
    order: list[str] = []

    async def turn(name: str) -> None:
        async with saver.athread_lock("async-conv", timeout=10):
            order.append(f"in-{name}")
            await asyncio.sleep(0.05)
            order.append(f"out-{name}")

    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        for _ in range(10):
            ticks += 1
            await asyncio.sleep(0.01)

    await asyncio.gather(turn("a"), turn("b"), turn("c"), ticker())
    assert ticks == 10
    for enter, leave in zip(order[::2], order[1::2], strict=True):
        assert leave == "out-" + enter[3:]
    with saver.thread_lock("async-conv", timeout=1), pytest.raises(ThreadBusyError):
        async with saver.athread_lock("async-conv", timeout=0.2):
            pass


def test_sqlite_lease_is_renewed_while_held(sqlite_db: str) -> None:
    """A holder that keeps the lock longer than the lease keeps it (heartbeat)."""
    with SQLSaver.from_url(sqlite_db, lock_lease=0.6) as saver:
        saver.setup()
        with saver.thread_lock("long", timeout=1):
            time.sleep(1.5)  # 2.5 leases
            with pytest.raises(ThreadBusyError), saver.thread_lock("long", timeout=0.5):
                pass


@pytest.mark.timeout(90)
def test_crashed_holder_does_not_block_forever(db_url: str, tmp_path: Path) -> None:
    """SIGKILL the holder: servers free the lock with its connection; on SQLite the waiter
    sees that the holder's process is gone and takes over at once, long before the lease
    (60 s here) would run out (finding 11)."""
    lease = 60.0
    with SQLSaver.from_url(db_url, lock_lease=lease) as saver:
        saver.setup()
        ready = tmp_path / "ready"
        spawn = multiprocessing.get_context("spawn")
        holder = spawn.Process(target=hold_lock_forever, args=(db_url, "crash", str(ready), lease))
        holder.start()
        try:
            deadline = time.monotonic() + 60
            while not ready.exists():
                assert holder.is_alive() and time.monotonic() < deadline, "holder never locked"
                time.sleep(0.05)
            with pytest.raises(ThreadBusyError), saver.thread_lock("crash", timeout=0.3):
                pass
        finally:
            os.kill(holder.pid, signal.SIGKILL)  # type: ignore[arg-type]
            holder.join(10)
        killed_at = time.monotonic()
        with saver.thread_lock("crash", timeout=20):
            waited = time.monotonic() - killed_at
        assert waited < 2.0, f"lock held {waited:.1f} s after its holder died"


# --- SQLite: who holds a lease, and whether it is still alive (finding 11) ------------------


@pytest.fixture
def lease_saver(sqlite_db: str) -> Iterator[SQLSaver]:
    """A SQLite saver with a long lease: only the holder check can free a lock quickly."""
    with SQLSaver.from_url(sqlite_db, lock_lease=60.0) as saver:
        saver.setup()
        yield saver


def _leave_lease(saver: SQLSaver, thread_id: str, holder: str, expires_in: float) -> None:
    """Write the lease row a holder that stopped (or never stopped) would leave behind."""
    with saver.engine.begin() as conn:
        conn.execute(
            sa.insert(thread_locks).values(
                thread_id=thread_id, holder=holder, expires_at=time.time() + expires_in
            )
        )


def _time_to_take(saver: SQLSaver, thread_id: str, timeout: float = 10.0) -> float:
    started = time.monotonic()
    with saver.thread_lock(thread_id, timeout=timeout):
        return time.monotonic() - started


def _zombie() -> subprocess.Popen[bytes]:
    """A child that has exited but was not reaped yet (its pid still exists, as a zombie)."""
    child = subprocess.Popen(["true"])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return child


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("kind", ["exited", "zombie", "pid_reused"])
def test_a_dead_holder_on_this_machine_is_taken_over_at_once(
    lease_saver: SQLSaver, kind: str, caplog: Any
) -> None:
    me = LockHolder.of_this_process()
    child = None
    if kind == "exited":
        exited = subprocess.Popen(["true"])
        exited.wait()  # reaped: the pid no longer exists
        holder = LockHolder("dead", exited.pid, "12345", _MACHINE)
    elif kind == "zombie":
        child = _zombie()
        holder = LockHolder("zombie", child.pid, "", _MACHINE)
    else:  # a live process now has the pid, but it started at another time than the holder
        holder = me._replace(token="older", started=str(int(me.started) - 1))
    _leave_lease(lease_saver, "t", str(holder), expires_in=60)
    with caplog.at_level(logging.WARNING, logger="storage.thread_lock"):
        assert _time_to_take(lease_saver, "t", timeout=5) < 1.0
    assert "died holding it" in caplog.text
    if child is not None:
        child.wait()


HOLD = """
import sys, time
from storage.thread_lock import LockHolder
print(LockHolder.of_this_process(), flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("kind", ["alive", "other_machine", "older_version"])
def test_a_holder_that_may_be_alive_keeps_the_lock_until_its_lease_ends(
    lease_saver: SQLSaver, kind: str
) -> None:
    """A live holder is never robbed; one that cannot be checked (another machine on a shared
    file, a row written by an older version) keeps the lock until its lease expires."""
    child = None
    if kind == "alive":
        child = subprocess.Popen(
            [sys.executable, "-c", HOLD],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert child.stdout is not None
        holder = child.stdout.readline().strip()
        assert LockHolder.parse(holder) is not None
    elif kind == "other_machine":
        holder = str(LockHolder("remote", 2**22 + 7, "1", "0" * 16))  # no such pid here
    else:
        holder = uuid.uuid4().hex
    try:
        _leave_lease(lease_saver, "t", holder, expires_in=1.0)
        with pytest.raises(ThreadBusyError), lease_saver.thread_lock("t", timeout=0.5):
            pass
        assert 0.2 < _time_to_take(lease_saver, "t") < 3.0  # the lease's remaining ~0.5 s
    finally:
        if child is not None:
            child.kill()
            child.wait()


def test_the_lease_is_well_below_the_agents_wait_and_the_holder_fits_its_column() -> None:
    """A turn behind a crashed holder on another machine runs, never races the lease."""
    assert DEFAULT_LEASE * 2 <= LOCK_TIMEOUT_S
    holder = LockHolder.of_this_process()
    assert len(str(holder)) <= thread_locks.c.holder.type.length  # type: ignore[attr-defined]
    assert LockHolder.parse(str(holder)) == holder and holder.pid == os.getpid()
    assert not holder.is_gone()


# --- releasing never fails a stored turn (finding 12) -------------------------------------

REFUSE_DELETE = (
    "CREATE TRIGGER refuse_delete BEFORE DELETE ON trainchat_thread_locks "
    "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
)


def test_a_failed_lease_delete_does_not_fail_the_turn(lease_saver: SQLSaver, caplog: Any) -> None:
    """The lease DELETE fails (the disk filled up during the turn): the turn, already
    stored, is not reported as failed; the next turn in this process takes over at once."""
    with caplog.at_level(logging.WARNING, logger="storage.thread_lock"):
        with lease_saver.thread_lock("full", timeout=5), lease_saver.engine.begin() as conn:
            conn.exec_driver_sql(REFUSE_DELETE)
        assert "could not remove the turn lock of thread 'full'" in caplog.text
        assert "database or disk is full" in caplog.text
        with lease_saver.engine.begin() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(thread_locks)).scalar()
            conn.exec_driver_sql("DROP TRIGGER refuse_delete")
        assert _time_to_take(lease_saver, "full", timeout=5) < 1.0  # lease: 60 s


def test_a_failed_release_keeps_the_bodys_own_error(lease_saver: SQLSaver) -> None:
    with pytest.raises(ValueError, match="the turn failed"), lease_saver.thread_lock("body", 5):
        with lease_saver.engine.begin() as conn:
            conn.exec_driver_sql(REFUSE_DELETE)
        raise ValueError("the turn failed")


async def test_async_release_never_raises(lease_saver: SQLSaver) -> None:
    async with lease_saver.athread_lock("async-full", timeout=5):
        with lease_saver.engine.begin() as conn:
            conn.exec_driver_sql(REFUSE_DELETE)
    with lease_saver.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER refuse_delete")
    async with lease_saver.athread_lock("async-full", timeout=1):
        pass
