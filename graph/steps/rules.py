"""The domain rules a turn applies, each behind one small function of ours.

The catalog (``graph.catalog``), dataset inspection (``graph.datasets``), hyperparameter rules
(``graph.hyperparameters``) and job building (``graph.job``) are separate modules; the nodes reach
them only through the functions here, so the conversation code states *what* it checks and this
file alone knows *how* those modules are called. Every function returns our own small frozen
types, so a change in a dependency's return shape is a change in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from graph.config import TrainingConfig
from graph.datasets import check_compatibility, inspect_dataset
from graph.datasets.compatibility import labels_needed_phrase, task_for_labels
from graph.frameworks import FRAMEWORKS
from graph.hyperparameters import check_hyperparameter, framework_defaults
from graph.job import TrainingJob, build_job
from graph.state import DatasetFacts, Language

__all__ = [
    "ModelFacts",
    "HyperparameterVerdict",
    "TRAINABLE_FRAMEWORKS",
    "find_model",
    "suggest_models",
    "search_models",
    "describe_model",
    "model_facts_for",
    "RECOMMENDED",
    "recommended_models",
    "inspect_path",
    "dataset_problem",
    "models_for_dataset",
    "labels_needed_text",
    "check_value",
    "defaults_for",
    "build_training_job",
    "weights_file_exists",
]

TRAINABLE_FRAMEWORKS: tuple[str, ...] = FRAMEWORKS
"""Frameworks a job can be built for (``TrainingConfig.framework``)."""


@dataclass(frozen=True)
class ModelFacts:
    """What the conversation needs to know about one catalog model."""

    name: str
    """Canonical catalog name, e.g. ``resnet18``."""
    framework: str
    """Library that provides it; only ``TRAINABLE_FRAMEWORKS`` can be trained here."""
    task_type: str
    """Task the model is built for."""
    input_size: int | None
    """Pretrained input size in pixels, when the catalog knows it."""
    pretrained: bool
    """Whether pretrained weights exist."""


@dataclass(frozen=True)
class HyperparameterVerdict:
    """Accepted (with the normalised value and warnings) or refused (with the reason)."""

    accepted: bool
    value: Any
    reason: str | None
    warnings: tuple[str, ...]


@cache
def _catalog() -> Any:
    from graph.catalog import load_catalog

    return load_catalog()


def _facts(entry: Any) -> ModelFacts:
    return ModelFacts(
        name=str(entry.name),
        framework=str(entry.framework),
        task_type=str(entry.task_type),
        input_size=_input_size(getattr(entry, "input_size", None)),
        pretrained=bool(getattr(entry, "pretrained", True)),
    )


def _input_size(value: Any) -> int | None:
    """The catalog may give ``224`` or ``(3, 224, 224)``; we want the side length."""
    if isinstance(value, int):
        return value
    if isinstance(value, tuple | list) and value and isinstance(value[-1], int):
        return int(value[-1])
    return None


def find_model(name: str) -> ModelFacts | None:
    """The catalog entry for ``name`` after normalisation ("ResNet-18" → resnet18), or None."""
    entry = _catalog().lookup(name)
    return None if entry is None else _facts(entry)


def compare_models(names: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """A side-by-side table of catalog facts for two or more known models, or None.

    Rows are ``(label, one cell per model)``; labels are English field names that the reply
    layer translates. None when fewer than two of ``names`` are in the catalog.
    """
    entries = [entry for entry in (_catalog().lookup(name) for name in names) if entry is not None]
    if len(entries) < 2:
        return None

    def cell(value: Any, suffix: str = "") -> str:
        return "—" if value is None else f"{value}{suffix}"

    return (
        ("model", tuple(entry.name for entry in entries)),
        ("framework", tuple(entry.framework for entry in entries)),
        ("task", tuple(entry.task_type for entry in entries)),
        ("parameters", tuple(cell(entry.params_m, " M") for entry in entries)),
        ("input size", tuple(cell(entry.input_size, " px") for entry in entries)),
        ("pretrained classes", tuple(cell(entry.num_classes) for entry in entries)),
        ("pretrained weights", tuple(str(len(entry.pretrained_tags)) for entry in entries)),
        ("licence", tuple(cell(entry.licence) for entry in entries)),
    )


def suggest_models(name: str) -> tuple[str, ...]:
    """Close catalog names for a name that was not found ("resnat18" → resnet18)."""
    found = _catalog().suggest(name)
    return tuple(str(getattr(item, "name", item)) for item in found)[:3]


def search_models(
    *,
    task_type: str | None = None,
    framework: str | None = None,
    max_params_m: float | None = None,
    limit: int = 6,
) -> tuple[str, ...]:
    """Names of trainable, pretrained catalog models matching the filters, smallest first."""
    found = _catalog().search(
        task_type=task_type,
        framework=framework,
        max_params_m=max_params_m,
        pretrained_only=True,
        limit=limit * 4,
    )
    names = [str(entry.name) for entry in found if str(entry.framework) in TRAINABLE_FRAMEWORKS]
    return tuple(names[:limit])


def describe_model(name: str) -> str | None:
    """The catalog's description of ``name`` (params, input size, licence), or None if unknown."""
    model = find_model(name)
    if model is None:
        return None
    return str(_catalog().describe(model.name))


RECOMMENDED: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "image_classification": ("resnet18", "efficientnet_b0", "mobilenetv3_large_100"),
        "object_detection": ("yolo11n", "yolov8n", "yolo11s"),
        "instance_segmentation": ("yolo11n-seg", "yolov8n-seg"),
        "pose_estimation": ("yolo11n-pose", "yolov8n-pose"),
        "oriented_detection": ("yolo11n-obb", "yolov8n-obb"),
    }
)
"""Well-known small pretrained starting points per task, offered first (the catalog alone ranks
by size and would offer obscure architectures first)."""


def recommended_models(task: str) -> tuple[str, ...]:
    """``RECOMMENDED`` names for ``task`` that the catalog knows."""
    return tuple(name for name in RECOMMENDED.get(task, ()) if find_model(name) is not None)


def model_facts_for(config: TrainingConfig) -> ModelFacts | None:
    """The catalog facts of the configured model (None before a model is chosen)."""
    return None if config.model_name is None else find_model(config.model_name)


def inspect_path(path: str, lang: Language) -> DatasetFacts:
    """Inspect the dataset at ``path`` and keep what the conversation needs from the report."""
    report = inspect_dataset(path)
    train = report.split("train")
    images = train.images if train is not None else report.total_images
    return DatasetFacts(
        path=path,
        found=bool(report.exists),
        format=report.format,
        num_classes=report.num_classes,
        images=images or None,
        summary=str(report.summary(lang)) if report.exists else "",
        errors=tuple(problem.text(lang) for problem in report.errors),
        warnings=tuple(problem.text(lang) for problem in report.warnings),
        label_kinds=tuple(report.label_kinds),
    )


def weights_file_exists(path: str) -> bool:
    """Whether a weights file is at ``path`` on this machine (``~`` expanded)."""
    from pathlib import Path

    try:
        return Path(path).expanduser().is_file()
    except (OSError, ValueError):  # a path this OS cannot represent
        return False


def dataset_problem(
    config: TrainingConfig, lang: Language, dataset: DatasetFacts | None = None
) -> tuple[str, bool] | None:
    """Whether the configured task can train on the dataset: (text, blocks_training).

    The format is judged from the config; the labels (boxes only for a segmentation model, …)
    from ``dataset`` when it was inspected here. ``None`` when it fits or a side is unknown.
    """
    inspected = dataset is not None and dataset.found and dataset.path == config.dataset_path
    kinds = dataset.label_kinds if inspected and dataset is not None else None
    problem = check_compatibility(
        config.framework, config.task_type, config.dataset_format, label_kinds=kinds
    )
    if problem is None:
        return None
    return problem.text(lang), problem.severity == "error"


def labels_needed_text(task: str | None, lang: Language) -> str:
    """What labels ``task`` learns from, in words ("polygon masks", "키포인트")."""
    return labels_needed_phrase(task, lang)


def models_for_dataset(dataset: DatasetFacts | None, config: TrainingConfig) -> tuple[str, str]:
    """(task, well-known catalog models for it) that fit the inspected dataset's labels.

    Used to offer the first way out of a misfit ("use yolo11n-seg, or give another dataset");
    ("", ()) when the labels are unknown.
    """
    kinds = dataset.label_kinds if dataset is not None else ()
    task = task_for_labels(kinds, config.dataset_format)
    if task is None:
        return "", ""
    return task, ", ".join(recommended_models(task))


def check_value(
    name: str,
    value: Any,
    *,
    config: TrainingConfig,
    dataset: DatasetFacts | None,
    lang: Language,
) -> HyperparameterVerdict:
    """Check one proposed hyperparameter against the configured framework's rules."""
    model = model_facts_for(config)
    verdict = check_hyperparameter(
        name,
        value,
        framework=config.framework,
        config=config,
        dataset_images=None if dataset is None else dataset.images,
        pretrained_input_size=None if model is None else model.input_size,
        lang=lang,
    )
    return HyperparameterVerdict(
        verdict.accepted, verdict.value, verdict.reason, tuple(verdict.warnings)
    )


def defaults_for(config: TrainingConfig) -> dict[str, Any] | None:
    """The configured framework's default hyperparameters (None before the framework is known)."""
    if config.framework is None:
        return None
    model = model_facts_for(config)
    return dict(
        framework_defaults(
            config.framework, pretrained_input_size=None if model is None else model.input_size
        )
    )


def build_training_job(
    config: TrainingConfig, *, created_from: str | None = None
) -> tuple[TrainingJob | None, str | None]:
    """The runnable job for a confirmed config, or the reason it cannot be built."""
    try:
        return build_job(config, created_from=created_from), None
    except ValueError as error:
        return None, str(error)
