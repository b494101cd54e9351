"""Whether a dataset fits the job: its format for the framework, its labels for the task.

Why here and not in the nodes: the same rule answers "is this dataset usable?" at the dataset
step and again when the user later corrects the model or task ("actually use yolov8n" after an
imagefolder dataset must be flagged), so it is one pure function.

Two questions, in order. The *format*: timm trains from image folders only; ultralytics trains
every task on YOLO labels (COCO/VOC after conversion) and classification on image folders. The
*labels*: a dataset in the right format can still lack what the task learns from — boxes
cannot teach masks (segmentation), a data.yaml without ``kpt_shape`` has no keypoints (pose),
and axis-aligned boxes are not oriented ones (OBB). Each message exists in English and Korean
with the task named in words, because it is shown to the user as it is.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType

from graph.datasets.report import DatasetProblem
from graph.replies import TASK_NAMES, Text

__all__ = [
    "compatible_formats",
    "check_compatibility",
    "LABELS_NEEDED",
    "task_for_labels",
    "labels_needed_phrase",
]

_CLASSIFICATION = "image_classification"
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

LABELS_NEEDED: Mapping[str, str] = MappingProxyType(
    {
        "instance_segmentation": "polygons",
        "pose_estimation": "keypoints",
        "oriented_detection": "obb",
    }
)
"""The label kind each task cannot train without (detection takes boxes from any kind)."""

_KIND_TEXT: Mapping[str, Text] = MappingProxyType(
    {
        "classes": Text("a class per image (class folders)", "이미지마다 클래스 하나(클래스 폴더)"),
        "boxes": Text("bounding boxes only", "바운딩 박스만"),
        "polygons": Text("polygon masks", "폴리곤 마스크"),
        "keypoints": Text("keypoints (kpt_shape in data.yaml)", "키포인트(data.yaml의 kpt_shape)"),
        "obb": Text("oriented boxes (four corners per object)", "회전 박스(객체마다 꼭짓점 4개)"),
    }
)
_FORMAT_TEXT: Mapping[str, Text] = MappingProxyType(
    {
        "imagefolder": Text("an image-folder classification set", "이미지 폴더 분류 데이터셋"),
        "yolo": Text("a YOLO dataset", "YOLO 데이터셋"),
        "coco": Text("a COCO dataset", "COCO 데이터셋"),
        "voc": Text("a Pascal VOC dataset", "Pascal VOC 데이터셋"),
    }
)


def task_for_labels(label_kinds: Collection[str], dataset_format: str | None) -> str | None:
    """The most specific task a dataset's labels can train (keypoints → pose, …), or None."""
    kinds = set(label_kinds)
    if dataset_format == "imagefolder" or "classes" in kinds:
        return _CLASSIFICATION
    if "keypoints" in kinds:
        return "pose_estimation"
    if kinds == {"obb"}:
        return "oriented_detection"
    if "polygons" in kinds:
        return "instance_segmentation"
    return "object_detection" if kinds else None


def labels_needed_phrase(task: str | None, lang: str) -> str:
    """The labels ``task`` learns from, in words, for "give another dataset that has …"."""
    kind = LABELS_NEEDED.get(str(task))
    if kind is None:
        kind = "classes" if task == _CLASSIFICATION else "boxes"
        if kind == "boxes":
            return "바운딩 박스" if lang == "ko" else "bounding boxes"
    return _KIND_TEXT[kind].in_(lang)


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


def _problem(code: str, severity: str, where: str, en: str, ko: str) -> DatasetProblem:
    assert severity in ("error", "warning")
    return DatasetProblem(
        code=code,
        severity="error" if severity == "error" else "warning",
        message=en,
        message_ko=ko,
    )


def _task(task: str | None, lang: str) -> str:
    if task is None:
        return "이 작업" if lang == "ko" else "this task"
    return TASK_NAMES[task].in_(lang) if task in TASK_NAMES else task


def check_compatibility(
    framework: str | None,
    task_type: str | None,
    dataset_format: str | None,
    label_kinds: Collection[str] | None = None,
) -> DatasetProblem | None:
    """None when the dataset suits the job; otherwise an error (it cannot train this), or a
    warning that it needs converting first (COCO/VOC for ultralytics detection).

    ``label_kinds`` are what inspection found in the labels (empty: no readable label; None:
    not inspected — a dataset on another machine — in which case only the format is judged).
    """
    if dataset_format is None or (framework is None and task_type is None):
        return None
    fmt = str(dataset_format)
    have = _FORMAT_TEXT.get(fmt, Text(fmt, fmt))
    if framework == "timm" and task_type not in (None, _CLASSIFICATION):
        return _problem(
            "format_task_mismatch", "error", fmt,
            f"timm trains image classification only, not {_task(task_type, 'en')}.",
            f"timm은 이미지 분류만 학습합니다. {_task(task_type, 'ko')}은(는) 할 수 없습니다.",
        )  # fmt: skip
    allowed = compatible_formats(framework, task_type)
    if fmt not in allowed:
        if fmt == "imagefolder":
            return _problem(
                "format_task_mismatch", "error", fmt,
                f"The dataset is an image-folder classification set (imagefolder): it has class "
                f"labels only, no boxes or masks for {_task(task_type, 'en')}.",
                f"이 데이터셋은 이미지 폴더(imagefolder) 분류 데이터셋이라 클래스 라벨만 있고, "
                f"{_task(task_type, 'ko')}에 필요한 박스나 마스크가 없습니다.",
            )  # fmt: skip
        needs = " or ".join(allowed) or "another framework"
        return _problem(
            "format_task_mismatch", "error", fmt,
            f"The dataset is {have.en}, but {_task(task_type, 'en')} needs {needs}.",
            f"이 데이터셋은 {have.ko}인데, {_task(task_type, 'ko')}에는 {needs} 형식이 필요합니다.",
        )  # fmt: skip
    needed = LABELS_NEEDED.get(str(task_type))
    # Four-corner rows are also four-point polygons: segmentation can train on them.
    kinds = set(label_kinds or ())
    usable = kinds | ({"polygons"} if "obb" in kinds else set())
    if needed is not None and label_kinds is not None and needed not in usable:
        found = sorted(kinds)
        kinds_en = ", ".join(_KIND_TEXT[k].en for k in found if k in _KIND_TEXT)
        kinds_ko = ", ".join(_KIND_TEXT[k].ko for k in found if k in _KIND_TEXT)
        kinds_en = kinds_en or "nothing readable"
        kinds_ko = kinds_ko or "읽을 수 있는 라벨 없음"
        return _problem(
            "labels_task_mismatch", "error", fmt,
            f"The labels hold {kinds_en}, but {_task(task_type, 'en')} learns from "
            f"{_KIND_TEXT[needed].en}.",
            f"{_task(task_type, 'ko')}에는 {_KIND_TEXT[needed].ko}이(가) 필요한데, 이 라벨에는 "
            f"그것이 없습니다(라벨 내용: {kinds_ko}).",
        )  # fmt: skip
    if framework == "ultralytics" and fmt in _CONVERTERS:
        return _problem(
            "needs_conversion", "warning", fmt,
            f"ultralytics trains on YOLO labels, so this {fmt} dataset must be converted first, "
            f"e.g. with {_CONVERTERS[fmt]}.",
            f"ultralytics는 YOLO 라벨로 학습하므로 이 {fmt} 데이터셋을 먼저 변환해야 합니다"
            f"(예: {_CONVERTERS[fmt]}).",
        )  # fmt: skip
    return None
