"""The supervisor: start a driver, SIGKILL it at a random moment, check the database, repeat.

After every kill a brand-new agent (new engine, new connections) opens the database and loads
the conversations the driver was working on. Each latest state must equal, exactly, the
reference state after some completed turn — at least the last turn the driver acknowledged,
at most one more (the turn in flight may have committed before its acknowledgement). A
checkpoint with pending work (``next`` not empty) is a half turn and counts as a violation.
At the end a driver runs undisturbed and every conversation must reach the reference end.
"""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.reliability.conversation import make_agent, snapshot, thread_config
from tests.reliability.crash_driver import drive, drive_async, thread_name, turns_done

__all__ = ["CrashRun", "fork_server", "run_kill_loop"]

_THREADS = 10_000  # more conversations than any driver lives to finish


@dataclass
class CrashRun:
    """What a kill loop did and found."""

    kills: int = 0
    """Drivers killed with SIGKILL."""
    mid_turn_kills: int = 0
    """Kills that landed inside a turn (after its start, before its acknowledgement)."""
    turns: int = 0
    """Turns acknowledged by drivers (killed or not), the final undisturbed run included."""
    conversations: int = 0
    """Conversations driven to the script's end."""
    checks: int = 0
    """Thread states loaded and compared after kills."""
    violations: list[str] = field(default_factory=list)
    """Every mismatch, half turn or unreadable database, described."""
    seconds: float = 0.0
    """Wall time of the loop."""


def fork_server() -> Any:
    """The multiprocessing context whose children start with the driver module imported."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.reliability.crash_driver"])
    return context


def _progress(path: Path) -> dict[int, int]:
    """Last acknowledged turn per conversation number."""
    done: dict[int, int] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2:  # "<n> <turn>": acknowledged; "<n> <turn> start" is not
                number, turn = int(parts[0]), int(parts[1])
                done[number] = max(done.get(number, 0), turn)
    return done


def _killed_mid_turn(path: Path) -> bool:
    """Whether the driver's last line says a turn had started and not finished."""
    lines = path.read_text().splitlines() if path.exists() else []
    return bool(lines) and lines[-1].endswith(" start")


def _sqlite_intact(url: str) -> str | None:
    database = sa.make_url(url).database
    if not database:
        return None
    with sqlite3.connect(database) as conn:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    return None if result == "ok" else f"integrity_check: {result}"


def _check(
    url: str,
    prefix: str,
    done: dict[int, int],
    observed: dict[int, int],
    reference: list[dict[str, Any]],
) -> list[str]:
    """Compare the conversations a driver may have touched with the reference states.

    A driver's life adds at most one unacknowledged turn (it acknowledges each turn before
    starting the next), so a conversation may be one turn past the larger of its last
    acknowledged turn and the turn it was seen at after the previous kill — never more, never
    less. ``observed`` is updated with what is seen now."""
    problems: list[str] = []
    if url.startswith("sqlite"):
        broken = _sqlite_intact(url)
        if broken:
            problems.append(broken)
    current = max(done) if done else 0
    agent = make_agent(url)
    try:
        for number in (current, current + 1):
            acknowledged = max(done.get(number, 0), observed.get(number, 0))
            config = thread_config(thread_name(prefix, number))
            state = agent.get_state(config)
            seen = snapshot(state.values)
            if state.next:
                problems.append(
                    f"{prefix}-{number}: half turn visible (next={state.next}, "
                    f"{turns_done(agent, config)} user messages, acknowledged {acknowledged})"
                )
                continue
            allowed = range(acknowledged, min(acknowledged + 1, len(reference) - 1) + 1)
            matches = [j for j, ref in enumerate(reference) if ref == seen]
            if matches:
                observed[number] = max(matches)
            if not any(seen == reference[j] for j in allowed):
                problems.append(
                    f"{prefix}-{number}: state is not the state after turn "
                    f"{acknowledged} or {acknowledged + 1} (equal to turns {matches}; "
                    f"acknowledged {done.get(number, 0)})"
                )
    finally:
        agent.checkpointer.close()
    return problems


def run_kill_loop(
    url: str,
    *,
    kills: int,
    dataset: str,
    reference: list[dict[str, Any]],
    progress: Path,
    seed: int = 0,
    max_delay: float = 0.4,
    prefix: str = "crash",
    asynchronous: bool = False,
) -> CrashRun:
    """Kill ``kills`` drivers at random moments in ``[0, max_delay)`` s after their start;
    ``asynchronous`` drivers run their turns with ``ainvoke`` (the async engine and lock)."""
    context = fork_server()
    target = drive_async if asynchronous else drive
    rng = random.Random(seed)
    run = CrashRun()
    observed: dict[int, int] = {}
    started = time.monotonic()
    while run.kills < kills:
        process = context.Process(
            target=target, args=(url, prefix, _THREADS, dataset, str(progress)), daemon=True
        )
        process.start()
        process.join(rng.uniform(0.0, max_delay))
        if process.is_alive():
            process.kill()
            run.kills += 1
        process.join()
        if _killed_mid_turn(progress):
            run.mid_turn_kills += 1
        done = _progress(progress)
        problems = _check(url, prefix, done, observed, reference)
        run.checks += 2
        run.violations.extend(f"after kill {run.kills}: {p}" for p in problems)
    # The conversation continues to the end: finish every conversation undisturbed.
    done = _progress(progress)
    touched = (max(done) + 2) if done else 1
    final = context.Process(target=target, args=(url, prefix, touched, dataset, str(progress)))
    final.start()
    final.join(300)
    if final.exitcode != 0:
        run.violations.append(f"final driver exited with {final.exitcode}")
    agent = make_agent(url)
    try:
        for number in range(touched):
            config = thread_config(thread_name(prefix, number))
            state = agent.get_state(config)
            if snapshot(state.values) != reference[-1]:
                run.violations.append(f"{prefix}-{number}: final state differs from reference")
            else:
                run.conversations += 1
    finally:
        agent.checkpointer.close()
    run.turns = sum(1 for line in progress.read_text().splitlines() if len(line.split()) == 2)
    run.seconds = time.monotonic() - started
    return run
