"""Small jobs for the tiny datasets: one place that says which model trains which task fast.

Import path: ``tests.training.jobs`` (with ``tests.training.datasets`` for the data).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph.config import TrainingConfig
from graph.job import ULTRALYTICS_TASKS, TrainingJob, build_job
from tests.training.datasets import CLASSES

__all__ = ["TASK_TYPES", "YOLO_MODELS", "tiny_job"]

TASK_TYPES: dict[str, str] = {word: task for task, word in ULTRALYTICS_TASKS.items()}
"""ultralytics task word → ``TrainingConfig.task_type``."""
YOLO_MODELS: dict[str, str] = {
    "detect": "yolov8n",
    "segment": "yolov8n-seg",
    "classify": "yolov8n-cls",
    "pose": "yolov8n-pose",
    "obb": "yolov8n-obb",
}
"""The smallest catalog model per ultralytics task."""


def tiny_job(
    data: Path,
    task: str,
    *,
    framework: str = "ultralytics",
    pretrained: bool | None = False,
    weights: str | None = None,
    **hyperparameters: Any,
) -> TrainingJob:
    """A one-epoch job on a tiny dataset; ``hyperparameters`` override the fields."""
    fields: dict[str, Any] = {
        "framework": framework,
        "model_name": "resnet18" if framework == "timm" else YOLO_MODELS[task],
        "task_type": TASK_TYPES[task],
        "dataset_path": str(data),
        "dataset_format": "imagefolder" if task == "classify" else "yolo",
        "num_classes": len(CLASSES),
        "epochs": 1,
        "batch_size": 4,
        "learning_rate": 0.01,
        "image_size": 32 if task == "classify" else 64,
        **hyperparameters,
    }
    config = TrainingConfig(**fields, pretrained=pretrained, weights=weights)
    return build_job(config)
