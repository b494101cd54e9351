"""Which metric names a run's progress, known before the first epoch and without torch.

Why a module of its own: the worker shows the main metric from the moment a run is queued
(``TrainingRun.main_metric``) and the trainers decide "best" by it; both read it here, and
neither needs a framework imported to know it.
"""

from __future__ import annotations

from types import MappingProxyType

from graph.job import ULTRALYTICS_TASKS, TrainingJob

__all__ = ["TIMM_MAIN_METRIC", "ULTRALYTICS_MAIN_METRICS", "main_metric"]

TIMM_MAIN_METRIC = "top1"
"""Validation top-1 accuracy in percent, as timm's train.py decides its best checkpoint."""

ULTRALYTICS_MAIN_METRICS = MappingProxyType(
    {
        "detect": "metrics/mAP50-95(B)",
        "obb": "metrics/mAP50-95(B)",
        "segment": "metrics/mAP50-95(M)",
        "pose": "metrics/mAP50-95(P)",
        "classify": "metrics/accuracy_top1",
    }
)
"""ultralytics task word → its own key of the metric that names progress."""


def main_metric(job: TrainingJob) -> str:
    """The main metric of ``job``'s runs, by the framework's own name."""
    if job.config.framework == "timm":
        return TIMM_MAIN_METRIC
    assert job.config.task_type is not None
    return ULTRALYTICS_MAIN_METRICS[ULTRALYTICS_TASKS[job.config.task_type]]
