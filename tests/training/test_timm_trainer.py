"""The timm trainer with the real timm on CPU: one epoch, every hyperparameter read back from
what the trainer saved, resume, and offline pretrained weights."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
import timm
import torch
import yaml

from agent.training.main_metric import main_metric
from agent.training.pretrained import reachable
from agent.training.progress import EpochReport, TrainingError
from agent.training.timm_trainer import HUB_HOST, create_scheduler
from agent.training.trainers import train
from graph.hyperparameters import HYPERPARAMETERS, SCHEDULERS
from tests.training.datasets import CLASSES, make_imagefolder
from tests.training.jobs import tiny_job

# timm train.py's own option names (argparse destinations), written out by hand so a wrong
# entry in HYPERPARAMETERS' timm_flag column fails here instead of agreeing with itself
TIMM_NAMES = {
    "epochs": "epochs",
    "batch_size": "batch_size",
    "learning_rate": "lr",
    "optimizer": "opt",
    "image_size": "img_size",
    "weight_decay": "weight_decay",
    "momentum": "momentum",
    "scheduler": "sched",
    "warmup_epochs": "warmup_epochs",
    "patience": "patience_epochs",
    "seed": "seed",
}
CHOSEN = {
    "epochs": 1,
    "batch_size": 3,
    "learning_rate": 0.02,
    "optimizer": "sgd",
    "image_size": 40,
    "weight_decay": 0.001,
    "momentum": 0.8,
    "scheduler": "step",
    "warmup_epochs": 2,
    "patience": 4,
    "seed": 7,
}


@pytest.fixture(scope="module")
def imagefolder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_imagefolder(tmp_path_factory.mktemp("imagefolder"))


@pytest.fixture(scope="module")
def one_epoch(imagefolder: Path, tmp_path_factory: pytest.TempPathFactory):
    """One real epoch with every hyperparameter set away from timm's default."""
    torch.set_num_threads(1)
    job = tiny_job(imagefolder, "classify", framework="timm", **CHOSEN)
    run_dir = tmp_path_factory.mktemp("timm-run") / "run-1"
    reports: list[EpochReport] = []
    outcome = train(job, run_dir, on_epoch=reports.append)
    return job, run_dir, reports, outcome


def test_one_epoch_reports_and_fills_the_run_folder(one_epoch) -> None:
    job, run_dir, reports, outcome = one_epoch
    assert [(r.epoch, r.epochs, r.main_metric) for r in reports] == [(1, 1, "top1")]
    assert main_metric(job) == "top1"
    metrics = reports[0].metrics
    assert {"train_loss", "val_loss", "top1", "top5", "lr"} <= set(metrics)
    assert 0.0 <= metrics["top1"] <= metrics["top5"] <= 100.0
    assert outcome.epochs_completed == 1
    assert outcome.best_weights == run_dir / "weights" / "best.pt" == reports[0].best_weights
    assert outcome.last_weights.is_file() and outcome.best_weights.is_file()
    assert json.loads((run_dir / "job.json").read_text()) == json.loads(job.to_json())
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert rows == [{"epoch": 1, **metrics}] and list(outcome.history) == rows
    assert "epoch 1/1" in (run_dir / "train.log").read_text()
    # the best checkpoint is an ordinary timm checkpoint
    model = timm.create_model("resnet18", num_classes=len(CLASSES))
    timm.models.load_checkpoint(model, str(outcome.best_weights))


@pytest.mark.parametrize("name", list(HYPERPARAMETERS))
def test_every_hyperparameter_reaches_timm(one_epoch, name: str) -> None:
    _, run_dir, _, _ = one_epoch
    saved = yaml.safe_load((run_dir / "args.yaml").read_text())
    assert saved[TIMM_NAMES[name]] == CHOSEN[name]
    checkpoint = torch.load(run_dir / "weights" / "last.pt", weights_only=False)
    assert checkpoint["args"][TIMM_NAMES[name]] == CHOSEN[name]


def test_the_optimizer_and_model_were_built_from_the_job(one_epoch) -> None:
    _, run_dir, _, _ = one_epoch
    checkpoint = torch.load(run_dir / "weights" / "last.pt", weights_only=False)
    groups = checkpoint["optimizer"]["param_groups"]
    decayed = [g for g in groups if g["weight_decay"] > 0]
    assert decayed and all(g["weight_decay"] == CHOSEN["weight_decay"] for g in decayed)
    assert all(g["momentum"] == CHOSEN["momentum"] for g in groups)
    assert checkpoint["state_dict"]["fc.weight"].shape[0] == len(CLASSES)
    assert "decay_t" in checkpoint["scheduler"]  # timm's StepLRScheduler
    assert checkpoint["args"]["pretrained"] is False


def test_the_other_config_fields_reach_timm(one_epoch) -> None:
    job, run_dir, _, _ = one_epoch
    saved = yaml.safe_load((run_dir / "args.yaml").read_text())
    assert saved["model"] == job.config.model_name == "resnet18"
    assert saved["data_dir"] == job.config.dataset_path
    assert saved["num_classes"] == job.config.num_classes == len(CLASSES)


def test_every_hyperparameter_is_covered() -> None:
    assert set(TIMM_NAMES) == set(CHOSEN) == set(HYPERPARAMETERS)


@pytest.mark.slow
def test_resume_continues_from_the_last_completed_epoch(imagefolder: Path, tmp_path: Path) -> None:
    job = tiny_job(imagefolder, "classify", framework="timm", epochs=3, warmup_epochs=0)
    run_dir = tmp_path / "run"

    def interrupted(report: EpochReport) -> None:
        if report.epoch == 2:
            raise KeyboardInterrupt  # as if the worker died right after epoch 2 was saved

    with pytest.raises(KeyboardInterrupt):
        train(job, run_dir, on_epoch=interrupted)
    assert torch.load(run_dir / "weights" / "last.pt", weights_only=False)["epoch"] == 2
    reports: list[EpochReport] = []
    outcome = train(job, run_dir, on_epoch=reports.append, resume=True)
    assert [r.epoch for r in reports] == [3]
    assert outcome.epochs_completed == 3
    assert [row["epoch"] for row in outcome.history] == [1, 2, 3]
    assert torch.load(outcome.last_weights, weights_only=False)["epoch"] == 3
    # resuming a finished run trains nothing more
    again: list[EpochReport] = []
    assert train(job, run_dir, on_epoch=again.append, resume=True).epochs_completed == 3
    assert again == []


@pytest.mark.slow
def test_resume_before_any_epoch_was_saved_starts_over(imagefolder: Path, tmp_path: Path) -> None:
    job = tiny_job(imagefolder, "classify", framework="timm")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "metrics.jsonl").write_text('{"epoch": 1, "top1": 99.0}\n')  # a stale report
    reports: list[EpochReport] = []
    outcome = train(job, run_dir, on_epoch=reports.append, resume=True)
    assert [r.epoch for r in reports] == [1] and outcome.epochs_completed == 1
    assert outcome.history == (reports[0].metrics | {"epoch": 1},)
    assert "starting over" in (run_dir / "train.log").read_text()


@pytest.mark.slow
def test_a_local_weights_file_is_used_without_network(imagefolder: Path, tmp_path: Path) -> None:
    source = timm.create_model("resnet18", num_classes=1000)
    weights = tmp_path / "resnet18-local.pth"
    torch.save(source.state_dict(), weights)
    job = tiny_job(imagefolder, "classify", framework="timm", pretrained=None, weights=str(weights))
    outcome = train(job, tmp_path / "run")
    saved = yaml.safe_load((tmp_path / "run" / "args.yaml").read_text())
    assert saved["pretrained"] is True and saved["pretrained_path"] == str(weights)
    assert outcome.epochs_completed == 1
    # timm's own log line, copied into the run's log, says where the weights came from
    assert (
        f"Loading pretrained weights from file ({weights})"
        in (tmp_path / "run" / "train.log").read_text()
    )


@pytest.mark.slow
def test_weights_from_an_earlier_run_keep_their_classifier(one_epoch) -> None:
    from agent.training.timm_trainer import _create_model

    best = one_epoch[3].best_weights
    first = torch.load(best, weights_only=False)["state_dict"]
    args = {"model": "resnet18", "num_classes": len(CLASSES), "pretrained": True}
    model = _create_model(
        {**args, "pretrained_path": str(best)}, resume=False, log=logging.getLogger("test")
    )
    assert torch.equal(model.fc.weight, first["fc.weight"])
    assert torch.equal(model.conv1.weight, first["conv1.weight"])


def test_a_batch_larger_than_the_train_split_is_refused(imagefolder: Path, tmp_path: Path) -> None:
    job = tiny_job(imagefolder, "classify", framework="timm", batch_size=64)
    with pytest.raises(TrainingError, match="set the batch size to at most 12"):
        train(job, tmp_path / "run")


def test_a_missing_weights_file_is_refused_at_once(imagefolder: Path, tmp_path: Path) -> None:
    job = tiny_job(imagefolder, "classify", framework="timm", weights=str(tmp_path / "nope.pt"))
    with pytest.raises(TrainingError, match="does not exist") as refused:
        train(job, tmp_path / "run")
    assert "\n" not in str(refused.value)


@pytest.mark.skipif(reachable(HUB_HOST), reason="needs a machine without network")
def test_pretrained_weights_offline_fail_fast_with_both_fixes(
    imagefolder: Path, tmp_path: Path
) -> None:
    job = tiny_job(imagefolder, "classify", framework="timm", pretrained=None)
    began = time.monotonic()
    with pytest.raises(TrainingError) as refused:
        train(job, tmp_path / "run")
    assert time.monotonic() - began < 15
    message = str(refused.value)
    assert "\n" not in message and "Traceback" not in message
    assert "from scratch" in message and "local weights file" in message


@pytest.mark.parametrize("sched", SCHEDULERS["timm"])
def test_every_timm_schedule_the_conversation_accepts_steps_like_the_trainer_steps_it(
    sched: str,
) -> None:
    from timm.optim import create_optimizer_v2

    model = torch.nn.Linear(2, 2)
    optimizer = create_optimizer_v2(model, opt="sgd", lr=0.1)
    args = {"sched": sched, "epochs": 3, "warmup_epochs": 1, "patience_epochs": 1}
    scheduler = create_scheduler(optimizer, args, updates_per_epoch=2)
    if sched == "none":
        assert scheduler is None
        return
    for epoch in range(3):
        for update in range(2):
            scheduler.step_update(num_updates=epoch * 2 + update + 1, metric=1.0)
        scheduler.step(epoch + 1, 50.0)
    scheduler.load_state_dict(scheduler.state_dict())  # what resume does
    assert optimizer.param_groups[0]["lr"] >= 0


def test_a_warmup_as_long_as_the_run_is_refused_for_wsd() -> None:
    optimizer = torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.1)
    args = {"sched": "wsd", "epochs": 2, "warmup_epochs": 2, "patience_epochs": 1}
    with pytest.raises(TrainingError, match="lower warmup_epochs or raise epochs"):
        create_scheduler(optimizer, args, updates_per_epoch=2)
