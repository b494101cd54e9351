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


def show_seconds(url: str, thread: str, runs: int) -> float:
    """Median wall seconds of ``trainchat show --json`` on ``thread`` (after one warm-up)."""
    command = [sys.executable, "-m", "agent.cli", "show", "--json", "--db", url, "--thread", thread]
    walls: list[float] = []
    for index in range(runs + 1):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ))
        if done.returncode != 0:
            raise SystemExit(f"trainchat show failed: {done.stderr.strip()}")
        if index:
            walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def _fresh_thread(url: str) -> str:
    from agent import create_agent

    agent = create_agent(url, llm="offline")
    config = {"configurable": {"thread_id": "fresh"}}
    agent.invoke({"messages": [{"role": "user", "content": "train resnet18"}]}, config)
    return "fresh"


def _ratio(late: float | None, early: float | None) -> str:
    if late is None or early is None or early <= 0:
        return "—"
    return f"{late / early:.2f}×"


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


def _targets_table(runs: list[LongRun], turns: int, shows: dict[str, tuple[float, float]]) -> str:
    header = [
        "saver",
        "turn p50 11–110 ms",
        f"turn p50 {turns - 99}–{turns} ms",
        "ratio (≤ 1.2×)",
        "B/turn 11–210",
        f"B/turn {turns - 199}–{turns}",
        "ratio (≤ 1.2×)",
        f"get_state of {turns} turns ms p50 (≤ 5)",
        "show: long / fresh ms (≤ +50)",
        "total MB",
    ]
    rows: list[list[object]] = []
    for run in runs:
        early, late = run.median_ms(11, 110), run.median_ms(turns - 99, turns)
        early_b, late_b = run.bytes_per_turn(11, 210), run.bytes_per_turn(turns - 199, turns)
        show = shows.get(run.label)
        rows.append(
            [
                run.label,
                f"{early:.1f}",
                f"{late:.1f}",
                _ratio(late, early),
                "—" if early_b is None else f"{early_b:,.0f}",
                "—" if late_b is None else f"{late_b:,.0f}",
                _ratio(late_b, early_b),
                f"{statistics.median(run.get_state_seconds) * 1000:.2f}",
                "—" if show is None else f"{show[0] * 1000:.0f} / {show[1] * 1000:.0f}",
                f"{run.bytes_at[turns] / 1e6:.1f}" if turns in run.bytes_at else "—",
            ]
        )
    return markdown_table(header, rows)


def main(argv: list[str] | None = None) -> None:
    """Run the long conversation on every saver, print (and optionally write) the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--show-runs", type=int, default=5)
    parser.add_argument("--write", type=Path, default=None)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-long-")))
        runs = run_long_conversations(workdir, args.turns, args.backends.split(","))
        shows: dict[str, tuple[float, float]] = {}
        # trainchat show opens SQLSaver; the databases were dropped with their savers, so the
        # show figures come from a second, SQLite-only run of the SQLSaver conversation.
        shows.update(_show_figures(workdir, args.turns, args.show_runs))
    elapsed = time.perf_counter() - started
    body = "\n\n".join(
        [
            f"Command: `{_COMMAND}` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
            f"{os.cpu_count()} cores shared (load {os.getloadavg()[0]:.1f}), {elapsed:.0f} s.",
            "One thread, 1,000 turns of the real agent (offline parser): 10 jobs of 100 turns "
            "each (set-up, 93 corrections/undos/questions at confirm, yes, new job), every saver "
            "on the same graph and serializer allow-list, turns interleaved across savers.",
            _targets_table(runs, args.turns, shows),
            "By hundred (turn p50 in ms; KB stored per turn):",
            _hundreds_table(runs, args.turns),
        ]
    )
    print(body)
    if args.write is not None:
        write_section(args.write, "long-conversation", body)


def _show_figures(workdir: Path, turns: int, show_runs: int) -> dict[str, tuple[float, float]]:
    from agent import create_agent
    from bench.long_conversation import script_turns
    from graph.datasets.samples import make_sample_dataset

    url = f"sqlite:///{workdir / 'show.db'}"
    agent = create_agent(url, llm="offline")
    dataset = str(make_sample_dataset(workdir / "show-data", "imagefolder"))
    config = {"configurable": {"thread_id": THREAD}}
    for text in script_turns(dataset, turns):
        agent.invoke({"messages": [{"role": "user", "content": text}]}, config)
    fresh = _fresh_thread(url)
    long_s = show_seconds(url, THREAD, show_runs)
    fresh_s = show_seconds(url, fresh, show_runs)
    return {"SQLSaver (sqlite)": (long_s, fresh_s)}


if __name__ == "__main__":
    main()
