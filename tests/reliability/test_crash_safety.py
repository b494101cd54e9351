"""Crash safety: SIGKILL the process running turns, at random moments; nothing committed is lost
and nothing half-written is visible (issue 5, first bullet).

The default run kills 25 drivers on SQLite and 25 on PostgreSQL; ``-m slow`` kills 200 on each.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent import create_agent
from graph.datasets.samples import make_sample_dataset
from tests.databases import sqlite_url
from tests.reliability.conversation import reference_states
from tests.reliability.kill_loop import run_kill_loop
from tests.reliability.summary import report

BACKENDS = ("sqlite_db", "postgres_db")


def _kill_and_check(
    request: pytest.FixtureRequest, backend: str, kills: int, tmp_path: Path
) -> None:
    url: str = request.getfixturevalue(backend)
    dataset = make_sample_dataset(tmp_path / "data", "imagefolder")
    reference = reference_states(sqlite_url(tmp_path, "reference.db"), dataset, "reference")
    run = run_kill_loop(
        url,
        kills=kills,
        dataset=str(dataset),
        reference=reference,
        progress=tmp_path / "progress.txt",
        seed=kills,
    )
    report(
        f"crash_safety[{backend.removesuffix('_db')}]",
        kills=run.kills,
        mid_turn_kills=run.mid_turn_kills,
        turns=run.turns,
        conversations=run.conversations,
        checks=run.checks,
        violations=len(run.violations),
        seconds=round(run.seconds, 1),
    )
    assert run.kills == kills
    assert run.conversations >= 1
    assert run.violations == [], "\n".join(run.violations[:20])


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigkill_at_random_moments_loses_nothing(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    _kill_and_check(request, backend, 25, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_sigkill_200_times_per_database(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    _kill_and_check(request, backend, 200, tmp_path)


HOLD_AND_WAIT = """
import sys, time
from storage import SQLSaver
saver = SQLSaver.from_url(sys.argv[1])
saver.thread_lock("held", timeout=5).__enter__()
print("held", flush=True)
time.sleep(120)
"""


def test_a_crashed_lock_holder_does_not_block_sqlite(sqlite_db: str) -> None:
    """The product path (default lease): a holder killed mid-turn must not block the thread."""
    create_agent(db=sqlite_db, llm="offline").checkpointer.close()  # schema
    root = str(Path(__file__).resolve().parents[2])
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_WAIT, sqlite_db],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": root},
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    agent = create_agent(db=sqlite_db, llm="offline", lock_timeout=6.0)
    started = time.monotonic()
    try:
        out = agent.invoke(
            {"messages": [{"role": "user", "content": "resnet18"}]},
            {"configurable": {"thread_id": "held"}},
        )
    finally:
        agent.checkpointer.close()
    waited = time.monotonic() - started
    report("crashed_lock_holder[sqlite]", kills=1, waited_s=round(waited, 2))
    assert out["config"].model_name == "resnet18" and waited < 6.0
