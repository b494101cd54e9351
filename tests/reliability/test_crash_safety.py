"""Crash safety: SIGKILL the process running turns, at random moments; nothing committed is lost
and nothing half-written is visible (issue 5, first bullet).

The default run kills 25 drivers on SQLite and 25 on PostgreSQL; ``-m slow`` kills 200 on each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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
