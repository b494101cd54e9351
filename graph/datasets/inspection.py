"""``inspect_dataset``: find the layout of a path, run its format inspector, then the checks
every format shares (empty splits and classes, class lists that differ, no validation split,
imbalance). Pure apart from reading the dataset; bounded in entries and time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from graph.datasets.coco import find_coco_files, inspect_coco
from graph.datasets.confinement import ROOTS_ENV, Confinement, allowed_roots
from graph.datasets.imagefolder import inspect_imagefolder, split_folders
from graph.datasets.problems import PROBLEM_CODES, ProblemLog
from graph.datasets.report import DatasetReport
from graph.datasets.scan import Scanner, is_image_name
from graph.datasets.splits import FormatResult, split_order, split_role
from graph.datasets.voc import find_voc_root, inspect_voc
from graph.datasets.yolo import find_data_yaml, inspect_yolo

__all__ = ["inspect_dataset", "allowed_roots", "IMBALANCE_RATIO", "ROOTS_ENV"]

IMBALANCE_RATIO = 10.0
"""Largest/smallest class count above which a training split is called imbalanced."""
_MAX_NAMES_SHOWN = 10


def inspect_dataset(
    path: str | os.PathLike[str],
    *,
    max_entries: int = 2_000_000,
    time_budget_s: float = 10.0,
) -> DatasetReport:
    """Detect the dataset layout at ``path`` and report its splits, classes and every problem.

    Never raises for a bad dataset: a missing path, a refused path (outside
    ``TRAINCHAT_DATASET_ROOTS``, after resolving symlinks and ``..``; nothing is read then), an
    unreadable folder or a huge tree all come back as problems, so the conversation can explain
    them. Inside the dataset, symlink loops, broken links, named pipes and devices, and links
    leading outside the roots are skipped one by one, each named in a problem. ``max_entries`` and ``time_budget_s`` bound the work; when either runs out the report
    is ``truncated`` and says so.
    """
    started = time.perf_counter()
    given = os.path.expanduser(os.fspath(path))
    log = ProblemLog()
    confinement = Confinement(allowed_roots())
    if not confinement.allows(given):
        log.add("path_outside_roots", where=given, detail=confinement.describe())
        return _report(given, False, None, log, started)
    if not os.path.exists(given):
        log.add("path_not_found", where=given)
        return _report(given, False, None, log, started)
    scanner = Scanner(
        log, max_entries=max_entries, time_budget_s=time_budget_s, confinement=confinement
    )
    try:
        result = _detect_and_inspect(given, scanner, log)
        if result is not None:
            _common_checks(result, given, log)
    except Exception as exc:  # a chat turn must get a report, never a traceback
        log.add("inspection_failed", where=given, detail=f"{type(exc).__name__}: {exc}")
        result = None
    return _report(given, True, result, log, started, truncated=scanner.truncated)


def _detect_and_inspect(path: str, scanner: Scanner, log: ProblemLog) -> FormatResult | None:
    if os.path.isfile(path):
        if path.endswith((".yaml", ".yml")):
            return inspect_yolo(path, os.path.dirname(path), scanner, log)
        if path.endswith(".json"):
            name = os.path.basename(path)
            split = name[len("instances_") : -5] if name.startswith("instances_") else "all"
            root = os.path.dirname(os.path.dirname(path)) or os.path.dirname(path)
            return inspect_coco(root, [(split, path)], scanner, log)
        log.add("not_a_directory", where=path)
        return None
    entries = scanner.list_dir(path)
    if not entries and "permission_denied" in log.codes():
        return None
    names = [e.name for e in entries]
    dirs = [e for e in entries if not e.name.startswith(".") and scanner.kind(e) == "dir"]
    yaml_path = find_data_yaml(path, names, scanner)
    if yaml_path is not None:
        return inspect_yolo(yaml_path, path, scanner, log)
    coco_files = find_coco_files(path, names, scanner)
    if coco_files:
        return inspect_coco(path, coco_files, scanner, log)
    voc_root = find_voc_root(path, names, scanner)
    if voc_root is not None:
        return inspect_voc(voc_root, scanner, log)
    if "images" in names and "labels" in names:
        return inspect_yolo(None, path, scanner, log)
    if split_folders(dirs):
        return inspect_imagefolder(path, dirs, scanner, log)
    if dirs:
        # Any folder of folders could be class folders: try, and keep what was found only if
        # it held images, so a source tree is "unknown layout", not 500 ignored-file warnings.
        trial = ProblemLog()
        scanner.log = trial
        result = inspect_imagefolder(path, dirs, scanner, trial)
        scanner.log = log
        if any(split.images for split in result.splits) or scanner.truncated:
            log.absorb(trial)
            return result
    loose = sum(1 for n in names if is_image_name(n))
    detail = f"Found {loose} loose image(s) and {len(dirs)} folder(s)." if entries else ""
    log.add("unknown_layout", where=path, detail=detail)
    return None


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_MAX_NAMES_SHOWN])
    extra = len(names) - _MAX_NAMES_SHOWN
    return shown + (f" and {extra} more" if extra > 0 else "")


def _common_checks(result: FormatResult, root: str, log: ProblemLog) -> None:
    blocked = any(PROBLEM_CODES[code].severity == "error" for code in log.codes())
    if not result.splits and not blocked:  # an unreadable dataset file already said why
        log.add("no_images", where=root)
    for split in result.splits:
        where = result.where.get(split.name, root)
        if split.images == 0:
            log.add("no_images", where=where, split=split.name)
            continue
        empty = [
            name
            for name, count in split.per_class
            if count == 0 and (split.name, name) not in result.unreadable
        ]
        if empty:
            log.add("empty_class", where=where, split=split.name, detail=_names(empty))
        counted = [(count, name) for name, count in split.per_class if count > 0]
        if split_role(split.name) in ("train", "other") and len(counted) >= 2:
            (low, low_name), (high, high_name) = min(counted), max(counted)
            if high / low > IMBALANCE_RATIO:
                detail = (
                    f"largest class '{high_name}' has {high}, smallest '{low_name}' has {low} "
                    f"({high / low:.0f}x)"
                )
                log.add("class_imbalance", where=where, split=split.name, detail=detail)
    if len(result.declared) >= 2:
        union = {name for names in result.declared.values() for name in names}
        gaps = [
            f"{split} lacks {_names(sorted(union - set(names)))}"
            for split, names in result.declared.items()
            if union - set(names)
        ]
        if gaps:
            log.add("class_mismatch", where=root, detail="; ".join(gaps))
    if result.splits and not any(split_role(s.name) == "val" for s in result.splits):
        log.add("no_validation_split", where=root)


def _report(
    path: str,
    exists: bool,
    result: FormatResult | None,
    log: ProblemLog,
    started: float,
    *,
    truncated: bool = False,
) -> DatasetReport:
    names = result.class_names if result is not None else ()
    return DatasetReport(
        path=path,
        exists=exists,
        format=result.format if result is not None else None,
        splits=tuple(sorted(result.splits, key=lambda s: split_order(s.name))) if result else (),
        num_classes=len(names) or None,
        class_names=names,
        problems=log.problems(),
        truncated=truncated,
        label_kinds=tuple(sorted(result.label_kinds)) if result else (),  # type: ignore[arg-type]
        elapsed_s=time.perf_counter() - started,
    )
