"""Which dataset formats each framework and task can train on.

Why here and not in the nodes: the same rule answers "is this dataset usable?" at the dataset
step and again when the user later corrects the model or task ("actually use yolov8n" after an
imagefolder dataset must be flagged), so it is one pure function.
"""

from __future__ import annotations

from graph.datasets.problems import ProblemLog
from graph.datasets.report import DatasetProblem

__all__ = ["compatible_formats", "check_compatibility"]

_CLASSIFICATION = "image_classification"
_DETECTOR_TASKS = (
    "object_detection",
    "instance_segmentation",
    "pose_estimation",
    "oriented_detection",
)
# Formats that hold each task's labels; the first one is what ultralytics trains on directly.
_TASK_FORMATS: dict[str, tuple[str, ...]] = {
    _CLASSIFICATION: ("imagefolder",),
    "object_detection": ("yolo", "coco", "voc"),
    "instance_segmentation": ("yolo", "coco"),
    "pose_estimation": ("yolo", "coco"),
    "oriented_detection": ("yolo",),
}
_CONVERTERS = {
    "coco": "ultralytics.data.converter.convert_coco (labels_dir=<annotations folder>)",
    "voc": "the conversion in ultralytics' VOC.yaml (XML boxes to YOLO .txt labels)",
}


def compatible_formats(framework: str | None, task_type: str | None) -> tuple[str, ...]:
    """Formats a job with this framework and task can use, the directly usable one first.

    timm trains classification only, from image folders; ultralytics trains every task, on
    YOLO labels (COCO/VOC after conversion) or image folders for classification. Unknown
    task → every format the framework reads.
    """
    if framework == "timm":
        return ("imagefolder",) if task_type in (None, _CLASSIFICATION) else ()
    if task_type in _TASK_FORMATS:
        return _TASK_FORMATS[task_type]
    return ("imagefolder", "yolo", "coco", "voc")


def check_compatibility(
    framework: str | None, task_type: str | None, dataset_format: str | None
) -> DatasetProblem | None:
    """None when the dataset suits the job; otherwise an error, or a warning that it needs
    converting first (COCO/VOC for ultralytics detection)."""
    if dataset_format is None or (framework is None and task_type is None):
        return None
    log = ProblemLog()
    if framework == "timm" and task_type not in (None, _CLASSIFICATION):
        detail = f"timm trains image classification only, not {task_type}"
        log.add("format_task_mismatch", where=str(dataset_format), detail=detail)
        return log.problems()[0]
    allowed = compatible_formats(framework, task_type)
    if dataset_format not in allowed:
        if dataset_format == "imagefolder":
            detail = (
                f"an imagefolder dataset has class labels only, no boxes or masks for "
                f"{task_type}; use a YOLO/COCO dataset or pick a classification model"
            )
        else:
            detail = (
                f"{task_type or 'this task'} needs {' or '.join(allowed) or 'another framework'}"
                f", not {dataset_format}"
            )
        log.add("format_task_mismatch", where=dataset_format, detail=detail)
        return log.problems()[0]
    if framework == "ultralytics" and dataset_format in _CONVERTERS:
        log.add("needs_conversion", where=dataset_format, detail=_CONVERTERS[dataset_format])
        return log.problems()[0]
    return None
