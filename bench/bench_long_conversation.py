"""One long conversation: does the thousandth turn cost what the tenth did? (issue 14)

    python -m bench.bench_long_conversation [--turns 1000] [--backends sqlite,postgres]
                                            [--write BENCHMARKS.md]

Runs ``bench.long_conversation`` (1,000 turns of the real agent, offline parser, one thread) on
InMemorySaver, SqliteSaver, PostgresSaver and SQLSaver on SQLite and PostgreSQL, then times
``trainchat show`` (a fresh process, as a user runs it) on the long thread and on a one-turn
thread of the same database. Prints the tables; ``--write`` replaces the "long-conversation"
section of BENCHMARKS.md.

Targets: median turn over 901-1000 ≤ 1.2× the median over 11-110; bytes per turn over 801-1000
≤ 1.2× over 11-210 and ≤ 3 KB; ``get_state`` of the 1,000-turn thread ≤ 5 ms; ``trainchat
show`` of it ≤ a fresh thread's + 50 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from bench.long_conversation import THREAD, LongRun, run_long_conversations
from bench.report import markdown_table, write_section

__all__ = ["main", "show_seconds"]

_COMMAND = "python -m bench.bench_long_conversation --write BENCHMARKS.md"


def show_seconds(
    url: str, threads: tuple[str, str], runs: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Median wall seconds, and median CPU seconds (user + system of the child process), of
    ``trainchat show --json`` on each of two threads, alternating between them run by run (after
    one warm-up each) so load drift hits both alike. On a shared machine the wall time of a fresh
    process swings by hundreds of milliseconds with the load (waiting for a core); its CPU time
    is what the process itself costs, so the thread's length shows there without that noise."""
    walls: dict[str, list[float]] = {thread: [] for thread in threads}
    cpus: dict[str, list[float]] = {thread: [] for thread in threads}
    for index in range(runs + 1):
        for thread in threads:
            command = [sys.executable, "-m", "agent.cli", "show", "--json"]
            command += ["--db", url, "--thread", thread]
            with tempfile.TemporaryFile() as errors:
                start = time.perf_counter()
                child = subprocess.Popen(
                    command, stdout=subprocess.DEVNULL, stderr=errors, env=dict(os.environ)
                )
                _, status, usage = os.wait4(child.pid, 0)  # the child's own CPU time
                elapsed = time.perf_counter() - start
                child.returncode = os.waitstatus_to_exitcode(status)
                if child.returncode != 0:
                    errors.seek(0)
                    raise SystemExit(f"trainchat show failed: {errors.read().decode().strip()}")
            if index:
                walls[thread].append(elapsed)
                cpus[thread].append(usage.ru_utime + usage.ru_stime)
    wall_pair = (statistics.median(walls[threads[0]]), statistics.median(walls[threads[1]]))
    cpu_pair = (statistics.median(cpus[threads[0]]), statistics.median(cpus[threads[1]]))
    return wall_pair, cpu_pair


def show_in_process_seconds(url: str, threads: tuple[str, str], runs: int) -> tuple[float, float]:
    """Median seconds of the ``show`` command's own work (a new session on ``url``, the state
    read, the JSON printed) run in this process, alternating between the two threads: what
    the thread's length adds, without a process start's noise on a shared machine."""
    from agent.cli.app import app

    walls: dict[str, list[float]] = {thread: [] for thread in threads}
    for index in range(runs + 1):
        for thread in threads:
            args = ["show", "--json", "--db", url, "--thread", thread]
            with contextlib.redirect_stdout(io.StringIO()):
                start = time.perf_counter()
                app(args, standalone_mode=False)
                elapsed = time.perf_counter() - start
            if index:
                walls[thread].append(elapsed)
    first, second = (statistics.median(walls[thread]) for thread in threads)
    return first, second


def _fresh_thread(url: str) -> str:
    """A one-turn thread next to the long one, for ``trainchat show`` to compare with."""
    from agent import create_agent

    agent = create_agent(url, llm="offline")
    config = {"configurable": {"thread_id": "fresh"}}
    agent.invoke({"messages": [{"role": "user", "content": "train resnet18"}]}, config)
    agent.checkpointer.close()  # type: ignore[union-attr]
    return "fresh"


def _ratio(late: float | None, early: float | None) -> str:
    if late is None or early is None or early <= 0:
        return "—"
    return f"{late / early:.2f}×"


def _pair_ms(pair: tuple[float, float] | None, style: str) -> str:
    if pair is None:
        return "—"
    return f"{style.format(pair[0] * 1000)} / {style.format(pair[1] * 1000)}"


def _alternated(run: LongRun) -> str:
    pair = run.alternated_ms()
    if pair is None:
        return "—"
    return f"{pair[0]:.1f} / {pair[1]:.1f} ({_ratio(pair[0], pair[1])})"


def _hundreds_table(runs: list[LongRun], turns: int) -> str:
    header = ["saver", *[f"{h - 99}–{h}" for h in range(100, turns + 1, 100)]]
    rows: list[list[object]] = []
    for run in runs:
        rows.append(
            [f"{run.label} ms p50"]
            + [f"{run.median_ms(h - 99, h):.1f}" for h in range(100, turns + 1, 100)]
        )
    for run in runs:
        if not run.bytes_at:
            continue
        cells = []
        for h in range(100, turns + 1, 100):
            value = run.bytes_per_turn(h - 99, h)
            cells.append("—" if value is None else f"{value / 1000:.1f}")
        rows.append([f"{run.label} KB/turn", *cells])
    return markdown_table(header, rows)


def _cpu_pair(run: LongRun, turns: int) -> str:
    early, late = run.median_cpu_ms(11, 110), run.median_cpu_ms(turns - 99, turns)
    return f"{early:.1f} / {late:.1f} ({_ratio(late, early)})"


def _targets_table(
    runs: list[LongRun],
    turns: int,
    shows: dict[str, tuple[float, float]],
    show_cpus: dict[str, tuple[float, float]],
    in_process: dict[str, tuple[float, float]],
) -> str:
    header = [
        "saver",
        "turn p50 11–110 ms",
        f"turn p50 {turns - 99}–{turns} ms",
        "ratio (≤ 1.2×)",
        f"turn CPU p50 11–110 / {turns - 99}–{turns} ms",
        "B/turn 11–210",
        f"B/turn {turns - 199}–{turns}",
        "ratio (≤ 1.2×)",
        f"get_state of {turns} turns ms p50 (≤ 5)",
        "alternated: long / fresh 11–110 ms",
        "show: long / fresh ms (≤ +50)",
        "show CPU: long / fresh ms (≤ +50)",
        "show in-process: long / fresh ms",
        "total MB",
    ]
    rows: list[list[object]] = []
    for run in runs:
        early, late = run.median_ms(11, 110), run.median_ms(turns - 99, turns)
        early_b, late_b = run.bytes_per_turn(11, 210), run.bytes_per_turn(turns - 199, turns)
        rows.append(
            [
                run.label,
                f"{early:.1f}",
                f"{late:.1f}",
                _ratio(late, early),
                _cpu_pair(run, turns),
                "—" if early_b is None else f"{early_b:,.0f}",
                "—" if late_b is None else f"{late_b:,.0f}",
                _ratio(late_b, early_b),
                f"{statistics.median(run.get_state_seconds) * 1000:.2f}",
                _alternated(run),
                _pair_ms(shows.get(run.label), "{:.0f}"),
                _pair_ms(show_cpus.get(run.label), "{:.0f}"),
                _pair_ms(in_process.get(run.label), "{:.1f}"),
                f"{run.bytes_at[turns] / 1e6:.1f}" if turns in run.bytes_at else "—",
            ]
        )
    return markdown_table(header, rows)


def main(argv: list[str] | None = None) -> None:
    """Run the long conversation on every saver, print (and optionally write) the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--show-runs", type=int, default=21)
    parser.add_argument("--write", type=Path, default=None)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-long-")))
        runs = run_long_conversations(stack, workdir, args.turns, args.backends.split(","))
        shows: dict[str, tuple[float, float]] = {}
        show_cpus: dict[str, tuple[float, float]] = {}
        in_process: dict[str, tuple[float, float]] = {}
        for run in runs:
            if run.label.startswith("SQLSaver") and run.url is not None:
                pair = (THREAD, _fresh_thread(run.url))
                shows[run.label], show_cpus[run.label] = show_seconds(run.url, pair, args.show_runs)
                in_process[run.label] = show_in_process_seconds(run.url, pair, 4 * args.show_runs)
    elapsed = time.perf_counter() - started
    body = "\n\n".join(
        [
            f"Command: `{_COMMAND}` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
            f"{os.cpu_count()} cores shared (load {os.getloadavg()[0]:.1f}), {elapsed:.0f} s.",
            _ABOUT,
            _targets_table(runs, args.turns, shows, show_cpus, in_process),
            "By hundred (turn p50 in ms; KB stored per turn):",
            _hundreds_table(runs, args.turns),
        ]
    )
    print(body)
    if args.write is not None:
        write_section(args.write, "long-conversation", body)


_ABOUT = (
    "One thread, 1,000 turns of the real agent (offline parser): jobs of 100 turns each (set-up, "
    "93 corrections, undos and questions at confirm, yes, new job), every saver on the same "
    "graph and serializer allow-list, turns interleaved across savers. *alternated*: afterwards "
    "the long thread takes 110 more turns, each followed by a turn of a fresh thread; the "
    "medians compare late and early turns under the same load (the machine is shared, so load "
    "drifts between turn 11 and turn 1,000). *show*: `trainchat show --json` as a fresh "
    "process, on the long thread and on a one-turn thread of the same database, alternated; "
    "its wall time and its CPU time (user + system of that process), medians. *turn CPU*: this "
    "process's CPU time per turn, what a turn costs the agent without the wait for a core."
)


if __name__ == "__main__":
    main()
