"""Concurrency: racing processes on shared conversations lose no turn, never deadlock, never show
a lock or serialization error, and a turn that cannot get its lock says so in bounded time.

Every turn sends ``epochs N`` with an N no other turn uses. Afterwards each conversation's
checkpoint history must be one chain (no fork) in which every sent N appears exactly once, as
the result of its own turn, and the final state's messages must hold every message sent to it.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from agent import create_agent
from graph.understanding import Interpreter
from storage import ThreadBusyError
from tests.reliability.conversation import make_agent, make_saver, thread_config
from tests.reliability.race_driver import epochs_value, race, race_thread
from tests.reliability.summary import report

# (fixture, processes, turns per process, threads) — default run, then the full counts.
DEFAULT = [
    ("postgres_db", 4, 10, 3),
    ("mariadb_db", 4, 10, 3),
    ("sqlite_db", 4, 10, 2),
    ("postgres_db", 4, 5, 1),  # one hot conversation: every turn waits for the lock
    ("mariadb_db", 4, 5, 1),
    ("sqlite_db", 4, 5, 1),
]
FULL = [
    ("postgres_db", 8, 50, 20),
    ("mariadb_db", 8, 50, 20),
    ("sqlite_db", 4, 50, 5),
    ("postgres_db", 8, 25, 1),
    ("mariadb_db", 8, 25, 1),
    ("sqlite_db", 4, 25, 1),
]


def _run_race(url: str, processes: int, turns: int, threads: int, results: Path) -> float:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.reliability.crash_driver"])
    start_at = time.time() + 0.6  # after every worker has its agent: a real stampede
    workers = [
        context.Process(target=race, args=(url, "race", w, turns, threads, str(results), start_at))
        for w in range(processes)
    ]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    deadline = started + 600
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
    hung = [w.pid for w in workers if w.is_alive()]
    for worker in workers:
        if worker.is_alive():
            worker.kill()
    assert not hung, f"workers {hung} still running after 600 s: deadlock"
    assert all(w.exitcode == 0 for w in workers), [w.exitcode for w in workers]
    return time.monotonic() - started


def _history_problems(agent: Any, thread: str, sent: set[int]) -> list[str]:
    """Every sent value applied once by its own turn, on one unforked chain of checkpoints."""
    problems: list[str] = []
    history = list(agent.get_state_history(thread_config(thread)))
    for newer, older in zip(history, history[1:], strict=False):
        parent = (newer.parent_config or {}).get("configurable", {}).get("checkpoint_id")
        if parent != older.config["configurable"]["checkpoint_id"]:
            problems.append(f"{thread}: history forks at {newer.config['configurable']}")
    applied: list[int] = []
    for state in history:
        messages = state.values.get("messages", ())
        if state.next or not messages or messages[-1].type != "ai":
            continue  # not the end of a turn
        asked = [m.content for m in messages if m.type == "human"][-1]
        value = int(str(asked).split()[1])
        if state.values["config"].epochs != value:
            problems.append(
                f"{thread}: turn 'epochs {value}' ended with {state.values['config'].epochs}"
            )
        applied.append(value)
    if sorted(applied) != sorted(sent):
        problems.append(f"{thread}: applied {sorted(applied)} != sent {sorted(sent)}")
    # A state keeps only its newest messages; the whole conversation up to the latest
    # checkpoint is read back along its parent chain (issue 14).
    final = agent.transcript(thread_config(thread)) if history else ()
    said = [int(str(m.content).split()[1]) for m in final if m.type == "human"]
    if sorted(said) != sorted(sent):
        problems.append(f"{thread}: final state holds {len(said)} user turns of {len(sent)}")
    return problems


def _race_and_check(
    request: pytest.FixtureRequest,
    backend: str,
    processes: int,
    turns: int,
    threads: int,
    tmp_path: Path,
) -> None:
    url: str = request.getfixturevalue(backend)
    make_saver(url).close()  # schema first, so the race is about turns, not migrations
    results = tmp_path / "results.jsonl"
    seconds = _run_race(url, processes, turns, threads, results)
    records = [json.loads(line) for line in results.read_text().splitlines()]
    errors = [r["error"] for r in records if "error" in r]
    sent: dict[str, set[int]] = {}
    for worker in range(processes):
        for turn in range(turns):
            thread = race_thread("race", worker, turn, threads)
            sent.setdefault(thread, set()).add(epochs_value(worker, turn, turns))
    agent = make_agent(url)
    problems: list[str] = []
    try:
        for thread, values in sorted(sent.items()):
            problems.extend(_history_problems(agent, thread, values))
    finally:
        agent.checkpointer.close()
    lost = sum(1 for p in problems if "applied" in p or "user turns" in p)
    report(
        f"concurrency[{backend.removesuffix('_db')},{threads} threads]",
        processes=processes,
        turns=len(records),
        threads=threads,
        errors=len(errors),
        lost_or_forked=len(problems),
        slowest_turn_s=max((r["seconds"] for r in records), default=0),
        seconds=round(seconds, 1),
    )
    assert len(records) == processes * turns
    assert errors == [], errors[:5]
    assert problems == [], problems[:10]
    assert lost == 0


@pytest.mark.parametrize(("backend", "processes", "turns", "threads"), DEFAULT)
def test_racing_processes_lose_no_turn(
    request: pytest.FixtureRequest,
    backend: str,
    processes: int,
    turns: int,
    threads: int,
    tmp_path: Path,
) -> None:
    _race_and_check(request, backend, processes, turns, threads, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize(("backend", "processes", "turns", "threads"), FULL)
def test_racing_processes_full_counts(
    request: pytest.FixtureRequest,
    backend: str,
    processes: int,
    turns: int,
    threads: int,
    tmp_path: Path,
) -> None:
    _race_and_check(request, backend, processes, turns, threads, tmp_path)


@pytest.mark.parametrize("backend", ["sqlite_db", "postgres_db", "mariadb_db"])
def test_a_busy_thread_fails_in_bounded_time_with_a_clear_message(
    request: pytest.FixtureRequest, backend: str
) -> None:
    url: str = request.getfixturevalue(backend)
    holder = make_saver(url)
    agent = make_agent(url, lock_timeout=0.5)
    config = thread_config("busy")
    agent.invoke({"messages": [{"role": "user", "content": "resnet18"}]}, config)
    before = agent.get_state(config).values
    try:
        with holder.thread_lock("busy", timeout=5):
            started = time.monotonic()
            with pytest.raises(ThreadBusyError, match="busy") as caught:
                agent.invoke({"messages": [{"role": "user", "content": "epochs 7"}]}, config)
            waited = time.monotonic() - started
        assert 0.4 <= waited < 3.0, waited
        assert "'busy'" in str(caught.value) and "retry" in str(caught.value)
        assert agent.get_state(config).values == before  # the refused turn left no trace
        out = agent.invoke({"messages": [{"role": "user", "content": "epochs 7"}]}, config)
        assert out["config"].epochs == 7 and out["config"].model_name == "resnet18"
    finally:
        holder.close()
        agent.checkpointer.close()
    report(
        f"turn_lock_timeout[{backend.removesuffix('_db')}]",
        waited_s=round(waited, 2),
        result="ThreadBusyError",
    )


@pytest.mark.parametrize("backend", ["sqlite_db", "postgres_db", "mariadb_db"])
async def test_concurrent_async_turns_in_one_process_lose_nothing(
    request: pytest.FixtureRequest, backend: str
) -> None:
    """``ainvoke`` from many tasks of one event loop: the async turn lock serialises them."""
    url: str = request.getfixturevalue(backend)
    agent = make_agent(url)
    turns, threads = 24, 2
    sent: dict[str, set[int]] = {}

    async def one(value: int) -> None:
        thread = f"race-{value % threads}"
        sent.setdefault(thread, set()).add(value)
        await agent.ainvoke(
            {"messages": [{"role": "user", "content": f"epochs {value}"}]}, thread_config(thread)
        )

    started = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(one(v) for v in range(1, turns + 1))), 120)
    seconds = time.monotonic() - started
    problems: list[str] = []
    for thread, values in sent.items():
        problems.extend(_history_problems(agent, thread, values))
    await agent.checkpointer.aclose()
    report(
        f"concurrency_async[{backend.removesuffix('_db')}]",
        tasks=turns,
        threads=threads,
        lost_or_forked=len(problems),
        seconds=round(seconds, 1),
    )
    assert problems == [], problems[:10]


@pytest.mark.parametrize("backend", ["sqlite_db", "postgres_db", "mariadb_db"])
def test_racing_first_turns_on_an_empty_database(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    """Every worker's ``create_agent`` runs ``setup()`` on the empty database at the same moment."""
    url: str = request.getfixturevalue(backend)
    results = tmp_path / "results.jsonl"
    _run_race(url, 4, 3, 2, results)
    records = [json.loads(line) for line in results.read_text().splitlines()]
    errors = [r["error"] for r in records if "error" in r]
    report(
        f"racing_setup[{backend.removesuffix('_db')}]",
        processes=4,
        turns=len(records),
        errors=len(errors),
    )
    assert len(records) == 12 and errors == [], errors[:3]


class _SlowInterpreter:
    """The offline interpreter, slowed down: a turn that outlives the SQLite lease several times."""

    def __init__(self, seconds: float) -> None:
        self.inner = Interpreter()
        self.seconds = seconds

    def interpret(self, text: str, **kwargs: Any) -> Any:
        time.sleep(self.seconds)
        return self.inner.interpret(text, **kwargs)

    async def ainterpret(self, text: str, **kwargs: Any) -> Any:
        await asyncio.sleep(self.seconds)
        return await self.inner.ainterpret(text, **kwargs)


def test_a_turn_longer_than_the_sqlite_lease_keeps_its_lock(sqlite_db: str) -> None:
    """Lease 0.5 s, turn 2 s: the heartbeat must keep the lock, so a second turn waits."""
    slow = create_agent(
        checkpointer=make_saver(sqlite_db, lease=0.5), interpreter=_SlowInterpreter(2.0)
    )
    fast = make_agent(sqlite_db, lease=0.5)
    config = thread_config("long-turn")
    fast.invoke({"messages": [{"role": "user", "content": "resnet18"}]}, config)
    finished: dict[str, float] = {}

    def run(agent: Any, text: str, name: str) -> None:
        agent.invoke({"messages": [{"role": "user", "content": text}]}, config)
        finished[name] = time.monotonic()

    started = time.monotonic()
    first = threading.Thread(target=run, args=(slow, "epochs 5", "slow"))
    first.start()
    time.sleep(0.8)  # the slow turn holds the lock, its first lease has expired once already
    run(fast, "batch size 8", "fast")
    first.join()
    problems = _history_problems_any(fast, "long-turn")
    final = fast.get_state(config).values["config"]
    slow.checkpointer.close()
    fast.checkpointer.close()
    report(
        "long_turn_keeps_sqlite_lease",
        lease_s=0.5,
        turn_s=2.0,
        waited_s=round(finished["fast"] - started, 2),
    )
    assert finished["fast"] >= finished["slow"], "the second turn ran inside the first one"
    assert (final.model_name, final.epochs, final.batch_size) == ("resnet18", 5, 8)
    assert problems == []


def _history_problems_any(agent: Any, thread: str) -> list[str]:
    history = list(agent.get_state_history(thread_config(thread)))
    return [
        f"{thread}: history forks"
        for newer, older in zip(history, history[1:], strict=False)
        if (newer.parent_config or {}).get("configurable", {}).get("checkpoint_id")
        != older.config["configurable"]["checkpoint_id"]
    ]
