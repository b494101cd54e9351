"""Training an ultralytics job (detect, segment, classify, pose, obb) through ``YOLO(...).train``.

Why through the Python API and not the ``yolo`` command: callbacks. ``on_train_epoch_start`` and
``on_fit_epoch_end`` hand us each epoch's losses and validation metrics the moment ultralytics
has saved that epoch's ``last.pt``/``best.pt``, so the report a user sees always has a checkpoint
behind it.

Every argument comes from the job through ``TrainingJob.ultralytics_yaml()`` (the same mapping
the exported ``yolo`` command uses, i.e. ``HYPERPARAMETERS[...].ultralytics_key``); ultralytics
then saves all of them in ``args.yaml`` in the run folder, which is what tests read back.

Nothing here reaches the network unless pretrained weights must be downloaded: ``plots=False``
(plotting fetches a font), and the model is built from its YAML when training from scratch.
Resume is ultralytics' own ``resume=True`` from ``weights/last.pt``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch
import yaml

from agent.training.main_metric import ULTRALYTICS_MAIN_METRICS
from agent.training.pretrained import local_weights, require_download, wants_pretrained
from agent.training.progress import EpochReport, OnEpoch, TrainingError, TrainOutcome
from agent.training.run_folder import RunFolder
from graph.datasets.yolo import YAML_NAMES
from graph.job import TrainingJob

__all__ = ["train_ultralytics", "ultralytics_overrides", "MAIN_METRICS", "ASSETS_HOST"]

MAIN_METRICS = ULTRALYTICS_MAIN_METRICS
"""The metric that names a run's progress, per task (ultralytics' own metric keys)."""
ASSETS_HOST = "github.com"
"""Where ultralytics downloads pretrained ``.pt`` weights from (its GitHub release assets)."""


def _model_source(job: TrainingJob, args: dict[str, Any]) -> tuple[str, bool]:
    """What ``YOLO(...)`` loads and whether that starts from pretrained weights.

    A local weights file wins; otherwise ``<name>.pt`` (pretrained, downloaded when not already
    on disk) or ``<name>.yaml`` (from scratch: the architecture only, no download).
    """
    weights = local_weights(job.config)
    if weights is not None:
        return str(weights), True
    stem = str(args["model"]).removesuffix(".pt")
    if stem.endswith((".yaml", ".yml")):
        return stem, False
    if not wants_pretrained(job.config):
        return stem + ".yaml", False
    name = stem + ".pt"
    from ultralytics.utils import SETTINGS

    if not (Path(name).is_file() or (Path(SETTINGS["weights_dir"]) / name).is_file()):
        require_download(name, ASSETS_HOST)
    return name, True


def _data_path(args: dict[str, Any]) -> str:
    """The dataset argument; a detection dataset's YAML found by any name inspection accepts."""
    data = Path(str(args["data"]))
    if args["task"] == "classify" or data.is_file():
        return str(data)
    for name in YAML_NAMES:
        if (data.parent / name).is_file():
            return str(data.parent / name)
    raise TrainingError(
        f"no dataset YAML in {data.parent}: ultralytics needs a data.yaml naming the image "
        "folders and the class names"
    )


def ultralytics_overrides(job: TrainingJob, folder: RunFolder) -> dict[str, Any]:
    """Every keyword ``YOLO.train`` receives for ``job``, the run folder included."""
    args: dict[str, Any] = yaml.safe_load(job.ultralytics_yaml())
    model, pretrained = _model_source(job, args)
    args.pop("mode")
    args.update(
        model=model,
        data=_data_path(args),
        pretrained=pretrained,
        project=str(folder.root.parent.resolve()),
        name=folder.root.name,
        exist_ok=True,  # the folder already holds job.json and the log
        plots=False,  # plots download a font
        workers=0 if not torch.cuda.is_available() else 8,
        verbose=True,
    )
    return args


class _Reporter:
    """ultralytics callbacks turned into ``EpochReport``s, one per completed training epoch."""

    def __init__(self, folder: RunFolder, task: str, on_epoch: OnEpoch | None) -> None:
        self.folder, self.main_metric, self.on_epoch = folder, MAIN_METRICS[task], on_epoch
        self.in_epoch = False

    def epoch_started(self, trainer: Any) -> None:
        self.in_epoch = True

    def epoch_ended(self, trainer: Any) -> None:
        # final_eval fires on_fit_epoch_end once more for best.pt; it is not an epoch
        if not self.in_epoch:
            return
        self.in_epoch = False
        metrics = {
            **trainer.label_loss_items(trainer.tloss, prefix="train"),
            **trainer.metrics,
            **trainer.lr,
        }
        metrics = {str(k): float(v) for k, v in metrics.items()}
        done = trainer.epoch + 1
        self.folder.append_metrics(done, metrics)
        if self.on_epoch is not None:
            best = Path(trainer.best)
            self.on_epoch(
                EpochReport(
                    done,
                    trainer.epochs,
                    metrics,
                    self.main_metric,
                    best if best.is_file() else None,
                )
            )


def _finished_epoch(last: Path) -> int | None:
    """The epoch ``last.pt`` ends at, or None when it is a finished run's stripped checkpoint."""
    checkpoint = torch.load(last, map_location="cpu", weights_only=False)
    epoch = int(checkpoint.get("epoch", -1))
    return None if epoch < 0 else epoch + 1


def train_ultralytics(
    job: TrainingJob,
    folder: RunFolder,
    *,
    on_epoch: OnEpoch | None,
    resume: bool,
    log: logging.Logger,
) -> TrainOutcome:
    """Train ``job`` with ultralytics into ``folder``; see the module docstring."""
    from ultralytics import YOLO

    task = yaml.safe_load(job.ultralytics_yaml())["task"]
    reporter = _Reporter(folder, task, on_epoch)
    if resume:
        if not folder.last.is_file():
            raise TrainingError(f"nothing to resume: {folder.last} does not exist")
        completed = _finished_epoch(folder.last)
        if completed is None:  # the run had finished: nothing left to train
            history = folder.history()
            return TrainOutcome(folder.best, folder.last, len(history), history)
        folder.rewrite_history(folder.history(up_to=completed))
        log.info("resuming from %s after epoch %d", folder.last, completed)
        model = YOLO(str(folder.last), task=task)
        overrides: dict[str, Any] = {"resume": str(folder.last), "plots": False}
        overrides["workers"] = 0 if not torch.cuda.is_available() else 8
    else:
        overrides = ultralytics_overrides(job, folder)
        log.info("YOLO(%r).train(%s)", overrides["model"], overrides)
        model = YOLO(overrides.pop("model"), task=overrides.pop("task"))
    model.add_callback("on_train_epoch_start", reporter.epoch_started)
    model.add_callback("on_fit_epoch_end", reporter.epoch_ended)
    model.train(**overrides)
    trainer = model.trainer
    assert trainer is not None  # set by train()
    history = folder.history()
    best, last = Path(trainer.best), Path(trainer.last)
    if not last.is_file():
        raise TrainingError(f"ultralytics finished without saving weights in {folder.weights}")
    return TrainOutcome(best if best.is_file() else last, last, len(history), history)
