"""One command for the storage benchmarks: ``python -m bench.storage --all``.

Runs (a)–(f) in one process, SQLSaver side by side with LangGraph's SqliteSaver (on SQLite) and
PostgresSaver (on PostgreSQL), each saver on a fresh database; prints markdown tables and writes
them, with the exact command, the date and the machine's facts, into the Storage section of
BENCHMARKS.md. ``--scale smoke`` runs the same code with tiny counts in a few seconds (the smoke
test uses it so the harness cannot rot); a smoke run never writes BENCHMARKS.md unless told to.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.conversation_growth import GrowthPoint, measure_growth
from bench.invoke_latency import measure_invokes
from bench.report import machine_facts, markdown_table, write_section
from bench.retention import measure_retention, retention_table
from bench.saver_ops import OpsScale, measure_operations
from bench.savers import in_memory_reference, open_savers, sqlsaver_missing_reason
from bench.storage_tables import (
    bytes_table,
    growth_table,
    invoke_table,
    operations_table,
    throughput_table,
)
from bench.storage_targets import (
    Verdict,
    bytes_verdicts,
    invoke_verdicts,
    operation_verdicts,
    targets_table,
    throughput_verdicts,
)
from bench.throughput import measure_throughput

__all__ = ["StorageScale", "SCALES", "run", "main"]

REPO_ROOT = Path(__file__).resolve().parent.parent
MEASUREMENTS = ("a", "b", "c", "d", "e", "f")
BACKENDS = ("sqlite", "postgres")


@dataclass(frozen=True)
class StorageScale:
    """Counts for one run; ``full`` is what BENCHMARKS.md reports (~3 minutes on 2 cores)."""

    invokes: int
    """(a) invokes per saver."""
    threads: int
    """(a) conversations the invokes are spread over."""
    ops: OpsScale
    """(b) calls per operation."""
    growth_marks: tuple[int, ...]
    """(d) conversation lengths (turns) at which size and read time are taken."""
    growth_reads: int
    """(d) reads per mark."""
    workers: int
    """(e) concurrent workers."""
    turns_per_worker: int
    """(e) turns each worker runs."""
    processes: bool
    """(e) also run the one-saver-per-process set-ups (spawning costs a few seconds)."""
    rounds: int
    """(e) times each set-up is run (the median is reported)."""
    retention_threads: int = 10_000
    """(f) conversations written, listed and pruned."""
    retention_turns: int = 10
    """(f) checkpoints per conversation."""


SCALES = {
    "full": StorageScale(200, 20, OpsScale(1000, 300, 5), (50, 100, 200), 10, 8, 25, True, 5),
    "smoke": StorageScale(6, 3, OpsScale(12, 4, 2), (2, 4), 2, 2, 2, False, 1, 10, 3),
}


def _section(title: str, how: str, table: str, seconds: float) -> str:
    return f"### {title}\n\n{how} ({seconds:.0f} s)\n\n{table}\n"


def _invokes_and_bytes(
    scale: StorageScale, only: Sequence[str], workdir: Path, verdicts: list[Verdict]
) -> dict[str, str]:
    """(a) and (c): one workload, timed, then sized."""
    started, results = time.perf_counter(), []
    for backend in BACKENDS:
        with open_savers(backend, workdir) as savers:
            reference = in_memory_reference(backend)
            results += measure_invokes([*savers, reference], scale.invokes, scale.threads)
    took, parts = time.perf_counter() - started, {}
    if "a" in only:
        how = (
            f"A four-node `StateGraph` (understand → validate → plan → respond, six "
            f"checkpoints per invoke), {scale.invokes} invokes round-robin over "
            f"{scale.threads} threads, one at a time; savers interleaved invoke by invoke. On "
            f"SQLite, SqliteSaver's connection gets SQLSaver's `PRAGMA synchronous` (same "
            f"durability, no fsync advantage either way); the same holds in (b) and (d). "
            f"LangGraph's `InMemorySaver` runs interleaved with them as the floor: no database, "
            f"only the graph engine and LangGraph's own checkpointing"
        )
        parts["a"] = _section("(a) ms per invoke", how, invoke_table(results), took)
        verdicts += invoke_verdicts(results)
    if "c" in only:
        how = (
            "The databases of (a) afterwards: bytes of every table and index the saver made "
            "(SQLite `dbstat` page sizes; PostgreSQL `pg_total_relation_size`, TOAST "
            "included) minus the empty schema, divided by the checkpoints `list` returns"
        )
        parts["c"] = _section("(c) bytes on disk per checkpoint", how, bytes_table(results), took)
        verdicts += bytes_verdicts(results)
    return parts


def _operations(scale: StorageScale, workdir: Path, verdicts: list[Verdict]) -> str:
    """(b)."""
    started, ops = time.perf_counter(), {}
    for backend in BACKENDS:
        with open_savers(backend, workdir) as savers:
            ops[backend] = measure_operations(savers, scale.ops)
    how = (
        f"One thread of {scale.ops.checkpoints} checkpoints written with `put` (each followed "
        f"by `put_writes` of two writes); then `get_tuple` of the latest and `list(limit=10)` "
        f"×{scale.ops.reads}, and `list` of the whole thread ×{scale.ops.lists}. Calls timed "
        f"one by one; savers interleaved in slices. `ANALYZE` before the reads (what "
        f"autovacuum does on a live server: a minute-old table has no planner statistics)"
    )
    took = time.perf_counter() - started
    verdicts += operation_verdicts(ops)
    return _section("(b) the saver interface, per call", how, operations_table(ops), took)


def _growth(scale: StorageScale, workdir: Path) -> str:
    """(d)."""
    started, growth = time.perf_counter(), dict[str, list[GrowthPoint]]()
    for backend in BACKENDS:
        growth[backend] = []
        for delta in (False, True):
            with open_savers(backend, workdir) as savers:
                growth[backend] += measure_growth(
                    savers, scale.growth_marks, scale.growth_reads, delta=delta
                )
    how = (
        "One conversation of the graph of (a); every turn adds a user and an AI message "
        "(~200 characters each). The message list is kept two ways: the usual `add_messages` "
        "(each new version of the list is stored whole) and LangGraph's `DeltaChannel` (beta: "
        "only new messages are stored; a read replays them through the saver's "
        "`get_delta_channel_history`). At each mark: bytes stored, and the latest state read "
        f"×{scale.growth_reads} through `graph.get_state` and `saver.get_tuple` (medians, "
        f"after `ANALYZE` as in (b)). DeltaChannel snapshots every 150 updates, so the marks "
        f"fall between snapshots (100, 50 and 100 writes to replay)"
    )
    took = time.perf_counter() - started
    return _section("(d) one growing conversation", how, growth_table(growth), took)


def _throughput(scale: StorageScale, workdir: Path, verdicts: list[Verdict]) -> str:
    """(e)."""
    started = time.perf_counter()
    results = measure_throughput(
        workdir,
        scale.workers,
        scale.turns_per_worker,
        processes=scale.processes,
        rounds=scale.rounds,
    )
    how = (
        f"PostgreSQL, {scale.workers} workers × {scale.turns_per_worker} turns of the graph "
        f"of (a), each worker on its own thread_id, started together; turns / wall time, "
        f"median of {scale.rounds} rounds (set-ups alternate order between rounds). Client "
        f"CPU is the workers' own process time (not the database server's). "
        f"PostgresSaver holds one `threading.Lock` per instance around every call, even over "
        f"a `ConnectionPool`, hence also the one-saver-per-worker set-up"
    )
    verdicts += throughput_verdicts(results)
    title = f"(e) throughput, {scale.workers} workers on PostgreSQL"
    return _section(title, how, throughput_table(results), time.perf_counter() - started)


def _retention(scale: StorageScale, workdir: Path) -> str:
    """(f)."""
    started = time.perf_counter()
    backends = (*BACKENDS, "mariadb")
    results = measure_retention(workdir, backends, scale.retention_threads, scale.retention_turns)
    how = (
        f"{scale.retention_threads:,} conversations of {scale.retention_turns} checkpoints "
        f"each (two written with `put`, ids made 60 and 40 days ago, the rest their rows "
        f"replicated in one transaction; a growing message list and a step per checkpoint), "
        f"then `list_threads(channels=(messages, step))` "
        f"(median of 3), `prune_idle(50 days, delete)` and `prune_idle(30 days, keep_latest)`; "
        f"SQLSaver only (LangGraph's savers can neither list threads nor prune by age), on "
        f"SQLite, PostgreSQL and MariaDB"
    )
    took = time.perf_counter() - started
    return _section("(f) listing and retention", how, retention_table(results), took)


def run(scale: StorageScale, only: Sequence[str], workdir: Path, command: str) -> str:
    """Run the chosen measurements; return the Storage section's markdown, headed by ``command``."""
    started, parts, load_before = time.perf_counter(), {}, os.getloadavg()[0]
    verdicts: list[Verdict] = []
    if "a" in only or "c" in only:
        parts.update(_invokes_and_bytes(scale, only, workdir, verdicts))
        _progress("(a), (c)", started)
    if "b" in only:
        parts["b"] = _operations(scale, workdir, verdicts)
        _progress("(b)", started)
    if "d" in only:
        parts["d"] = _growth(scale, workdir)
        _progress("(d)", started)
    if "e" in only:
        parts["e"] = _throughput(scale, workdir, verdicts)
        _progress("(e)", started)
    if "f" in only:
        parts["f"] = _retention(scale, workdir)
        _progress("(f)", started)
    elapsed = time.perf_counter() - started
    load = f"{load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    summary = ""
    if verdicts:
        how = "The issue's targets, from the tables below (ratios of means; medians there too)"
        summary = f"### Targets at a glance\n\n{how}.\n\n{targets_table(verdicts)}\n\n"
    body = "\n".join(parts[m] for m in sorted(parts))
    return _header(command, only, elapsed, load) + "\n" + summary + body


def _progress(done: str, started: float) -> None:
    print(f"{done} done, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)


def _header(command: str, only: Sequence[str], elapsed: float, load: str) -> str:
    missing = sqlsaver_missing_reason()
    lines = [
        f"Command: `{command}` (measurements {', '.join(only)}; {elapsed:.0f} s).",
        "",
    ]
    if missing:
        lines += [f"**SQLSaver not measured**: {missing}. Only the peers' figures below.", ""]
    facts = [*machine_facts(), ("load average (1 min)", load)]
    lines.append(markdown_table(["fact", "value"], facts))
    return "\n".join(lines) + "\n"


def _measuring_args(argv: Sequence[str]) -> list[str]:
    """The arguments that change what is measured (not where the tables are written)."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--output":
            skip = True
        elif not arg.startswith("--output="):
            kept.append(arg)
    return kept


def main(argv: Sequence[str] | None = None) -> str:
    """Parse the command line, run, print the tables, write BENCHMARKS.md; return the markdown."""
    parser = argparse.ArgumentParser(prog="python -m bench.storage", description=__doc__)
    parser.add_argument("--all", action="store_true", help="run (a)–(f) (the default)")
    parser.add_argument("--only", default="", help="comma-separated subset of a,b,c,d,e,f")
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--output", type=Path, help="file to write (default: BENCHMARKS.md)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    command = " ".join(["python -m bench.storage", *_measuring_args(argv)])
    only = tuple(m for m in args.only.split(",") if m) or MEASUREMENTS
    if unknown := set(only) - set(MEASUREMENTS):
        parser.error(f"unknown measurement(s) {sorted(unknown)}; choose from a,b,c,d,e,f")
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as workdir:
        body = run(SCALES[args.scale], only, Path(workdir), command)
    print(body)
    output = args.output or (REPO_ROOT / "BENCHMARKS.md" if args.scale == "full" else None)
    if output is not None and not args.no_write:
        write_section(output, "storage", body)
        print(f"Wrote the Storage section of {output}", file=sys.stderr)
    return body


if __name__ == "__main__":
    main()
