"""A trainer SIGKILLed mid-run (no chance to clean up) is resumed to the end from what it left.

The kill is real: ``train`` runs in a child process that is SIGKILLed shortly after its first
epoch was reported, while the next epoch trains. Whatever epoch the kill lands in, resume must
continue right after the last epoch the checkpoint holds and finish with one history entry per
epoch.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from agent.training.progress import EpochReport
from agent.training.trainers import train
from tests.training.datasets import make_dataset
from tests.training.jobs import tiny_job

CHILD = """
import sys, torch
from pathlib import Path
from agent.training.trainers import train
from graph.job import TrainingJob
torch.set_num_threads(1)
job = TrainingJob.from_json(Path(sys.argv[1]).read_text())
marker = Path(sys.argv[3])
train(job, Path(sys.argv[2]), on_epoch=lambda report: marker.write_text(str(report.epoch)))
"""


def _saved_epoch(last: Path, framework: str) -> int:
    checkpoint = torch.load(last, map_location="cpu", weights_only=False)
    return int(checkpoint["epoch"]) + (1 if framework == "ultralytics" else 0)


@pytest.mark.slow
@pytest.mark.parametrize(("framework", "task"), [("timm", "classify"), ("ultralytics", "detect")])
def test_sigkill_mid_run_then_resume_to_the_end(framework: str, task: str, tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", task)
    job = tiny_job(data, task, framework=framework, epochs=4)
    job_file, run_dir, marker = tmp_path / "job.json", tmp_path / "run", tmp_path / "reported"
    job_file.write_text(job.to_json())
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(job_file), str(run_dir), str(marker)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        assert marker.exists(), "the child never reported an epoch"
        time.sleep(0.3)  # into the next epoch
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
    assert child.returncode == -signal.SIGKILL
    saved = _saved_epoch(run_dir / "weights" / "last.pt", framework)
    assert 1 <= saved < 4, "the kill must land before the run ended"

    reports: list[EpochReport] = []
    outcome = train(job, run_dir, on_epoch=reports.append, resume=True)
    assert [r.epoch for r in reports] == list(range(saved + 1, 5))
    assert [row["epoch"] for row in outcome.history] == [1, 2, 3, 4]
    assert outcome.epochs_completed == 4
