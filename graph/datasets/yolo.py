"""YOLO datasets as ultralytics reads them: a ``data.yaml`` plus ``images/`` and ``labels/``.

Paths are resolved the way ultralytics' ``check_det_dataset`` does (``path`` key, ``../``
fallback, lists and ``.txt`` image lists), and each image's label is found by swapping the last
``/images/`` for ``/labels/`` (``img2label_paths``), so what we report missing is exactly what
the trainer would miss. Each label directory is listed once instead of one ``stat`` per image.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import yaml

from graph.datasets.problems import ProblemLog, blocks
from graph.datasets.report import SplitSummary
from graph.datasets.scan import FileRef, Scanner, is_image_name
from graph.datasets.splits import FormatResult

__all__ = ["YAML_NAMES", "find_data_yaml", "inspect_yolo", "label_path_for"]

YAML_NAMES: tuple[str, ...] = ("data.yaml", "data.yml", "dataset.yaml", "dataset.yml")
"""Dataset-file names looked for first; any other ``*.yaml`` with ``names`` also counts."""

_SPLIT_KEYS = (("train", "train"), ("val", "val"), ("validation", "val"), ("test", "test"))
_EDGE = 1.0 + 1e-6  # float noise in exported labels


def find_data_yaml(root: str, names: list[str], scanner: Scanner) -> str | None:
    """The YOLO dataset file directly inside ``root``, if there is one."""
    for candidate in YAML_NAMES:
        if candidate in names:
            return os.path.join(root, candidate)
    for name in names:
        if name.endswith((".yaml", ".yml")):
            text = scanner.read_text(os.path.join(root, name)) or ""
            if "names" in text and ("train" in text or "val" in text):
                return os.path.join(root, name)
    return None


def label_path_for(image_path: str) -> str:
    """ultralytics' ``img2label_paths`` for one image: last ``/images/`` -> ``/labels/``, .txt."""
    sa, sb = f"{os.sep}images{os.sep}", f"{os.sep}labels{os.sep}"
    return sb.join(image_path.rsplit(sa, 1)).rsplit(".", 1)[0] + ".txt"


def _scalar(value: object) -> bool:
    """A YAML scalar. Only these are turned into text: ``str()`` of a nested alias structure
    (a 1 KB "billion laughs" file) would build gigabytes and hang the turn."""
    return isinstance(value, str | int | float | bool) or value is None


def _class_names(data: dict[str, Any], yaml_path: str, log: ProblemLog) -> tuple[str, ...]:
    names = data.get("names")
    nc = data.get("nc")
    values = names.values() if isinstance(names, dict) else names if isinstance(names, list) else ()
    if not all(_scalar(v) for v in values):
        log.add("yaml_invalid", where=yaml_path, detail="class names must be plain text")
        return ()
    if isinstance(names, dict):
        try:
            ordered = [str(names[key]) for key in sorted(names, key=int)]
        except (TypeError, ValueError):
            log.add("yaml_invalid", where=yaml_path, detail="'names' keys must be class ids")
            return ()
    elif isinstance(names, list):
        ordered = [str(n) for n in names]
    elif names is None and isinstance(nc, int) and nc > 0:
        ordered = [f"class_{i}" for i in range(nc)]  # what ultralytics fills in
    else:
        log.add("yaml_invalid", where=yaml_path, detail="no class 'names' list")
        return ()
    if nc is not None and nc != len(ordered):
        detail = f"nc is {nc} but 'names' lists {len(ordered)} classes"
        log.add("nc_mismatch", where=yaml_path, detail=detail)
    return tuple(ordered)


def _resolve(base: str, entry: str, yaml_dir: str) -> str:
    if os.path.isabs(entry):
        return entry
    path = os.path.normpath(os.path.join(base, entry))
    if not os.path.exists(path) and entry.startswith("../"):
        path = os.path.normpath(os.path.join(base, entry[3:]))
    if not os.path.exists(path):
        other = os.path.normpath(os.path.join(yaml_dir, entry))
        path = other if os.path.exists(other) else path
    return path


def inspect_yolo(
    yaml_path: str | None, root: str, scanner: Scanner, log: ProblemLog
) -> FormatResult:
    """Read the dataset file, then every split's images and label lines."""
    result = FormatResult(format="yolo")
    if yaml_path is None:
        log.add("yaml_missing", where=root)
        data: dict[str, Any] = {"train": "images/train", "val": "images/val"}
    else:
        text = scanner.read_text(yaml_path)
        if text is None:  # the scanner said why; a skipped link is only a warning there
            if not blocks(scanner.last_problem):
                log.add("yaml_invalid", where=yaml_path, detail="the file could not be read")
            return result
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            log.add("yaml_invalid", where=yaml_path, detail=str(exc).splitlines()[0])
            return result
        if not isinstance(loaded, dict):
            log.add("yaml_invalid", where=yaml_path, detail="it is not a mapping of keys")
            return result
        data = loaded
        result.class_names = _class_names(data, yaml_path, log)
    yaml_dir = os.path.dirname(yaml_path) if yaml_path else root
    given_base = data.get("path")
    base = given_base if isinstance(given_base, str) and given_base else yaml_dir
    if not os.path.isabs(base):
        base = os.path.normpath(os.path.join(yaml_dir, base))
        if not os.path.isdir(base):
            base = yaml_dir
    kpt = data.get("kpt_shape")
    shaped = isinstance(kpt, list) and len(kpt) == 2 and all(isinstance(k, int) for k in kpt)
    kpt_cols = kpt[0] * kpt[1] if shaped and isinstance(kpt, list) else None
    where_yaml = yaml_path or root
    if "train" not in data:
        log.add("yaml_invalid", where=where_yaml, detail="no 'train' key")
    for key, split in _SPLIT_KEYS:
        entries = data.get(key)
        if not entries or split in result.where:
            continue
        paths = entries if isinstance(entries, list) else [entries]
        if not all(isinstance(p, str | int | float) for p in paths):
            log.add("yaml_invalid", where=where_yaml, detail=f"'{key}' must be a path or paths")
            continue
        resolved = [_resolve(base, str(p), yaml_dir) for p in paths]
        resolved = [p for p in resolved if scanner.permitted(p)]
        if not resolved:  # named by entry_outside_roots; not a split of this dataset here
            continue
        images = _split_images(resolved, split, where_yaml, scanner, log)
        result.where[split] = ", ".join(resolved)
        _inspect_split(split, images, result, kpt_cols, scanner, log)
    return result


def _split_images(
    paths: list[str], split: str, where: str, scanner: Scanner, log: ProblemLog
) -> list[FileRef]:
    images: list[FileRef] = []
    for path in paths:
        if os.path.isdir(path):
            for entry in scanner.walk_files(path):
                if is_image_name(entry.name):
                    images.append(entry)
        elif os.path.isfile(path) and path.endswith(".txt"):
            parent = os.path.dirname(path)
            for line in (scanner.read_text(path, limit=1 << 28) or "").splitlines():
                line = line.strip()
                if line:
                    line = line[2:] if line.startswith("./") else line
                    images.append(os.path.normpath(os.path.join(parent, line)))
        else:
            log.add("split_path_missing", where=where, split=split, detail=path)
    return images


def _inspect_split(
    split: str,
    images: list[FileRef],
    result: FormatResult,
    kpt_cols: int | None,
    scanner: Scanner,
    log: ProblemLog,
) -> None:
    where = result.where[split]
    nc = len(result.class_names)
    counts: Counter[int] = Counter()
    label_dirs: dict[str, dict[str, os.DirEntry[str]]] = {}
    good = 0
    for image in images:
        if scanner.exhausted():
            break
        scanner.entries += 1
        image_path = image if isinstance(image, str) else image.path
        verdict = scanner.check_image(image)
        if verdict is False:
            log.add("not_an_image", where=where, split=split, example=image_path)
            continue
        if verdict is None:
            continue
        good += 1
        label = label_path_for(image_path)
        label_dir, label_name = os.path.split(label)
        listing = label_dirs.get(label_dir)
        if listing is None:
            listing = label_dirs[label_dir] = {e.name: e for e in scanner.list_dir(label_dir)}
        label_entry = listing.get(label_name)
        if label_entry is None:
            log.add("label_missing", where=where, split=split, example=image_path)
            continue
        text = scanner.read_text(label_entry)
        if text is None:
            continue
        if not text.strip():
            log.add("label_empty", where=where, split=split, example=label)
            continue
        _check_lines(text, label, split, where, nc, kpt_cols, counts, log, result.label_kinds)
    per_class = tuple((name, counts.get(i, 0)) for i, name in enumerate(result.class_names))
    result.splits.append(SplitSummary(split, good, per_class))


def _check_lines(
    text: str,
    label: str,
    split: str,
    where: str,
    nc: int,
    kpt_cols: int | None,
    counts: Counter[int],
    log: ProblemLog,
    kinds: set[str],
) -> None:
    """Check each label line and note what it holds (``kinds``): 5 fields are a box, 9 fields
    an oriented box (ultralytics' OBB rows: a class and four corners — which a four-point polygon
    also is, so segmentation accepts them too), any other odd count of 7 or more a polygon, and
    rows under ``kpt_shape`` keypoints."""
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        at = f"{label}:{number}"
        n = len(fields)
        shape_ok = n == 5 + kpt_cols if kpt_cols is not None else n == 5 or (n >= 7 and n % 2)
        try:
            values = [float(f) for f in fields]
        except ValueError:
            shape_ok = False
            values = []
        if not shape_ok or not values[0].is_integer():
            log.add("label_malformed", where=where, split=split, example=at)
            continue
        class_id = int(values[0])
        if class_id < 0 or (nc and class_id >= nc):
            detail = f"0-{nc - 1}" if nc else "the class list"
            log.add("class_id_out_of_range", where=where, split=split, example=at, detail=detail)
            continue
        coords = values[1:5] if kpt_cols is not None else values[1:]
        if any(v < 0.0 or v > _EDGE for v in coords):
            log.add("label_out_of_bounds", where=where, split=split, example=at)
            continue
        counts[class_id] += 1
        if kpt_cols is not None:
            kinds.update(("boxes", "keypoints"))
        elif n == 5:
            kinds.add("boxes")
        else:
            kinds.add("obb" if n == 9 else "polygons")
