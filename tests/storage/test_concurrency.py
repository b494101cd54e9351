"""Concurrent turns on shared conversations: with the turn lock, none is ever lost."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable

import pytest

from storage import SQLSaver
from tests.storage.graphs import build_turn_graph, config_for
from tests.storage.workers import item, take_turns, thread_of


def _check_every_item_once(url: str, workers: int, turns: int, threads: int) -> None:
    """Each conversation holds exactly its turns' items, and its history never forks."""
    with SQLSaver.from_url(url) as saver:
        graph = build_turn_graph(saver)
        for index in range(threads):
            thread_id = f"conv-{index}"
            expected = sorted(
                item(w, t)
                for w in range(workers)
                for t in range(turns)
                if thread_of(w, t, threads) == thread_id
            )
            state = graph.get_state(config_for(thread_id)).values
            assert sorted(state["items"]) == expected, thread_id
            assert state["turns"] == len(expected)
            parents = [
                tup.parent_config["configurable"]["checkpoint_id"]
                for tup in saver.list(config_for(thread_id))
                if tup.parent_config
            ]
            assert len(parents) == len(set(parents)), f"{thread_id} forked"


def _run_processes(url: str, workers: int, turns: int, threads: int) -> None:
    with SQLSaver.from_url(url) as saver:
        saver.setup()
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(workers)
    processes = [
        spawn.Process(target=take_turns, args=(url, w, turns, threads, start))
        for w in range(workers)
    ]
    for process in processes:
        process.start()
    deadline = time.monotonic() + 150
    for process in processes:
        process.join(max(0.1, deadline - time.monotonic()))
    stuck = [p.pid for p in processes if p.is_alive()]
    for process in processes:
        if process.is_alive():
            process.kill()
    assert not stuck, f"deadlock: workers {stuck} still running"
    assert [p.exitcode for p in processes] == [0] * workers
    _check_every_item_once(url, workers, turns, threads)


@pytest.mark.timeout(200)
def test_postgres_8_processes_25_turns_4_threads(postgres_db: str) -> None:
    """The issue's scenario: 8 processes x 25 turns on 4 conversations."""
    _run_processes(postgres_db, workers=8, turns=25, threads=4)


@pytest.mark.timeout(200)
def test_mariadb_processes(mariadb_db: str) -> None:
    """The same on MariaDB (GET_LOCK), smaller."""
    _run_processes(mariadb_db, workers=4, turns=10, threads=3)


@pytest.mark.timeout(200)
def test_sqlite_processes(sqlite_db: str) -> None:
    """Processes on one SQLite file: lease locks across processes, writers queue on the
    busy timeout, and "database is locked" never reaches the caller."""
    _run_processes(sqlite_db, workers=4, turns=8, threads=2)


def _run_threads(url: str, workers: int, turns: int, threads: int) -> None:
    _run_threads_with(url, workers, turns, threads)


def _run_threads_with(
    url: str, workers: int, turns: int, threads: int, **engine_kwargs: object
) -> None:
    errors: list[BaseException] = []
    with SQLSaver.from_url(url, **engine_kwargs) as saver:
        saver.setup()
        graph = build_turn_graph(saver)

        def worker(w: int) -> None:
            try:
                for t in range(turns):
                    thread_id = thread_of(w, t, threads)
                    with saver.thread_lock(thread_id, timeout=120):
                        graph.invoke({"items": [item(w, t)]}, config_for(thread_id))
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        pool = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join(150)
        assert not any(t.is_alive() for t in pool), "deadlock"
    assert not errors, errors
    _check_every_item_once(url, workers, turns, threads)


@pytest.mark.timeout(200)
def test_sqlite_8_threads_25_turns_4_threads(sqlite_db: str) -> None:
    """Python threads in one process sharing one saver on SQLite."""
    _run_threads(sqlite_db, workers=8, turns=25, threads=4)


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("runner", [_run_processes, _run_threads])
def test_heavy_postgres(postgres_db: str, runner: Callable[..., None]) -> None:
    """16 workers x 50 turns on 4 conversations."""
    runner(postgres_db, workers=16, turns=50, threads=4)


@pytest.mark.timeout(120)
def test_held_locks_never_starve_the_pool(postgres_db: str) -> None:
    """Locks hold their connections from a pool of their own: with a one-connection main
    pool, four turns holding four locks still all get to save their checkpoints."""
    _run_threads_with(postgres_db, workers=4, turns=3, threads=4, pool_size=1, max_overflow=0)


@pytest.mark.parametrize("backend", ["postgres", "mariadb"])
def test_calls_run_in_parallel_on_servers(backend: str, request: pytest.FixtureRequest) -> None:
    """No saver-wide lock: concurrent calls hold several pooled connections at the same time."""
    from langgraph.checkpoint.conformance.test_utils import (
        generate_checkpoint,
        generate_config,
        generate_metadata,
    )
    from sqlalchemy import event

    url = request.getfixturevalue(f"{backend}_db")
    with SQLSaver.from_url(url) as saver:
        saver.setup()
        busy, peak, guard = 0, 0, threading.Lock()

        def checkout(*_: object) -> None:
            nonlocal busy, peak
            with guard:
                busy += 1
                peak = max(peak, busy)

        def checkin(*_: object) -> None:
            nonlocal busy
            with guard:
                busy -= 1

        event.listen(saver.engine.pool, "checkout", checkout)
        event.listen(saver.engine.pool, "checkin", checkin)
        barrier = threading.Barrier(4)

        def work(n: int) -> None:
            barrier.wait()
            for step in range(15):
                stored = saver.put(
                    generate_config(f"par-{n}"),
                    generate_checkpoint(),
                    generate_metadata(step=step),
                    {},
                )
                saver.get_tuple(stored)

        pool = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join(60)
        assert peak >= 2, "calls were serialised"
        assert all(len(list(saver.list(generate_config(f"par-{n}")))) == 15 for n in range(4))
