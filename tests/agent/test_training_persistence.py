"""A run lives in the conversation's state in SQL: each turn and each report is one checkpoint.

Every turn uses a brand-new agent on the same SQLite file (a new engine), with the same
in-memory ``RunControl`` standing in for the workers, which outlive any one agent. What the
conversation knows about the run must come back from the database alone.
"""

from __future__ import annotations

from typing import Any

from agent import create_agent
from graph.run import TrainingRun
from tests.fakes.runs import InMemoryRuns

JOB = "yolov8n on /nowhere/data, epochs=5 batch 8 lr 0.01, from scratch"
THREAD = {"configurable": {"thread_id": "alice-train"}}


def turn(url: str, runs: InMemoryRuns, text: str) -> dict[str, Any]:
    agent = create_agent(db=url, llm="offline", runs=runs)
    out: dict[str, Any] = agent.invoke({"messages": [{"role": "user", "content": text}]}, THREAD)
    return out


def stored_run(url: str, runs: InMemoryRuns) -> TrainingRun | None:
    value = create_agent(db=url, llm="offline", runs=runs).get_state(THREAD).values.get("run")
    return None if value is None else TrainingRun.model_validate(value)


def history_runs(url: str, runs: InMemoryRuns) -> list[tuple[str, int] | None]:
    """(status, epoch) of the run in every checkpoint, oldest first."""
    agent = create_agent(db=url, llm="offline", runs=runs)
    found = []
    for snapshot in reversed(list(agent.get_state_history(THREAD))):
        run = snapshot.values.get("run")
        found.append(None if run is None else (run.status, run.epoch))
    return found


def test_a_run_started_in_the_chat_is_persisted_and_survives_new_agents(sqlite_db: str) -> None:
    runs = InMemoryRuns()
    turn(sqlite_db, runs, JOB)
    out = turn(sqlite_db, runs, "yes")
    assert out["step"] == "done" and "pretrained=False" in out["job"].command
    before = len(history_runs(sqlite_db, runs))

    out = turn(sqlite_db, runs, "학습 시작해줘")
    assert out["step"] == "done" and out["run"].status == "queued"
    assert len(history_runs(sqlite_db, runs)) == before + 1  # one checkpoint for the turn
    run = stored_run(sqlite_db, runs)
    assert run is not None and run.run_id == "run-1" and run.status == "queued"

    # The worker reports an epoch through an agent of its own: one checkpoint per report.
    reported = runs.report_epoch(run, {"top1": 0.5, "train_loss": 1.5})
    create_agent(db=sqlite_db, llm="offline", runs=runs).update_state(THREAD, {"run": reported})
    assert stored_run(sqlite_db, runs) == reported

    reply = turn(sqlite_db, runs, "how is training going?")["messages"][-1].content
    assert "epoch 1/5" in reply and "top1 0.5" in reply

    runs.kill(reported)
    out = turn(sqlite_db, runs, "start training")  # a duplicate start, after the worker died
    assert out["run"].status == "failed"
    assert "Training failed at epoch 1/5" in out["messages"][-1].content
    assert [call[0] for call in runs.calls if call[0] != "refresh"] == ["start"]

    out = turn(sqlite_db, runs, "resume")
    assert out["run"].run_id == "run-1" and out["run"].attempt == 2

    statuses = [entry for entry in history_runs(sqlite_db, runs) if entry is not None]
    assert statuses == [("queued", 0), ("running", 1), ("running", 1), ("failed", 1), ("queued", 1)]
    stored = stored_run(sqlite_db, runs)
    assert stored is not None and stored.attempt == 2 and stored.history == reported.history


def test_a_report_with_a_bad_run_is_refused_and_loses_nothing(sqlite_db: str) -> None:
    runs = InMemoryRuns()
    turn(sqlite_db, runs, JOB)
    turn(sqlite_db, runs, "yes")
    run = turn(sqlite_db, runs, "start training")["run"]
    agent = create_agent(db=sqlite_db, llm="offline", runs=runs)
    bad = {**run.model_dump(), "status": "exploded"}
    try:
        agent.update_state(THREAD, {"run": bad})
    except ValueError as error:
        assert "status" in str(error)
    else:
        raise AssertionError("an invalid run reached the checkpoint")
    assert stored_run(sqlite_db, runs) == run
