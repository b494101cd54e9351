"""Training a timm classification job through timm's own Python API.

Why not timm's ``train.py``: it is not part of the timm package, so a user who ran ``pip install
timm`` cannot run it. This module uses the same public building blocks ``train.py`` is made of —
``create_model``, ``create_dataset`` / ``resolve_data_config`` / ``create_loader`` (which builds
the transforms with ``create_transform`` from the model's data config at the configured image
size), ``create_optimizer_v2``, ``create_scheduler_v2``, ``LabelSmoothingCrossEntropy`` and
``timm.utils.accuracy`` — and keeps ``train.py``'s conventions: an ``args.yaml`` holding every
argument under ``train.py``'s own option names (so a test, or a user, reads each hyperparameter
back), checkpoints with ``state_dict`` / ``optimizer`` / ``scheduler`` / ``epoch`` / ``args``
(``timm.models.load_checkpoint`` reads them), plateau-scheduler ``patience_epochs``.

Resume continues from ``weights/last.pt``: model, optimizer and scheduler state and the epoch
count, so the run ends at the configured epoch as if it had never stopped.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from unittest import mock

import timm
import timm.data
import torch
import yaml
from timm.loss import LabelSmoothingCrossEntropy
from timm.optim import create_optimizer_v2
from timm.scheduler import create_scheduler_v2
from timm.utils import AverageMeter, accuracy, random_seed

from agent.training.main_metric import TIMM_MAIN_METRIC
from agent.training.pretrained import (
    local_weights,
    offline_message,
    reachable,
    wants_pretrained,
)
from agent.training.progress import EpochReport, OnEpoch, TrainingError, TrainOutcome
from agent.training.run_folder import RunFolder
from graph.hyperparameters import HYPERPARAMETERS
from graph.hyperparameters.specs import DEFAULTS
from graph.job import TrainingJob

__all__ = ["train_timm", "timm_args", "create_scheduler", "MAIN_METRIC", "SMOOTHING", "HUB_HOST"]

MAIN_METRIC = TIMM_MAIN_METRIC
"""Validation top-1 accuracy (percent) decides the best checkpoint, as in timm's train.py."""
SMOOTHING = 0.1
"""Label smoothing, timm train.py's default (``--smoothing 0.1``)."""
HUB_HOST = "huggingface.co"
"""Where timm downloads pretrained weights from."""
_DEFAULT_IMAGE_SIZE = object()


def _dest(flag: str) -> str:
    """argparse's destination for a timm train.py option: ``--batch-size`` → ``batch_size``."""
    return flag.lstrip("-").replace("-", "_")


def timm_args(job: TrainingJob) -> dict[str, Any]:
    """Every argument the run trains with, under timm train.py's option names.

    Hyperparameters come from the job's config through ``HYPERPARAMETERS[...].timm_flag`` (the
    same table the exported command uses); a hyperparameter the user left unset takes timm's own
    default (``DEFAULTS["timm"]``), except the image size, which then follows the model's
    pretrained input size as in train.py.
    """
    config = job.config
    weights = local_weights(config)
    args: dict[str, Any] = {
        "data_dir": config.dataset_path,
        "train_split": "train",
        "val_split": "val",
        "model": config.model_name,
        "pretrained": wants_pretrained(config) or weights is not None,
        "pretrained_path": str(weights) if weights is not None else None,
        "num_classes": config.num_classes,
    }
    for name, spec in HYPERPARAMETERS.items():
        assert spec.timm_flag is not None
        value = getattr(config, name)
        if value is None and name != "image_size":
            value = DEFAULTS["timm"][name]
        if spec.timm_type is not None and value is not None:
            value = spec.timm_type(value)  # train.py declares e.g. --warmup-epochs as int
        args[_dest(spec.timm_flag)] = value
    args.update(smoothing=SMOOTHING, workers=0, device=_device())
    return args


def _device() -> str:
    """The fastest device here: a CUDA GPU, Apple's MPS, else the CPU."""
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    return "mps" if mps is not None and mps.is_available() else "cpu"


def _create_model(args: Mapping[str, Any], *, resume: bool, log: logging.Logger) -> Any:
    """The model, with pretrained weights from a local file, the cache or the hub.

    Offline, timm's hub client retries for about a minute; here the cache is tried first with
    the hub switched to offline mode, and the network only when the cache misses and the hub
    answers, so an offline run fails within seconds with one message.
    """
    name, classes = args["model"], args["num_classes"]
    if resume or not args["pretrained"]:
        return timm.create_model(name, pretrained=False, num_classes=classes)
    if args["pretrained_path"]:
        log.info("pretrained weights from %s", args["pretrained_path"])
        overlay = {"file": args["pretrained_path"]}
        try:  # a file from an earlier run with the same classes keeps its classifier too
            return timm.create_model(
                name,
                pretrained=True,
                num_classes=classes,
                pretrained_cfg_overlay={**overlay, "num_classes": classes},
            )
        except RuntimeError:  # another head (ImageNet's 1000 classes): timm drops it
            return timm.create_model(
                name, pretrained=True, num_classes=classes, pretrained_cfg_overlay=overlay
            )
    import huggingface_hub.constants as hub_constants

    try:
        with mock.patch.object(hub_constants, "HF_HUB_OFFLINE", True):
            return timm.create_model(name, pretrained=True, num_classes=classes)
    except (OSError, ValueError, RuntimeError) as cached_miss:
        log.info("pretrained weights for %s not in the local cache (%s)", name, cached_miss)
    if not reachable(HUB_HOST):
        raise TrainingError(offline_message(name, HUB_HOST))
    try:
        return timm.create_model(name, pretrained=True, num_classes=classes)
    except OSError as failed:
        raise TrainingError(offline_message(name, HUB_HOST)) from failed


def _loaders(args: Mapping[str, Any], model: Any) -> tuple[Any, Any]:
    size = args["img_size"]
    data_config = timm.data.resolve_data_config(
        {"img_size": size} if size else {}, model=model, verbose=False
    )
    root = args["data_dir"]
    try:
        train_set = timm.data.create_dataset("", root=root, split=args["train_split"])
        # the validation split must use train's class indices even when it lacks a class
        class_map = dict(train_set.reader.class_to_idx)
        val_set = timm.data.create_dataset(
            "", root=root, split=args["val_split"], class_map=class_map
        )
    except Exception as missing:  # timm says IndexError, RuntimeError … for a bad layout
        raise TrainingError(
            f"cannot read the imagefolder dataset at {root}: {str(missing).splitlines()[0]} "
            "(it needs train/ and val/ folders with one sub-folder per class)"
        ) from missing
    if len(class_map) > args["num_classes"]:
        raise TrainingError(
            f"the dataset has {len(class_map)} classes but the job says num_classes "
            f"{args['num_classes']}: set num_classes to {len(class_map)}"
        )
    common = {
        "input_size": data_config["input_size"],
        "interpolation": data_config["interpolation"],
        "mean": data_config["mean"],
        "std": data_config["std"],
        "crop_pct": data_config["crop_pct"],
        "num_workers": args["workers"],
        "use_prefetcher": False,  # the prefetcher needs CUDA
        "device": torch.device(args["device"]),
    }
    train_loader = timm.data.create_loader(
        train_set, batch_size=args["batch_size"], is_training=True, **common
    )
    val_loader = timm.data.create_loader(val_set, batch_size=args["batch_size"], **common)
    if len(train_loader) == 0:  # timm drops the last partial batch when training
        raise TrainingError(
            f"the train split has {len(train_set)} images, fewer than the batch size "
            f"{args['batch_size']}, so no training step would run: set the batch size to at "
            f"most {len(train_set)}"
        )
    return train_loader, val_loader


_DECAY_PHASE_SCHEDULES = ("wsd", "rsqrt")


def create_scheduler(optimizer: Any, args: Mapping[str, Any], *, updates_per_epoch: int) -> Any:
    """timm's scheduler for ``args`` (None for ``sched: none``).

    wsd / rsqrt decay over the last 20 % of the epochs after warm-up (timm's default), which
    timm rounds to zero on a short run and then refuses; at least one decay epoch is kept, and a
    warm-up as long as the run is refused with what to change.
    """
    extra: dict[str, Any] = {}
    if args["sched"] in _DECAY_PHASE_SCHEDULES:
        after_warmup = args["epochs"] - args["warmup_epochs"]
        if after_warmup < 1:
            raise TrainingError(
                f"the {args['sched']} schedule needs more epochs ({args['epochs']}) than warm-up "
                f"epochs ({args['warmup_epochs']}): lower warmup_epochs or raise epochs"
            )
        extra["decay_epochs"] = max(1, round(0.2 * after_warmup))
    scheduler, _ = create_scheduler_v2(
        optimizer,
        sched=args["sched"],
        num_epochs=args["epochs"],
        warmup_epochs=args["warmup_epochs"],
        patience_epochs=args["patience_epochs"],
        updates_per_epoch=updates_per_epoch,
        **extra,
    )
    return scheduler


def _save(path: Path, state: Mapping[str, Any]) -> None:
    """Write a checkpoint atomically: a kill mid-write leaves the previous file whole."""
    partial = path.with_suffix(".partial")
    torch.save(dict(state), partial)
    os.replace(partial, path)


def _validate(model: Any, loader: Any, device: str, classes: int) -> dict[str, float]:
    loss_fn = torch.nn.CrossEntropyLoss()
    loss_m, top1_m, top5_m = AverageMeter(), AverageMeter(), AverageMeter()
    model.eval()
    with torch.no_grad():
        for images, targets in loader:
            images, targets = images.to(device), targets.to(device)
            output = model(images)
            top1, top5 = accuracy(output, targets, topk=(1, min(5, classes)))
            n = images.size(0)
            loss_m.update(loss_fn(output, targets).item(), n)
            top1_m.update(top1.item(), n)
            top5_m.update(top5.item(), n)
    return {"val_loss": loss_m.avg, "top1": top1_m.avg, "top5": top5_m.avg}


def _train_epoch(
    model: Any,
    loader: Any,
    optimizer: Any,
    scheduler: Any,
    loss_fn: Any,
    *,
    device: str,
    epoch: int,
) -> float:
    model.train()
    loss_m = AverageMeter()
    updates = epoch * len(loader)
    for images, targets in loader:
        images, targets = images.to(device), targets.to(device)
        loss = loss_fn(model(images), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_m.update(loss.item(), images.size(0))
        updates += 1
        if scheduler is not None:
            scheduler.step_update(num_updates=updates, metric=loss_m.avg)
    return loss_m.avg


def train_timm(
    job: TrainingJob,
    folder: RunFolder,
    *,
    on_epoch: OnEpoch | None,
    resume: bool,
    log: logging.Logger,
) -> TrainOutcome:
    """Train ``job`` (a timm classification job) into ``folder``; see the module docstring."""
    args = timm_args(job)
    checkpoint: dict[str, Any] | None = None
    if resume:
        if not folder.last.is_file():
            raise TrainingError(f"nothing to resume: {folder.last} does not exist")
        checkpoint = torch.load(folder.last, map_location="cpu", weights_only=False)
        args = {**checkpoint["args"], "device": _device()}
    folder.args.write_text(yaml.safe_dump(args, sort_keys=False), encoding="utf-8")
    random_seed(args["seed"])
    device, epochs, classes = args["device"], args["epochs"], args["num_classes"]

    model = _create_model(args, resume=resume, log=log).to(device)
    train_loader, val_loader = _loaders(args, model)
    optimizer = create_optimizer_v2(
        model,
        opt=args["opt"],
        lr=args["lr"],
        weight_decay=args["weight_decay"],
        momentum=args["momentum"],
    )
    scheduler = create_scheduler(optimizer, args, updates_per_epoch=len(train_loader))
    loss_fn = LabelSmoothingCrossEntropy(smoothing=args["smoothing"])

    start, best_metric, best_epoch = 0, float("-inf"), 0
    if checkpoint is not None:
        model.load_state_dict(checkpoint["state_dict"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        if scheduler is not None and checkpoint.get("scheduler") is not None:
            scheduler.load_state_dict(checkpoint["scheduler"])
        start = int(checkpoint["epoch"])
        best_metric = float(checkpoint.get("best_metric", best_metric))
        best_epoch = int(checkpoint.get("best_epoch", 0))
        folder.rewrite_history(folder.history(up_to=start))
        log.info("resuming %s from epoch %d of %d", args["model"], start, epochs)
        if scheduler is not None:
            scheduler.step(start)  # the learning rate the next epoch starts with

    folder.weights.mkdir(parents=True, exist_ok=True)
    for epoch in range(start, epochs):
        began = time.perf_counter()
        train_loss = _train_epoch(
            model, train_loader, optimizer, scheduler, loss_fn, device=device, epoch=epoch
        )
        metrics = {"train_loss": train_loss, **_validate(model, val_loader, device, classes)}
        metrics["lr"] = float(optimizer.param_groups[0]["lr"])
        if scheduler is not None:
            scheduler.step(epoch + 1, metrics[MAIN_METRIC])
        done = epoch + 1
        improved = metrics[MAIN_METRIC] > best_metric or best_epoch == 0
        if improved:
            best_metric, best_epoch = metrics[MAIN_METRIC], done
        state = {
            "epoch": done,
            "arch": args["model"],
            "state_dict": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict() if scheduler is not None else None,
            "args": args,
            "metric": metrics[MAIN_METRIC],
            "best_metric": best_metric,
            "best_epoch": best_epoch,
        }
        _save(folder.last, state)
        if improved:
            _save(folder.best, state)
        folder.append_metrics(done, metrics)
        log.info(
            "epoch %d/%d  %s  (%.1fs)",
            done,
            epochs,
            "  ".join(f"{k} {v:.4g}" for k, v in metrics.items()),
            time.perf_counter() - began,
        )
        if on_epoch is not None:
            on_epoch(EpochReport(done, epochs, metrics, MAIN_METRIC, folder.best))

    return TrainOutcome(
        best_weights=folder.best,
        last_weights=folder.last,
        epochs_completed=max(start, epochs),
        history=folder.history(),
    )
