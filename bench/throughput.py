"""(e) Turns per second with concurrent workers on PostgreSQL, each worker its own conversation.

Every worker runs ``turns`` turns of the four-node graph on a thread_id of its own; the figure is
all turns divided by the wall time from a common start signal to the last worker's end. Each
worker first runs one untimed warm-up turn (connections, caches) on a separate thread_id.

Set-ups compared, each on a fresh database:

- threads sharing one saver: SQLSaver with ``pool_size=workers``; PostgresSaver over a
  ``psycopg_pool.ConnectionPool`` of the same size (its documented concurrent set-up; note that
  PostgresSaver still takes one ``threading.Lock`` per instance around every call);
- threads with one PostgresSaver each (its own connection): the way to get around that lock;
- SQLSaver sharing one saver with each turn inside ``saver.thread_lock`` (what the agent does);
- processes, one saver each (both savers): no GIL, only the database is shared.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres import PostgresSaver

from bench.conversation_graph import build_conversation_graph, thread_config, turn_input
from bench.savers import SQLSAVER, libpq_conninfo, open_saver, sqlsaver_class

__all__ = ["ThroughputResult", "measure_throughput", "SETUPS"]


@dataclass(frozen=True)
class ThroughputResult:
    """One saver set-up under concurrent load."""

    label: str
    """Saver implementation."""
    setup: str
    """How the workers share it (a key of SETUPS)."""
    workers: int
    """Concurrent workers."""
    turns: int
    """Turns completed in total."""
    seconds: float
    """Wall time from the start signal to the last worker's end."""
    client_cpu: float
    """CPU seconds the workers' own process(es) spent (Python, driver, serializer; not the
    database server): with 2 cores and a GIL, this is what bounds throughput."""

    @property
    def cpu_ms_per_turn(self) -> float:
        """Client CPU per turn: the cost of a turn to the machine, whatever the parallelism."""
        return self.client_cpu / self.turns * 1e3

    @property
    def turns_per_second(self) -> float:
        """Throughput: the figure target (e) compares."""
        return self.turns / self.seconds


SETUPS = {
    "shared": "threads, one shared saver (pool of N connections)",
    "shared+lock": "threads, one shared saver, each turn under saver.thread_lock",
    "per-worker": "threads, one saver per worker (own connection)",
    "processes": "processes, one saver per process",
}


def _run_turns(graph: Any, thread_id: str, turns: int, saver: Any, lock: bool) -> None:
    config = thread_config(thread_id)
    for turn in range(turns):
        with saver.thread_lock(thread_id, timeout=60) if lock else nullcontext():
            graph.invoke(turn_input(turn, thread_id), config)


@contextmanager
def _own_saver(label: str, url: str) -> Iterator[BaseCheckpointSaver[Any]]:
    """A saver of the worker's own on an already set-up database."""
    if label == SQLSAVER:
        saver = sqlsaver_class().from_url(url)
        try:
            yield saver
        finally:
            saver.close()
    else:
        with PostgresSaver.from_conn_string(libpq_conninfo(url)) as peer:
            yield peer


def _threads(
    workers: int, turns: int, worker: Callable[[int, threading.Barrier], None]
) -> tuple[float, float]:
    barrier = threading.Barrier(workers + 1)
    pool = [threading.Thread(target=worker, args=(i, barrier)) for i in range(workers)]
    for thread in pool:
        thread.start()
    # A worker that fails before the start breaks the barrier; the caller raises its error.
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait()
    start, cpu = time.perf_counter(), time.process_time()
    for thread in pool:
        thread.join()
    return time.perf_counter() - start, time.process_time() - cpu


def _thread_setup(
    label: str, setup: str, workdir: Path, workers: int, turns: int
) -> tuple[float, float]:
    pool_size = workers if setup != "per-worker" else 1
    with open_saver(label, "postgres", workdir, pool_size=pool_size) as opened:
        shared_graph = build_conversation_graph(opened.saver)
        errors: list[BaseException] = []

        def worker(index: int, barrier: threading.Barrier) -> None:
            try:
                with (
                    _own_saver(label, opened.url) if setup == "per-worker" else nullcontext()
                ) as own:
                    saver = own or opened.saver
                    graph = build_conversation_graph(saver) if own else shared_graph
                    _run_turns(graph, f"warm-up-{index}", 1, saver, False)
                    barrier.wait()
                    _run_turns(graph, f"worker-{index}", turns, saver, setup == "shared+lock")
            except BaseException as error:  # reported after the run, never swallowed
                errors.append(error)
                barrier.abort()

        seconds, cpu = _threads(workers, turns, worker)
        if errors:
            raise RuntimeError(f"{label} {setup}: a worker failed") from errors[0]
        return seconds, cpu


def _process_worker(
    label: str, url: str, index: int, turns: int, ready: Any, go: Any, done: Any
) -> None:
    """Body of one worker process (module-level so that the fork server can import it)."""
    with _own_saver(label, url) as saver:
        graph = build_conversation_graph(saver)
        _run_turns(graph, f"warm-up-{index}", 1, saver, False)
        ready.put(index)
        go.wait()
        cpu = time.process_time()
        _run_turns(graph, f"worker-{index}", turns, saver, False)
        done.put(time.process_time() - cpu)


def _collect(queue: Any, procs: list[Any], label: str) -> list[float]:
    """One message from every worker; a worker that died instead raises at once, not at timeout."""
    received: list[float] = []
    while len(received) < len(procs):
        try:
            received.append(queue.get(timeout=1.0))
        except Empty:
            if dead := [p.exitcode for p in procs if p.exitcode not in (None, 0)]:
                raise RuntimeError(f"{label} processes: workers exited with {dead}") from None
    return received


def _process_setup(label: str, workdir: Path, workers: int, turns: int) -> tuple[float, float]:
    # Not a plain fork: the parent holds connections and pool threads a fork would copy
    # half-alive. A fork server that imported everything once starts workers in milliseconds.
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(["bench.throughput", "storage"])
    ready, done, go = context.Queue(), context.Queue(), context.Event()
    with open_saver(label, "postgres", workdir) as opened:
        procs = [
            context.Process(
                target=_process_worker, args=(label, opened.url, i, turns, ready, go, done)
            )
            for i in range(workers)
        ]
        for proc in procs:
            proc.start()
        _collect(ready, procs, label)
        start = time.perf_counter()
        go.set()
        cpu = sum(_collect(done, procs, label))
        seconds = time.perf_counter() - start
        for proc in procs:
            proc.join()
        failed = [proc.exitcode for proc in procs if proc.exitcode != 0]
        if failed:
            raise RuntimeError(f"{label} processes: workers exited with {failed}")
        return seconds, cpu


def measure_throughput(
    workdir: Path, workers: int, turns: int, *, processes: bool = True, rounds: int = 1
) -> list[ThroughputResult]:
    """Every set-up of SETUPS for PostgresSaver and (when importable) SQLSaver, ``rounds`` times.

    Rounds alternate the order of the set-ups, so a burst of load elsewhere on the machine
    does not always land on the same one; the table reports the median round.
    """
    plan = [("PostgresSaver", "shared"), ("PostgresSaver", "per-worker")]
    if sqlsaver_class() is not None:
        plan += [(SQLSAVER, "shared"), (SQLSAVER, "shared+lock")]
    if processes:
        plan += [("PostgresSaver", "processes")]
        if sqlsaver_class() is not None:
            plan += [(SQLSAVER, "processes")]
    results = []
    for round_ in range(rounds):
        for label, setup in plan if round_ % 2 == 0 else reversed(plan):
            results.append(_measure_setup(label, setup, workdir, workers, turns))
    return results


def _measure_setup(
    label: str, setup: str, workdir: Path, workers: int, turns: int
) -> ThroughputResult:
    if setup == "processes":
        seconds, cpu = _process_setup(label, workdir, workers, turns)
    else:
        seconds, cpu = _thread_setup(label, setup, workdir, workers, turns)
    return ThroughputResult(label, setup, workers, workers * turns, seconds, cpu)
