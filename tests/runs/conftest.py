"""Fixtures for the run tests: a confirmed thread, a ``LocalRunControl`` on the scripted trainer.

The scripted trainer (``tests/fixtures/scripted_trainer.py``) has the real trainer's contract and
real process behaviour (it sleeps per epoch and starts a child process), so starting, stopping,
killing and resuming are tested on real worker processes without a framework's start-up cost.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from agent import create_agent
from agent.training.local import LocalRunControl
from agent.training.processes import group_members
from graph.run import TrainingRun

SCRIPTED_TRAINER = "tests.fixtures.scripted_trainer:train"


def thread(thread_id: str) -> dict[str, Any]:
    """The LangGraph config of ``thread_id``."""
    return {"configurable": {"thread_id": thread_id}}


def confirm_job(agent: Any, thread_id: str, dataset: Path, epochs: int = 3) -> Any:
    """Talk ``thread_id`` to a confirmed resnet18 job on ``dataset``; return the job."""
    for text in (
        "train resnet18 for image classification",
        f"my dataset is in {dataset}",
        f"{epochs} epochs, batch size 4, learning rate 0.001",
        "yes",
    ):
        out = agent.invoke({"messages": [{"role": "user", "content": text}]}, thread(thread_id))
    assert out["step"] == "done", out["messages"][-1].content
    return out["job"]


def stored_run(agent: Any, thread_id: str) -> TrainingRun | None:
    """The thread's stored run."""
    from agent.training.reporting import stored_run as read

    return read(agent.get_state(thread(thread_id)).values)


def wait_for(
    agent: Any, thread_id: str, predicate: Callable[[TrainingRun], bool], timeout: float = 60.0
) -> TrainingRun:
    """Poll the stored run until ``predicate`` holds; fail with the last run seen."""
    deadline = time.monotonic() + timeout
    run = None
    while time.monotonic() < deadline:
        run = stored_run(agent, thread_id)
        if run is not None and predicate(run):
            return run
        time.sleep(0.1)
    raise AssertionError(f"timed out; last stored run: {run!r}")


def start_and_store(
    agent: Any,
    control: LocalRunControl,
    job: Any,
    thread_id: str,
    resume: TrainingRun | None = None,
) -> TrainingRun:
    """Start a run and store it ``queued`` in the same hold of the turn lock (as the CLI does)."""
    started: list[TrainingRun] = []

    def begin(values: dict[str, Any]) -> dict[str, Any]:
        started.append(control.start(job, thread_id=thread_id, resume=resume))
        return {"run": started[0]}

    agent.update_state_with(thread(thread_id), begin)
    return started[0]


def children_of(run: TrainingRun) -> list[int]:
    """Pids the scripted trainer wrote as its children."""
    path = Path(run.output_dir) / "children.pid"
    return [int(line) for line in path.read_text().split()] if path.exists() else []


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A tiny generated imagefolder dataset."""
    from graph.datasets.samples import make_sample_dataset

    return make_sample_dataset(tmp_path / "data", "imagefolder", images_per_class=4)


@pytest.fixture
def agent(sqlite_db: str) -> Any:
    """An offline agent on a fresh SQLite database."""
    return create_agent(db=sqlite_db, llm="offline")


@contextmanager
def scripted_control(db_url: str, runs_dir: Path) -> Iterator[LocalRunControl]:
    """A ``LocalRunControl`` on the scripted trainer reporting into ``db_url``; any worker left
    is ended afterwards."""
    runs = LocalRunControl(db_url, runs_dir=runs_dir, trainer=SCRIPTED_TRAINER)
    try:
        yield runs
    finally:
        for worker_file in runs_dir.glob("*/*/worker.json"):
            from agent.training.processes import WorkerIdentity, end_process_group

            identity = WorkerIdentity.parse(json.loads(worker_file.read_text())["worker"])
            if identity is not None and group_members(identity.pid):
                end_process_group(identity.pid, grace=1.0)


@pytest.fixture
def control(
    sqlite_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalRunControl]:
    """A ``LocalRunControl`` on the scripted trainer and a SQLite file."""
    monkeypatch.setenv("SCRIPTED_EPOCH_S", "0.3")
    with scripted_control(sqlite_db, tmp_path / "runs") as runs:
        yield runs
