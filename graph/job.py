"""The job a confirmed configuration becomes: the frozen config plus the command that runs it.

Why the command lives next to the config: the thing a user confirms must be the thing that
runs. The argv is derived from the same slot declarations the conversation used
(``SlotSpec.timm_flag`` / ``ultralytics_key``, in declaration order), and every value is re-checked with
``check_hyperparameter`` here, so a job with a refused value cannot be built at all.

* timm: ``python train.py <data> --model resnet18 --pretrained --num-classes N --train-split
  train --val-split val --epochs … --batch-size … --lr … [--opt … --img-size … --weight-decay …
  --momentum … --sched … --warmup-epochs … --patience-epochs … --seed …]``. timm looks the
  split folders up by synonym (``val``/``valid``/``validation``), so those two flags fit every
  imagefolder layout inspection accepts.
* ultralytics: ``yolo <task> train model=yolov8n.pt data=<path>/data.yaml epochs=… batch=…
  lr0=… [optimizer=… imgsz=… weight_decay=… momentum=… cos_lr=… warmup_epochs=… patience=…
  seed=…]``; classification passes the dataset folder itself as ``data``.

Pretrained weights (``TrainingConfig.pretrained``, default yes) and a local weights file
(``weights``): timm gets ``--pretrained`` only when pretrained, ``--pretrained --pretrained-path
<file>`` for a file (loaded like pretrained weights, so a different class count adapts the
classifier, which is what the trainer in ``agent.training`` does too); ultralytics gets
``model=<name>.pt`` when pretrained, ``model=<name>.yaml pretrained=False`` from scratch and
``model=<file>`` for a file.

Hyperparameters not set in the config are left out, so the framework's own default applies.
"""

from __future__ import annotations

import shlex
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from graph.config import TrainingConfig
from graph.datasets.compatibility import check_compatibility
from graph.hyperparameters import HYPERPARAMETERS, check_hyperparameter, message
from graph.slot_index import missing_for_job

__all__ = ["TrainingJob", "build_job", "ULTRALYTICS_TASKS", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
"""Version of the exported job document; bump it when fields change meaning."""


ULTRALYTICS_TASKS: dict[str, str] = {
    "image_classification": "classify",
    "object_detection": "detect",
    "instance_segmentation": "segment",
    "pose_estimation": "pose",
    "oriented_detection": "obb",
}
"""``TrainingConfig.task_type`` → the task word of the ``yolo`` command line."""

_TIMM_PROGRAM = ("python", "train.py")
_YOLO_PROGRAM = ("yolo",)


class TrainingJob(BaseModel):
    """A confirmed, runnable training job; frozen, exportable as JSON or YAML."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = SCHEMA_VERSION
    """Version of this document's shape."""
    config: TrainingConfig
    """The configuration exactly as confirmed."""
    command: tuple[str, ...]
    """The argv that runs the job (no shell involved)."""
    created_from: str | None = None
    """The conversation thread it came from, when known."""

    def command_line(self) -> str:
        """The command quoted for a POSIX shell, to copy and paste."""
        return shlex.join(self.command)

    def to_json(self) -> str:
        """The job as an indented JSON document."""
        return self.model_dump_json(indent=2)

    def to_yaml(self) -> str:
        """The job as a YAML document (same content as ``to_json``)."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)

    @classmethod
    def from_json(cls, text: str) -> TrainingJob:
        """Read a job back from ``to_json`` output (validated like any other job)."""
        return cls.model_validate_json(text)

    def ultralytics_yaml(self) -> str:
        """The job as an ultralytics ``cfg=`` YAML file (``yolo cfg=job.yaml``).

        Raises ``ValueError`` for a timm job, which has no such form.
        """
        if self.config.framework != "ultralytics":
            raise ValueError("ultralytics_yaml() is only for ultralytics jobs; use command_line()")
        return yaml.safe_dump(_ultralytics_args(self.config), sort_keys=False)


def _number(value: Any) -> str:
    """Shortest text that reads back as the same value (``repr`` for floats: 0.0003, 3.0)."""
    return repr(value) if isinstance(value, float) else str(value)


def _join(base: str, name: str) -> str:
    separator = "\\" if "\\" in base and "/" not in base else "/"
    return base.rstrip("/\\") + separator + name


def _ultralytics_args(config: TrainingConfig) -> dict[str, Any]:
    """Ordered ultralytics cfg keys and values for ``config`` (one source for CLI and YAML)."""
    assert config.task_type is not None and config.model_name is not None
    assert config.dataset_path is not None
    task = ULTRALYTICS_TASKS[config.task_type]
    model = config.model_name
    from_scratch = config.weights is None and config.pretrained is False
    if config.weights is not None:
        model = config.weights  # the user's own file: its architecture and weights
    elif not model.endswith((".pt", ".yaml", ".yml")):
        # The architecture's YAML builds the model with random weights (nothing downloaded);
        # the ``.pt`` name is the pretrained checkpoint.
        model += ".yaml" if from_scratch else ".pt"
    data = config.dataset_path
    if task != "classify" and not data.endswith((".yaml", ".yml")):
        data = _join(data, "data.yaml")
    args: dict[str, Any] = {"task": task, "mode": "train", "model": model, "data": data}
    if from_scratch:
        args["pretrained"] = False
    for name, spec in HYPERPARAMETERS.items():
        value = getattr(config, name)
        if value is None or spec.ultralytics_key is None:
            continue
        # ultralytics has no schedule name, only ``cos_lr``: cosine or its linear default.
        args[spec.ultralytics_key] = value == "cosine" if name == "scheduler" else value
    return args


def _timm_command(config: TrainingConfig) -> tuple[str, ...]:
    assert config.dataset_path is not None and config.model_name is not None
    argv = [*_TIMM_PROGRAM, config.dataset_path, "--model", config.model_name]
    if config.weights is not None:
        argv += ["--pretrained", "--pretrained-path", config.weights]
    elif config.pretrained is not False:  # None is the default: pretrained
        argv.append("--pretrained")
    argv += ["--num-classes", str(config.num_classes)]
    argv += ["--train-split", "train", "--val-split", "val"]
    for name, spec in HYPERPARAMETERS.items():
        value = getattr(config, name)
        if value is None or spec.timm_flag is None:
            continue
        argv += [spec.timm_flag, _number(spec.timm_type(value) if spec.timm_type else value)]
    return tuple(argv)


def _yolo_command(config: TrainingConfig) -> tuple[str, ...]:
    args = _ultralytics_args(config)
    task, mode = args.pop("task"), args.pop("mode")
    return (*_YOLO_PROGRAM, task, mode, *(f"{k}={_number(v)}" for k, v in args.items()))


def build_job(config: TrainingConfig, *, created_from: str | None = None) -> TrainingJob:
    """Turn a complete, valid config into a runnable job.

    Raises ``ValueError`` naming every missing field, every refused hyperparameter (with the
    refusal reason) and a dataset format that cannot train this task, all at once, so the
    caller can show one message that says everything left to fix.
    """
    missing = missing_for_job(config.model_dump())
    problems = [f"missing: {', '.join(missing)}"] if missing else []
    for name in HYPERPARAMETERS:
        value = getattr(config, name)
        if value is None:
            continue
        check = check_hyperparameter(name, value, framework=config.framework)
        if not check.accepted:
            problems.append(str(check.reason).removesuffix(" " + message("nothing_changed")))
        elif check.value != value:
            config = config.patch(**{name: check.value})  # canonical spelling, e.g. "AdamW"
    clash = check_compatibility(config.framework, config.task_type, config.dataset_format)
    if clash is not None and clash.severity == "error":
        problems.append(clash.message)
    if problems:
        raise ValueError("cannot build the training job: " + "; ".join(problems))
    command = _timm_command(config) if config.framework == "timm" else _yolo_command(config)
    return TrainingJob(config=config, command=command, created_from=created_from)
