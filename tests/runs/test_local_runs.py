"""``LocalRunControl`` and the worker on real processes: start, report, stop, die, resume.

Each test drives a real worker process (``python -m agent.training.worker``) that reports into a
real SQLite database through the agent, with the scripted trainer in place of a framework.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import psutil
import pytest

from agent.training.local import RunAlreadyActiveError
from agent.training.processes import WorkerIdentity, group_members
from tests.runs.conftest import (
    children_of,
    confirm_job,
    start_and_store,
    stored_run,
    thread,
    wait_for,
)


def test_a_run_reports_each_epoch_and_succeeds(agent, control, dataset):
    job = confirm_job(agent, "t", dataset, epochs=3)
    run = start_and_store(agent, control, job, "t")
    assert run.status == "queued" and run.epochs == 3 and run.attempt == 1
    assert run.main_metric == "top1"  # known before the first epoch
    folder = Path(run.output_dir)
    assert folder.parent.parent == control.runs_dir and folder.name == run.run_id
    assert json.loads((folder / "job.json").read_text())["config"]["model_name"] == "resnet18"
    identity = WorkerIdentity.parse(run.worker)
    assert identity is not None and identity.pid != os.getpid()

    done = wait_for(agent, "t", lambda r: not r.active, timeout=60)
    assert done.status == "succeeded", done
    assert done.epoch == 3 and [e.epoch for e in done.history] == [1, 2, 3]
    assert done.metrics_dict() == {"train_loss": pytest.approx(1 / 3), "top1": pytest.approx(0.3)}
    assert done.main_metric == "top1" and done.weights == str(folder / "best.pt")
    assert done.started_at and done.ended_at and done.error is None
    # one checkpoint per status change and per epoch: queued, running, 3 epochs, succeeded
    runs = [
        snap.values.get("run")
        for snap in agent.get_state_history(thread("t"))
        if snap.values.get("run") is not None
    ]
    statuses = [(r.status, r.epoch) for r in reversed(runs)]
    assert statuses == [
        ("queued", 0),
        ("running", 0),
        ("running", 1),
        ("running", 2),
        ("running", 3),
        ("succeeded", 3),
    ]
    lines = (folder / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [1, 2, 3]
    assert "succeeded" in (folder / "worker.log").read_text()
    assert control.refresh(done) == done  # a finished run is left as it is


def test_the_worker_outlives_its_starter_and_a_turn_during_training_loses_nothing(
    agent, control, dataset, monkeypatch
):
    monkeypatch.setenv("SCRIPTED_EPOCH_S", "0.6")
    job = confirm_job(agent, "t", dataset, epochs=4)
    run = start_and_store(agent, control, job, "t")
    identity = WorkerIdentity.parse(run.worker)
    assert identity is not None
    assert os.getsid(identity.pid) == identity.pid  # its own session: survives our terminal
    wait_for(agent, "t", lambda r: r.epoch >= 1)
    out = agent.invoke({"messages": [{"role": "user", "content": "what's left?"}]}, thread("t"))
    said = len(out["messages"])
    done = wait_for(agent, "t", lambda r: not r.active)
    assert done.status == "succeeded" and done.epoch == 4
    values = agent.get_state(thread("t")).values
    assert len(values["messages"]) == said  # the user's turn is still there after 3 more reports
    assert values["config"] == job.config


def test_stop_ends_the_worker_and_its_children(agent, control, dataset, monkeypatch):
    monkeypatch.setenv("SCRIPTED_EPOCH_S", "2")
    job = confirm_job(agent, "t", dataset, epochs=10)
    run = start_and_store(agent, control, job, "t")
    running = wait_for(agent, "t", lambda r: r.status == "running" and bool(children_of(r)))
    children = children_of(running)
    identity = WorkerIdentity.parse(run.worker)
    assert identity is not None and psutil.pid_exists(children[0])

    stopped = control.stop(running)
    assert stopped.status == "cancelled" and stopped.ended_at
    assert group_members(identity.pid) == []
    for pid in (identity.pid, *children):
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    outcome = json.loads((Path(run.output_dir) / "outcome.json").read_text())
    assert outcome["status"] == "cancelled" and outcome["attempt"] == 1
    assert control.refresh(running).status == "cancelled"  # the folder agrees


def test_a_sigkilled_worker_is_failed_within_seconds_and_resumes_to_the_end(
    agent, control, dataset, monkeypatch
):
    monkeypatch.setenv("SCRIPTED_EPOCH_S", "0.8")
    job = confirm_job(agent, "t", dataset, epochs=5)
    run = start_and_store(agent, control, job, "t")
    mid = wait_for(agent, "t", lambda r: r.epoch >= 2)
    identity = WorkerIdentity.parse(run.worker)
    assert identity is not None
    orphan = children_of(mid)[0]
    os.kill(identity.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    failed = control.refresh(stored_run(agent, "t"))
    while failed.active and time.monotonic() - killed_at < 10:
        time.sleep(0.2)
        failed = control.refresh(stored_run(agent, "t"))
    assert failed.status == "failed", failed
    assert time.monotonic() - killed_at < 5
    assert (
        "died without reporting" in failed.error and "resume continues from epoch" in failed.error
    )
    assert failed.log_tail and any("epoch" in line for line in failed.log_tail)
    assert not psutil.pid_exists(orphan) or psutil.Process(orphan).status() == "zombie"
    agent.update_state(thread("t"), {"run": failed})

    resumed = start_and_store(agent, control, job, "t", resume=failed)
    assert resumed.run_id == run.run_id and resumed.attempt == 2
    assert resumed.output_dir == run.output_dir and resumed.status == "queued"
    done = wait_for(agent, "t", lambda r: r.attempt == 2 and not r.active)
    assert done.status == "succeeded" and done.epoch == 5
    epochs = [entry.epoch for entry in done.history]
    assert epochs == [1, 2, 3, 4, 5]  # continued: no epoch counted twice
    assert done.started_at == mid.started_at  # the same run


def test_a_second_start_while_a_worker_lives_is_refused(agent, control, dataset, monkeypatch):
    monkeypatch.setenv("SCRIPTED_EPOCH_S", "2")
    job = confirm_job(agent, "t", dataset, epochs=5)
    run = start_and_store(agent, control, job, "t")
    with pytest.raises(RunAlreadyActiveError, match=run.run_id):
        control.start(job, thread_id="t")
    assert len(list(Path(run.output_dir).parent.iterdir())) == 2  # the run + .start.lock
    control.stop(run)
    second = control.start(job, thread_id="t")  # once stopped, a new run may start
    assert second.run_id != run.run_id
    control.stop(second)


def test_a_training_error_fails_the_run_with_its_one_line(agent, control, dataset, monkeypatch):
    monkeypatch.setenv("SCRIPTED_FAIL_AT", "2")
    job = confirm_job(agent, "t", dataset, epochs=4)
    start_and_store(agent, control, job, "t")
    done = wait_for(agent, "t", lambda r: not r.active)
    assert done.status == "failed" and done.epoch == 1
    assert done.error == "scripted failure at epoch 2: lower the batch size"
    assert done.log_tail


def test_a_crash_fails_the_run_and_keeps_the_traceback_in_the_log(
    agent, control, dataset, monkeypatch
):
    monkeypatch.setenv("SCRIPTED_CRASH_AT", "1")
    job = confirm_job(agent, "t", dataset, epochs=2)
    run = start_and_store(agent, control, job, "t")
    done = wait_for(agent, "t", lambda r: not r.active)
    assert done.status == "failed" and done.error == "RuntimeError: scripted crash at epoch 1"
    assert "Traceback" in (Path(run.output_dir) / "worker.log").read_text()


def test_a_late_report_never_overwrites_a_stop(agent, control, dataset, monkeypatch):
    """A run stopped in the conversation stays cancelled even if its worker still reports."""
    monkeypatch.setenv("SCRIPTED_EPOCH_S", "0.5")
    job = confirm_job(agent, "t", dataset, epochs=6)
    start_and_store(agent, control, job, "t")
    running = wait_for(agent, "t", lambda r: r.epoch >= 1)
    from agent.training.reporting import with_status

    agent.update_state(thread("t"), {"run": with_status(running, "cancelled")})
    time.sleep(2.0)  # the worker's next report is refused, and it stops training
    assert stored_run(agent, "t").status == "cancelled"
    identity = WorkerIdentity.parse(running.worker)
    assert identity is not None
    deadline = time.monotonic() + 10
    while identity.gone_reason() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert identity.gone_reason() is not None


def test_start_without_the_train_extra_refuses_and_starts_nothing(
    agent, sqlite_db, dataset, tmp_path, monkeypatch
):
    import sys

    from agent.training.local import LocalRunControl, TrainExtraMissingError

    job = confirm_job(agent, "t", dataset, epochs=1)
    monkeypatch.delenv("TRAINCHAT_TRAINER", raising=False)
    monkeypatch.setitem(sys.modules, "timm", None)  # as if the train extra were not installed
    runs = LocalRunControl(sqlite_db, runs_dir=tmp_path / "bare-runs")
    with pytest.raises(TrainExtraMissingError) as refused:
        runs.start(job, thread_id="t")
    assert str(refused.value) == (
        'training needs timm, which is not installed: pip install -e ".[train]"'
    )
    assert not (tmp_path / "bare-runs").exists() or not any((tmp_path / "bare-runs").iterdir())


def test_history_lists_every_report_of_the_run(agent, control, dataset):
    from agent.cli.timeline import checkpoint_rows

    job = confirm_job(agent, "t", dataset, epochs=2)
    run = start_and_store(agent, control, job, "t")
    wait_for(agent, "t", lambda r: not r.active)
    changes = [row.changes for row in checkpoint_rows(agent, thread("t"))]
    reports = [c for change in changes for c in change if c.startswith(f"run {run.run_id}")]
    assert reports == [
        f"run {run.run_id} queued epoch 0/2",
        f"run {run.run_id} running epoch 0/2",
        f"run {run.run_id} running epoch 1/2 top1 0.1",
        f"run {run.run_id} running epoch 2/2 top1 0.2",
        f"run {run.run_id} succeeded epoch 2/2 top1 0.2",
    ]


def test_an_agent_with_a_database_trains_from_the_chat_by_default(
    sqlite_db, dataset, tmp_path, monkeypatch
):
    from agent import create_agent

    monkeypatch.setenv("TRAINCHAT_TRAINER", "tests.fixtures.scripted_trainer:train")
    monkeypatch.setenv("TRAINCHAT_RUNS_DIR", str(tmp_path / "chat-runs"))
    monkeypatch.setenv("SCRIPTED_EPOCH_S", "0.2")
    agent = create_agent(db=sqlite_db, llm="offline")  # no runs=: a LocalRunControl on this db
    confirm_job(agent, "c", dataset, epochs=2)
    said = agent.invoke({"messages": [{"role": "user", "content": "학습 시작해줘"}]}, thread("c"))
    run = said["run"]
    assert run.status == "queued" and Path(run.output_dir).parent.parent == tmp_path / "chat-runs"
    done = wait_for(agent, "c", lambda r: not r.active)
    assert done.status == "succeeded" and done.epoch == 2
    assert all(entry.finished_at for entry in done.history)  # timed, for the chat's ETA
    reply = agent.invoke(
        {"messages": [{"role": "user", "content": "how is training going?"}]}, thread("c")
    )["messages"][-1].content
    assert run.run_id in reply


def test_a_run_from_a_conversation_in_postgresql_reports_each_epoch_into_it_and_succeeds(
    postgres_db, dataset, tmp_path, monkeypatch
):
    """The worker reports through the conversation's own database whatever it is: here the
    shared PostgreSQL server (in CI an unreachable server fails this test; elsewhere it skips)."""
    from agent import create_agent
    from tests.cli.running import run_trainchat
    from tests.runs.conftest import scripted_control

    monkeypatch.setenv("SCRIPTED_EPOCH_S", "0.2")
    agent = create_agent(db=postgres_db, llm="offline")
    job = confirm_job(agent, "pg", dataset, epochs=2)
    with scripted_control(postgres_db, tmp_path / "runs") as control:
        run = start_and_store(agent, control, job, "pg")
        assert run.status == "queued"
        done = wait_for(agent, "pg", lambda r: not r.active)
    assert done.status == "succeeded", done
    assert done.epoch == 2 and [entry.epoch for entry in done.history] == [1, 2]
    assert done.metrics_dict()["top1"] == pytest.approx(0.2) and done.error is None
    statuses = [
        (snap.values["run"].status, snap.values["run"].epoch)
        for snap in agent.get_state_history(thread("pg"))
        if snap.values.get("run") is not None
    ]
    assert list(reversed(statuses)) == [
        ("queued", 0),
        ("running", 0),
        ("running", 1),
        ("running", 2),
        ("succeeded", 2),
    ]
    shown = run_trainchat("show", "--json", "--db", postgres_db, "--thread", "pg", home=tmp_path)
    assert shown.returncode == 0, shown.stderr
    shown_run = json.loads(shown.stdout)["run"]
    assert (shown_run["status"], shown_run["run_id"]) == ("succeeded", run.run_id)
    assert [entry["epoch"] for entry in shown_run["history"]] == [1, 2]
