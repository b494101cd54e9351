"""The per-conversation turn lock: exclusion, timeouts, async use, and crashed holders."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest

from storage import SQLSaver, ThreadBusyError
from tests.storage.workers import hold_lock_forever


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
    """SIGKILL the holder: servers free the lock with its connection, SQLite when the lease
    runs out."""
    lease = 2.0
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
        if saver.dialect == "sqlite":
            assert waited <= lease + 1.5
        else:
            assert waited < 2.0, f"lock held {waited:.1f} s after its holder died"
