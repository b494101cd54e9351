"""COCO datasets: ``annotations/instances_<split>.json`` (or any ``annotations/*.json``,
``instances_*.json`` at the root, Roboflow's ``<split>/_annotations.coco.json``) plus images.

Each annotation file is one split. Every annotation is checked against the file's ``images``
and ``categories`` (dangling ids are the classic broken export), and every listed image is
looked for on disk in the usual places (``<split>/``, ``images/<split>/``, ``images/``, next to
the JSON, the root). A JSON file is loaded whole, so files above ``MAX_COCO_BYTES`` are refused
with a problem instead: the time budget cannot interrupt ``json.loads``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

from graph.datasets.problems import ProblemLog, blocks
from graph.datasets.report import SplitSummary
from graph.datasets.scan import FileRef, Scanner
from graph.datasets.splits import FormatResult

__all__ = ["find_coco_files", "inspect_coco", "MAX_COCO_BYTES"]

MAX_COCO_BYTES = 512 << 20
"""Largest annotation file loaded (COCO 2017's instances_train2017.json is 448 MB)."""

ROBOFLOW_NAME = "_annotations.coco.json"
_SKIP_PREFIXES = ("captions_", "image_info_", "panoptic_")
_REQUIRED = ("images", "annotations", "categories")


def find_coco_files(root: str, names: list[str], scanner: Scanner) -> list[tuple[str, str]]:
    """(split name, json path) pairs for the COCO annotation files under ``root``."""
    found: list[tuple[str, str]] = []
    if "annotations" in names and os.path.isdir(os.path.join(root, "annotations")):
        ann_dir = os.path.join(root, "annotations")
        jsons = [e.name for e in scanner.list_dir(ann_dir) if e.name.endswith(".json")]
        usable = [n for n in jsons if not n.startswith(_SKIP_PREFIXES)]
        instances = [n for n in usable if n.startswith("instances_")]
        for name in instances or usable:
            found.append((_split_name(name), os.path.join(ann_dir, name)))
    for name in names:
        if name.startswith("instances_") and name.endswith(".json"):
            found.append((_split_name(name), os.path.join(root, name)))
        elif name == ROBOFLOW_NAME:
            found.append(("all", os.path.join(root, name)))
        elif os.path.isfile(os.path.join(root, name, ROBOFLOW_NAME)):
            found.append((name, os.path.join(root, name, ROBOFLOW_NAME)))
    return found


def _split_name(file_name: str) -> str:
    stem = file_name[: -len(".json")]
    for prefix in ("instances_", "person_keypoints_"):
        if stem.startswith(prefix):
            return stem[len(prefix) :]
    return stem


def inspect_coco(
    root: str, files: list[tuple[str, str]], scanner: Scanner, log: ProblemLog
) -> FormatResult:
    """Check each annotation file and the images it lists."""
    result = FormatResult(format="coco")
    names_by_id: dict[int, str] = {}
    for split, json_path in files:
        if scanner.exhausted():
            break
        data = _load(json_path, scanner, log)
        if data is None:
            continue
        categories = _classes(data)
        names_by_id.update(categories)
        result.declared[split] = tuple(categories[k] for k in sorted(categories))
        result.where[split] = json_path
        _inspect_split(root, split, json_path, data, categories, result, scanner, log)
    result.class_names = tuple(names_by_id[k] for k in sorted(names_by_id))
    return result


def _classes(data: dict[str, Any]) -> dict[int, str]:
    """Category id -> name, without an umbrella category that labels nothing.

    Roboflow's COCO exports add one extra category (id 0, named after the project) that is the
    ``supercategory`` of every real class and has no annotation of its own; counting it would
    make a 2-class dataset look like 3 classes and train a class that never occurs.
    """
    entries = [
        c for c in data["categories"] if isinstance(c, dict) and isinstance(c.get("id"), int)
    ]
    categories = {int(c["id"]): str(c.get("name", c["id"])) for c in entries}
    if len(entries) < 2:
        return categories
    used = {a.get("category_id") for a in data["annotations"] if isinstance(a, dict)}
    for parent in entries:
        others = [c for c in entries if c is not parent]
        if parent["id"] not in used and all(
            c.get("supercategory") == parent.get("name") for c in others
        ):
            del categories[int(parent["id"])]
            break
    return categories


def _load(json_path: str, scanner: Scanner, log: ProblemLog) -> dict[str, Any] | None:
    raw = scanner.read_bytes(json_path, MAX_COCO_BYTES)
    if raw is None:  # the scanner said why; a skipped link is only a warning there
        if not blocks(scanner.last_problem):
            log.add("json_invalid", where=json_path, detail="the file could not be read")
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        detail = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
        log.add("json_invalid", where=json_path, detail=detail)
        return None
    if not isinstance(data, dict):
        log.add("json_invalid", where=json_path, detail="the top level is not an object")
        return None
    missing = [key for key in _REQUIRED if not isinstance(data.get(key), list)]
    if missing:
        log.add("json_invalid", where=json_path, detail=f"no {', '.join(missing)} list")
        return None
    return data


def _image_dir(root: str, split: str, json_path: str, first: str | None) -> str:
    candidates = [
        os.path.join(root, split),
        os.path.join(root, "images", split),
        os.path.join(root, "images"),
        os.path.dirname(json_path),
        root,
        os.path.join(root, split, "images"),
    ]
    if first is not None:
        for candidate in candidates:
            if os.path.exists(os.path.join(candidate, first)):
                return candidate
    return candidates[0] if os.path.isdir(candidates[0]) else root


def _inspect_split(
    root: str,
    split: str,
    json_path: str,
    data: dict[str, Any],
    categories: dict[int, str],
    result: FormatResult,
    scanner: Scanner,
    log: ProblemLog,
) -> None:
    images = [i for i in data["images"] if isinstance(i, dict) and _is_id(i.get("id"))]
    files = {i["id"]: str(i.get("file_name", "")) for i in images}
    first = next(iter(files.values()), None)
    image_dir = _image_dir(root, split, json_path, first)
    listing = {e.name: e for e in scanner.list_dir(image_dir)}
    present = 0
    for file_name in files.values():
        if scanner.exhausted():
            break
        path = os.path.join(image_dir, file_name)
        image: FileRef | None = listing.get(file_name)
        if image is None and "/" in file_name and os.path.exists(path):
            image = path
        if image is None:
            log.add("image_file_missing", where=json_path, split=split, example=file_name)
            continue
        verdict = scanner.check_image(image)
        if verdict is False:
            log.add("not_an_image", where=image_dir, split=split, example=path)
        elif verdict:
            present += 1
    counts: Counter[int] = Counter()
    for ann in data["annotations"]:
        if not isinstance(ann, dict):
            continue
        ann_id = f"annotation {ann.get('id', '?')}"
        if not _is_id(ann.get("image_id")) or ann["image_id"] not in files:
            log.add("annotation_image_missing", where=json_path, split=split, example=ann_id)
            continue
        if not _is_id(ann.get("category_id")) or ann["category_id"] not in categories:
            log.add("annotation_category_missing", where=json_path, split=split, example=ann_id)
            continue
        if not _valid_bbox(ann.get("bbox")):
            log.add("bbox_invalid", where=json_path, split=split, example=ann_id)
            continue
        counts[ann["category_id"]] += 1
        result.label_kinds.add("boxes")
        if ann.get("segmentation"):
            result.label_kinds.add("polygons")
        keypoints = ann.get("keypoints")
        if isinstance(keypoints, list) and any(keypoints):
            result.label_kinds.add("keypoints")
    per_class = tuple((categories[k], counts.get(k, 0)) for k in sorted(categories))
    result.splits.append(SplitSummary(split, present, per_class))


def _valid_bbox(bbox: object) -> bool:
    """COCO boxes are [x, y, width, height] with a positive width and height."""
    if not isinstance(bbox, list) or len(bbox) != 4:
        return False
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in bbox):
        return False
    return bool(bbox[2] > 0 and bbox[3] > 0)


def _is_id(value: object) -> bool:
    """COCO ids are integers (strings are tolerated); anything else cannot match."""
    return isinstance(value, int | str) and not isinstance(value, bool)
