"""The ultralytics trainer with the real ultralytics on CPU: one epoch per task, every
hyperparameter read back from ultralytics' own args.yaml, resume, and offline pretrained."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import torch
import yaml

from agent.training.main_metric import main_metric
from agent.training.pretrained import reachable
from agent.training.progress import EpochReport, TrainingError
from agent.training.trainers import train
from agent.training.ultralytics_trainer import ASSETS_HOST
from graph.hyperparameters import HYPERPARAMETERS
from tests.training.datasets import make_dataset
from tests.training.jobs import tiny_job

# ultralytics' cfg/default.yaml keys, written out by hand so a wrong ultralytics_key in
# HYPERPARAMETERS fails here instead of agreeing with itself
ULTRALYTICS_KEYS = {
    "epochs": "epochs",
    "batch_size": "batch",
    "learning_rate": "lr0",
    "optimizer": "optimizer",
    "image_size": "imgsz",
    "weight_decay": "weight_decay",
    "momentum": "momentum",
    "scheduler": "cos_lr",
    "warmup_epochs": "warmup_epochs",
    "patience": "patience",
    "seed": "seed",
}
CHOSEN = {
    "epochs": 1,
    "batch_size": 4,
    "learning_rate": 0.02,
    "optimizer": "AdamW",
    "image_size": 64,
    "weight_decay": 0.001,
    "momentum": 0.8,
    "scheduler": "cosine",
    "warmup_epochs": 0.5,
    "patience": 7,
    "seed": 3,
}
SAVED = {**CHOSEN, "scheduler": True}  # ultralytics' cos_lr is a switch
MAIN = {
    "detect": "metrics/mAP50-95(B)",
    "segment": "metrics/mAP50-95(M)",
    "classify": "metrics/accuracy_top1",
    "pose": "metrics/mAP50-95(P)",
    "obb": "metrics/mAP50-95(B)",
}


def _run(task: str, root: Path, **fields):
    data = make_dataset(root / "data", task)
    job = tiny_job(data, task, **fields)
    reports: list[EpochReport] = []
    run_dir = root / "runs" / "thread-1" / "run-1"
    outcome = train(job, run_dir, on_epoch=reports.append)
    return job, run_dir, reports, outcome


@pytest.fixture(scope="module")
def detect_run(tmp_path_factory: pytest.TempPathFactory):
    """One real detection epoch with every hyperparameter set away from ultralytics' default."""
    torch.set_num_threads(1)
    return _run("detect", tmp_path_factory.mktemp("detect"), **CHOSEN)


def _check_one_epoch(task: str, job, run_dir: Path, reports, outcome) -> None:
    assert [(r.epoch, r.epochs, r.main_metric) for r in reports] == [(1, 1, MAIN[task])]
    assert main_metric(job) == MAIN[task]  # known before the run, without torch
    metrics = reports[0].metrics
    assert MAIN[task] in metrics and any(name.startswith("train/") for name in metrics)
    assert outcome.epochs_completed == 1
    assert outcome.best_weights == run_dir / "weights" / "best.pt" == reports[0].best_weights
    assert (
        outcome.best_weights.is_file() and outcome.last_weights == run_dir / "weights" / "last.pt"
    )
    assert json.loads((run_dir / "job.json").read_text()) == json.loads(job.to_json())
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert rows == [{"epoch": 1, **metrics}] and list(outcome.history) == rows
    assert (run_dir / "results.csv").is_file()  # ultralytics' own per-epoch file, same folder
    log = (run_dir / "train.log").read_text()
    assert "Starting training for 1 epochs" in log  # ultralytics' own lines reach the run's log
    saved = yaml.safe_load((run_dir / "args.yaml").read_text())
    assert saved["task"] == task and saved["pretrained"] is False
    assert saved["model"] == f"{job.config.model_name}.yaml"
    expected_data = Path(job.config.dataset_path) / ("" if task == "classify" else "data.yaml")
    assert Path(saved["data"]) == expected_data
    assert saved["model"].endswith(".yaml")  # built from its YAML: nothing downloaded
    assert Path(saved["save_dir"]) == run_dir.resolve()


def test_detect_one_epoch(detect_run) -> None:
    _check_one_epoch("detect", *detect_run)


@pytest.mark.parametrize("task", ["segment", "classify"])
def test_one_epoch_per_task(task: str, tmp_path: Path) -> None:
    _check_one_epoch(task, *_run(task, tmp_path))


@pytest.mark.slow
@pytest.mark.parametrize("task", ["pose", "obb"])
def test_one_epoch_pose_and_obb(task: str, tmp_path: Path) -> None:
    _check_one_epoch(task, *_run(task, tmp_path))


@pytest.mark.parametrize("name", list(HYPERPARAMETERS))
def test_every_hyperparameter_reaches_ultralytics(detect_run, name: str) -> None:
    _, run_dir, _, _ = detect_run
    saved = yaml.safe_load((run_dir / "args.yaml").read_text())
    assert saved[ULTRALYTICS_KEYS[name]] == SAVED[name]
    checkpoint = torch.load(run_dir / "weights" / "last.pt", weights_only=False)
    assert checkpoint["train_args"][ULTRALYTICS_KEYS[name]] == SAVED[name]


def test_the_optimizer_was_built_from_the_job(detect_run) -> None:
    _, run_dir, _, _ = detect_run
    log = (run_dir / "train.log").read_text()
    assert "AdamW(lr=0.02, momentum=0.8)" in log  # ultralytics' build_optimizer line
    assert "weight_decay=0.001" in log


def test_every_hyperparameter_is_covered() -> None:
    assert set(ULTRALYTICS_KEYS) == set(CHOSEN) == set(HYPERPARAMETERS)


@pytest.mark.slow
def test_resume_continues_from_the_last_completed_epoch(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", "detect")
    job = tiny_job(data, "detect", epochs=3)
    run_dir = tmp_path / "run"

    def interrupted(report: EpochReport) -> None:
        if report.epoch == 2:
            raise KeyboardInterrupt  # as if the worker died right after epoch 2 was saved

    with pytest.raises(KeyboardInterrupt):
        train(job, run_dir, on_epoch=interrupted)
    reports: list[EpochReport] = []
    outcome = train(job, run_dir, on_epoch=reports.append, resume=True)
    assert [r.epoch for r in reports] == [3]
    assert outcome.epochs_completed == 3
    assert [row["epoch"] for row in outcome.history] == [1, 2, 3]
    results = (run_dir / "results.csv").read_text().splitlines()
    assert len(results) == 1 + 3  # header + one row per epoch: resumed in place, not restarted
    # resuming a finished run trains nothing more
    again: list[EpochReport] = []
    assert train(job, run_dir, on_epoch=again.append, resume=True).epochs_completed == 3
    assert again == []


@pytest.mark.slow
def test_a_local_weights_file_is_used_without_network(detect_run, tmp_path: Path) -> None:
    job, first_run, _, _ = detect_run
    data = Path(job.config.dataset_path)
    weights = first_run / "weights" / "best.pt"
    again = tiny_job(data, "detect", pretrained=None, weights=str(weights))
    outcome = train(again, tmp_path / "run")
    saved = yaml.safe_load((tmp_path / "run" / "args.yaml").read_text())
    assert saved["model"] == str(weights) and outcome.epochs_completed == 1


@pytest.mark.skipif(reachable(ASSETS_HOST), reason="needs a machine without network")
def test_pretrained_weights_offline_fail_fast_with_both_fixes(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", "detect")
    job = tiny_job(data, "detect", pretrained=None)
    began = time.monotonic()
    with pytest.raises(TrainingError) as refused:
        train(job, tmp_path / "run")
    assert time.monotonic() - began < 15
    message = str(refused.value)
    assert "\n" not in message and "Traceback" not in message
    assert "yolov8n.pt" in message
    assert "from scratch" in message and "local weights file" in message


def test_a_broken_dataset_is_one_line_and_the_traceback_is_in_the_log(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", "detect")
    for label in (data / "labels").rglob("*.txt"):
        label.unlink()
    for image in (data / "images").rglob("*.png"):
        image.unlink()
    job = tiny_job(data, "detect")
    with pytest.raises(TrainingError) as refused:
        train(job, tmp_path / "run")
    assert "\n" not in str(refused.value)
    assert "Traceback" in (tmp_path / "run" / "train.log").read_text()


@pytest.mark.parametrize(("framework", "task"), [("ultralytics", "classify"), ("timm", "classify")])
def test_a_dataset_that_is_not_here_is_refused_without_a_download(
    framework: str, task: str, tmp_path: Path
) -> None:
    job = tiny_job(tmp_path / "elsewhere", task, framework=framework)
    with pytest.raises(TrainingError, match="does not exist on this machine"):
        train(job, tmp_path / "run")
    assert "Download" not in (tmp_path / "run" / "train.log").read_text()
