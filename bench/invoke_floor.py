"""How low (a) can go: the invoke of (a) on savers that do less and less, SQLite and PostgreSQL.

``python -m bench.invoke_floor [--invokes 300] [--backends sqlite postgres] [--write BENCHMARKS.md]``

Issue 12 asks for an invoke at most 0.85× SqliteSaver's. What a saver can win is bounded by what
an invoke costs when the saver does (almost) nothing, so this runs the workload of (a) — the same
graph, turns round-robin over 20 conversations, savers interleaved invoke by invoke — on:

- *nothing*: a saver that keeps each conversation's newest checkpoint by reference (no copy, no
  bytes) and writes nothing: the graph engine and LangGraph's own checkpointing alone;
- *InMemorySaver*: LangGraph's, values serialized into a dict;
- *one INSERT per write call*: *nothing* plus, in every ``put`` and ``put_writes``, one
  autocommit INSERT of 600 bytes into a SQLite file in WAL mode at ``synchronous=NORMAL`` (the
  settings of both savers below) — no serialization, no read: less than any saver that
  persists a checkpoint can do;
- *InMemorySaver + one INSERT per write call*: LangGraph's serialization and decoding added;
- SqliteSaver and SQLSaver, as in (a).

LangGraph runs ``put`` and ``put_writes`` on executor threads while the next node runs. Each
blocking call in them (a SQLite step, a compression) releases the GIL; the main thread takes
it, and the writer waits for it back: the time of a call inside an invoke is several times its
time alone. The *one INSERT per write call* row is what eleven such calls per invoke cost at the
least. A last table times one such INSERT three ways: from the thread that waits for it,
through a one-thread pool, and beside a thread running Python. Prints the tables; ``--write``
puts them in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psycopg
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple
from langgraph.checkpoint.memory import InMemorySaver

from bench.conversation_graph import build_conversation_graph, thread_config, turn_input
from bench.interleave import round_robin
from bench.report import machine_facts, markdown_table, write_section
from bench.savers import IN_MEMORY, PEER_OF, libpq_conninfo, open_savers
from tests.databases import server_database

__all__ = ["IN_MEMORY_INSERT", "NOTHING", "ONE_INSERT", "insert_costs", "main", "measure"]

NOTHING = "nothing (newest checkpoint kept by reference)"
ONE_INSERT = "nothing + one INSERT per write call (600 B, autocommit)"
IN_MEMORY_INSERT = "InMemorySaver + one INSERT per write call"


class _Inserts:
    """One autocommit INSERT of 600 random bytes per call, on one connection behind a lock (as
    SqliteSaver and PostgresSaver hold theirs): into a SQLite file set up as the savers of (a)
    set theirs (WAL, ``synchronous=NORMAL``), or a table in the PostgreSQL database ``url``."""

    def __init__(self, database: Path | str) -> None:
        self._conn: Any
        if isinstance(database, Path):
            self._conn = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._sql = "INSERT INTO rows VALUES (?, ?)"
        else:
            self._conn = psycopg.connect(libpq_conninfo(database), autocommit=True)
            self._sql = "INSERT INTO rows VALUES (%s, %s)"
        self._conn.execute("CREATE TABLE IF NOT EXISTS rows (key TEXT PRIMARY KEY, value BYTEA)")
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            self._conn.execute(self._sql, (os.urandom(16).hex(), os.urandom(600)))


def _no_insert() -> None:
    """The *nothing* saver's write: none."""


class _InMemoryInserting(InMemorySaver):
    """LangGraph's ``InMemorySaver`` (each channel version serialized once, the state decoded
    on every read) plus one INSERT per write call: about the least a saver that persists can
    do, with nothing of its own between LangGraph and the database."""

    def __init__(self, database: Path | str) -> None:
        super().__init__()
        self._insert = _Inserts(database)

    def put(self, *args: Any, **kwargs: Any) -> RunnableConfig:
        self._insert()
        return super().put(*args, **kwargs)

    def put_writes(self, *args: Any, **kwargs: Any) -> None:
        self._insert()
        super().put_writes(*args, **kwargs)


class _NothingSaver(BaseCheckpointSaver[str]):
    """Keeps each conversation's newest checkpoint by reference; optionally one INSERT per
    write call. Not a checkpointer anyone should use: the floor under (a)."""

    def __init__(self, database: Path | str | None = None) -> None:
        super().__init__()
        self._newest: dict[str, CheckpointTuple] = {}
        self._insert: Callable[[], None] = _Inserts(database) if database else _no_insert

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self._newest.get(config["configurable"]["thread_id"])

    def put(
        self, config: RunnableConfig, checkpoint: Any, metadata: Any, new_versions: Any
    ) -> RunnableConfig:
        self._insert()
        thread_id = config["configurable"]["thread_id"]
        stored: RunnableConfig = {
            "configurable": {
                "thread_id": thread_id,
                "checkpoint_ns": "",
                "checkpoint_id": checkpoint["id"],
            }
        }
        self._newest[thread_id] = CheckpointTuple(stored, checkpoint, metadata, config, [])
        return stored

    def put_writes(
        self, config: RunnableConfig, writes: Sequence[Any], task_id: str, task_path: str = ""
    ) -> None:
        self._insert()

    def list(self, *args: Any, **kwargs: Any) -> Iterator[CheckpointTuple]:
        return iter(())


def _workload(
    saver: BaseCheckpointSaver[Any], invokes: int, wall: list[float], cpu: list[float]
) -> Iterator[None]:
    graph = build_conversation_graph(saver)
    graph.invoke(turn_input(0, "warm-up"), thread_config("warm-up"))
    yield
    for i in range(invokes):
        thread, turn = f"conversation-{i % 20}", i // 20
        started, used = time.perf_counter(), time.process_time()
        graph.invoke(turn_input(turn, thread), thread_config(thread))
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
        yield


def measure(
    invokes: int, workdir: Path, backend: str = "sqlite"
) -> dict[str, tuple[list[float], list[float]]]:
    """Seconds of wall and process CPU per invoke, per saver, all interleaved. On PostgreSQL
    the INSERTs go to a database of their own, as each saver has."""
    with ExitStack() as stack:
        opened = stack.enter_context(open_savers(backend, workdir))
        target: list[Path | str] = [workdir / "one-insert.db", workdir / "in-memory-insert.db"]
        if backend == "postgres":
            target = [stack.enter_context(server_database("postgres")) for _ in range(2)]
        savers: dict[str, BaseCheckpointSaver[Any]] = {
            NOTHING: _NothingSaver(),
            IN_MEMORY: InMemorySaver(),
            ONE_INSERT: _NothingSaver(target[0]),
            IN_MEMORY_INSERT: _InMemoryInserting(target[1]),
            **{o.label: o.saver for o in opened},
        }
        samples: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in savers}
        round_robin([_workload(saver, invokes, *samples[label]) for label, saver in savers.items()])
    return samples


def _table(samples: dict[str, tuple[list[float], list[float]]], backend: str) -> str:
    peer = statistics.mean(samples[PEER_OF[backend]][0])
    rows = [
        [
            label,
            len(wall),
            statistics.mean(wall) * 1e3,
            statistics.median(wall) * 1e3,
            statistics.mean(cpu) * 1e3,
            f"{statistics.mean(wall) / peer:.2f}×",
        ]
        for label, (wall, cpu) in samples.items()
    ]
    header = ["saver", "invokes", "mean ms", "p50 ms", "CPU ms / invoke", "/ peer (mean)"]
    return markdown_table(header, rows)


def _busy(stop: threading.Event) -> None:
    """Run Python until told to stop, as LangGraph's main thread runs the next node."""
    count = 0
    while not stop.is_set():
        count += 1


def insert_costs(workdir: Path, count: int) -> list[list[object]]:
    """One INSERT of *one INSERT per write call*, three ways: CPU and wall time per INSERT.

    From the thread that waits for it; handed to a one-thread pool and waited for (a hand-off
    each way); and from this thread while another runs Python (as LangGraph's main thread does
    beside its writers): the INSERT releases the GIL for SQLite's step and must win it back.
    """
    insert = _Inserts(workdir / "insert-costs.db")
    rows: list[list[object]] = []

    def timed(label: str, run: Callable[[], None], clock: Callable[[], float]) -> None:
        used, started = clock(), time.perf_counter()
        for _ in range(count):
            run()
        cpu, wall = (clock() - used) / count, (time.perf_counter() - started) / count
        rows.append([label, count, f"{cpu * 1e6:,.0f} µs", f"{wall * 1e6:,.0f} µs"])

    timed("from the thread that waits for it", insert, time.process_time)
    with ThreadPoolExecutor(1) as pool:
        timed("through a one-thread pool", lambda: pool.submit(insert).result(), time.process_time)
    stop = threading.Event()
    busy = threading.Thread(target=_busy, args=(stop,))
    busy.start()
    try:  # this thread's CPU only: the busy thread's is not the INSERT's
        timed("beside a thread running Python", insert, time.thread_time)
    finally:
        stop.set()
        busy.join()
    return rows


def main(argv: list[str] | None = None) -> None:
    """Measure, print, and with ``--write`` record the table in BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--invokes", type=int, default=300)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--inserts", type=int, default=300, help="per way, in the last table")
    parser.add_argument("--write", type=Path, default=None, help="e.g. BENCHMARKS.md")
    args = parser.parse_args(argv)
    started, tables = time.perf_counter(), []
    for backend in args.backends:
        with tempfile.TemporaryDirectory() as workdir:
            samples = measure(args.invokes, Path(workdir), backend)
        tables.append(f"{backend} (peer: {PEER_OF[backend]})\n\n{_table(samples, backend)}\n")
    with tempfile.TemporaryDirectory() as workdir:
        costs = insert_costs(Path(workdir), args.inserts)
    header = ["one INSERT (SQLite, 600 B, autocommit)", "INSERTs", "CPU each", "wall each"]
    tables.append(f"What one INSERT costs\n\n{markdown_table(header, costs)}\n")
    facts = dict(machine_facts())
    load = os.getloadavg()[0]
    body = (
        f"Command: `python -m bench.invoke_floor --invokes {args.invokes} --backends "
        f"{' '.join(args.backends)} --inserts {args.inserts}` — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, git "
        f"{facts.get('git commit', '?')}, load average {load:.1f} at the end, "
        f"{time.perf_counter() - started:.0f} s.\n\n" + "\n".join(tables)
    )
    print(body)
    if args.write is not None:
        write_section(args.write, "invoke-floor", body)


if __name__ == "__main__":
    main()
