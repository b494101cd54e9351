"""Read ultralytics' model yamls and released-weights list from its unzipped wheel.

Why a module of its own: ultralytics names its models by yaml file x scale, and which of them
have released weights is a separate list; both rules (and the dataset-derived head sizes) are
specific to this library and change with its releases.

- ``cfg/models/**.yaml``: their ``scales:`` block gives n/s/m/l/x, the file name the task, the
  scale comments the parameter counts;
- ``utils/downloads.py``'s ``GITHUB_ASSETS_NAMES``: which weights were released (e.g. yolo12
  detection only).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ULTRALYTICS_DIRS",
    "ULTRALYTICS_TASKS",
    "PRETRAINED_CLASSES",
    "PRETRAINED_SIZE",
    "ultralytics_assets",
    "ultralytics_rows",
]

ULTRALYTICS_DIRS = ("v8", "v9", "v10", "11", "12", "26", "rt-detr")
ULTRALYTICS_TASKS = {
    "": "object_detection",
    "cls": "image_classification",
    "seg": "instance_segmentation",
    "pose": "pose_estimation",
    "obb": "oriented_detection",
}
# Pretrained head sizes and input sizes follow the datasets ultralytics trains its released
# weights on (COCO 80, ImageNet 1000, COCO-pose 1 person, DOTAv1 15 at 1024 px); the yaml ``nc``
# is only the template default.
PRETRAINED_CLASSES = {
    "object_detection": 80,
    "instance_segmentation": 80,
    "image_classification": 1000,
    "pose_estimation": 1,
    "oriented_detection": 15,
}
PRETRAINED_SIZE = {"image_classification": 224, "oriented_detection": 1024}
_STEM = re.compile(
    r"^(?P<family>yolov?\d+)(?P<scale>[nsmlxbtce]?)(?:-(?P<task>cls|seg|pose|obb))?$"
)
_PARAMS = re.compile(r"([\d,]+) parameters")


def ultralytics_assets(root: Path) -> frozenset[str]:
    """Evaluate ``GITHUB_ASSETS_NAMES`` (list comprehensions over literals) from the source."""
    tree = ast.parse((root / "ultralytics/utils/downloads.py").read_text())
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id == "GITHUB_ASSETS_NAMES"
        ):
            code = compile(ast.Expression(stmt.value), "downloads.py", "eval")
            value = eval(code, {"__builtins__": {}, "frozenset": frozenset})
            return frozenset(str(v) for v in value)
    raise SystemExit("GITHUB_ASSETS_NAMES not found in ultralytics/utils/downloads.py")


def _yaml_params(text: str) -> tuple[dict[str, float], float | None]:
    """Per-scale parameter counts from the scale comments, and a file-level count if any."""
    per_scale: dict[str, float] = {}
    whole: float | None = None
    for line in text.splitlines():
        scale = re.match(r"^\s+([a-z]):\s*\[", line)
        found = _PARAMS.search(line)
        if not found:
            continue
        count = int(found.group(1).replace(",", "")) / 1e6
        if scale:
            per_scale[scale.group(1)] = round(count, 2)
        elif line.startswith("#") and whole is None:
            whole = round(count, 2)
    return per_scale, whole


def ultralytics_rows(root: Path) -> list[list[Any]]:
    """One row per buildable model name (yaml x scale) in the families we train."""
    assets = ultralytics_assets(root)
    rows: list[list[Any]] = []
    seen: set[str] = set()
    for folder in ULTRALYTICS_DIRS:
        for path in sorted((root / "ultralytics/cfg/models" / folder).glob("*.yaml")):
            text = path.read_text()
            spec = yaml.safe_load(text)
            scales = list((spec.get("scales") or {}).keys())
            per_scale, whole = _yaml_params(text)
            for name, family, task in _ultralytics_names(path.stem, scales):
                if name in seen:
                    continue
                seen.add(name)
                scale = _scale_of(name)
                params = (
                    per_scale.get(scale) if len(scales) > 1 else (per_scale.get(scale) or whole)
                )
                weights = f"{name}.pt"
                pretrained = weights in assets
                rows.append(
                    [
                        name,
                        "ultralytics",
                        task,
                        family,
                        params,
                        PRETRAINED_SIZE.get(task, 640),
                        PRETRAINED_CLASSES[task] if pretrained else spec.get("nc"),
                        "agpl-3.0",
                        pretrained,
                        [weights] if pretrained else [],
                    ]
                )
    return rows


def _scale_of(name: str) -> str:
    found = re.match(r"^(?:yolov?\d+([nsmlxbtce])|rtdetr-([lx]))", name)
    return (found.group(1) or found.group(2) or "") if found else ""


def _ultralytics_names(stem: str, scales: list[str]) -> Iterator[tuple[str, str, str]]:
    if stem.startswith("rtdetr-"):
        yield stem, "rtdetr", "object_detection"
        return
    found = _STEM.match(stem)
    if not found:
        return  # p2/p6 heads, ghost, world, yoloe, sem/depth and cls-resnet variants
    family, task = found["family"], ULTRALYTICS_TASKS[found["task"] or ""]
    if found["scale"]:  # yolov9c.yaml, yolov10n.yaml: the file is one scale
        yield stem, family, task
        return
    suffix = f"-{found['task']}" if found["task"] else ""
    for scale in scales:
        yield f"{family}{scale}{suffix}", family, task
