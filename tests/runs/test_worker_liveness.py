"""The two ways a worker can stop training without its pid simply vanishing (issue 9, point 5):

* it hangs — the process lives but does no work (stopped, deadlocked, its machine's disk
  frozen): the heartbeat it touches every second goes stale, and after the lease the run is
  ``failed`` and what is left of the worker is ended;
* its pid is reused — after a reboot or a SIGKILL, another process may carry the same pid: the
  start time tells them apart, the run is ``failed``, and the stranger is left alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import psutil
import pytest

from agent.training.local import LocalRunControl
from agent.training.processes import WorkerIdentity, group_members
from tests.runs.conftest import (
    SCRIPTED_TRAINER,
    confirm_job,
    start_and_store,
    stored_run,
    wait_for,
)


def _refresh_until_ended(control: LocalRunControl, agent, thread_id: str, timeout: float):
    run = control.refresh(stored_run(agent, thread_id))
    deadline = time.monotonic() + timeout
    while run.active and time.monotonic() < deadline:
        time.sleep(0.2)
        run = control.refresh(stored_run(agent, thread_id))
    return run


def test_a_hung_worker_is_failed_after_its_heartbeat_lease_and_ended(
    agent, sqlite_db, dataset, tmp_path, monkeypatch
):
    monkeypatch.setenv("SCRIPTED_EPOCH_S", "0.5")
    control = LocalRunControl(
        sqlite_db, runs_dir=tmp_path / "runs", trainer=SCRIPTED_TRAINER, heartbeat_lease=3.0
    )
    job = confirm_job(agent, "hung", dataset, epochs=50)
    run = start_and_store(agent, control, job, "hung")
    wait_for(agent, "hung", lambda r: r.epoch >= 1)
    identity = WorkerIdentity.parse(run.worker)
    assert identity is not None
    members = [process.pid for process in group_members(identity.pid)]
    try:
        for pid in members:  # the whole worker freezes: alive, but no heartbeat, no epochs
            os.kill(pid, signal.SIGSTOP)
        frozen_at = time.monotonic()
        assert control.refresh(stored_run(agent, "hung")).active  # within the lease: running
        failed = _refresh_until_ended(control, agent, "hung", timeout=15)
        assert failed.status == "failed", failed
        assert time.monotonic() - frozen_at >= 3.0  # not before the lease ran out
        assert "no heartbeat for" in failed.error and "hung" in failed.error
        assert "resume continues from epoch" in failed.error
        assert group_members(identity.pid) == []  # nothing of the hung worker is left
    finally:
        for pid in members:
            if psutil.pid_exists(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_reused_pid_fails_the_run_and_leaves_the_new_process_alone(agent, control, dataset):
    job = confirm_job(agent, "reused", dataset, epochs=50)
    run = start_and_store(agent, control, job, "reused")
    wait_for(agent, "reused", lambda r: r.status == "running")
    # Another process leading its own session (as the worker did) now holds "the worker's pid":
    # the run record is pointed at it with the start time the real worker had.
    stranger = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        worker = WorkerIdentity.parse(run.worker)
        assert worker is not None
        os.killpg(worker.pid, signal.SIGKILL)  # the real worker is gone...
        reused = WorkerIdentity(pid=stranger.pid, started=worker.started, host=worker.host)
        pointed = run.model_copy(update={"worker": str(reused), "status": "running"})
        failed = control.refresh(pointed)
        assert failed.status == "failed", failed
        assert "belongs to another process" in failed.error
        assert stranger.poll() is None, "the process that reused the pid was killed"
        assert group_members(stranger.pid)  # ...and its group untouched
        assert control.stop(pointed).status == "cancelled"  # a stop signals no stranger either
        assert stranger.poll() is None, "stop killed the process that reused the pid"
    finally:
        stranger.kill()
        stranger.wait()


@pytest.mark.parametrize("state", ["gone", "zombie"])
def test_a_worker_identity_says_why_it_is_not_running(state):
    child = subprocess.Popen(["sleep", "60"], start_new_session=True)
    identity = WorkerIdentity.of(child.pid)
    assert identity.gone_reason() is None
    child.kill()
    if state == "gone":
        child.wait()
        assert identity.gone_reason() == f"its process {child.pid} is gone"
    else:
        deadline = time.monotonic() + 5
        while psutil.Process(child.pid).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert identity.gone_reason() == f"its process {child.pid} has exited"
        child.wait()
