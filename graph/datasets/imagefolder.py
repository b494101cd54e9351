"""Image-folder classification datasets: ``root/<class>/*.jpg`` or ``root/<split>/<class>/*``.

This is what timm's ``ImageFolder`` reader and ultralytics' classify trainer read: one folder per
class, optionally under ``train``/``val``/``test`` folders. Class names are the sorted folder
names, so two splits with different folders would give the same id to different classes.
"""

from __future__ import annotations

import os

from graph.datasets.problems import ProblemLog
from graph.datasets.report import SplitSummary
from graph.datasets.scan import Scanner, is_image_name
from graph.datasets.splits import FormatResult, split_order, split_role

__all__ = ["split_folders", "inspect_imagefolder"]


def split_folders(top_dirs: list[os.DirEntry[str]]) -> list[os.DirEntry[str]]:
    """The top-level folders that are splits (train, val, valid, test, …), train first."""
    found = [d for d in top_dirs if split_role(d.name) != "other"]
    return sorted(found, key=lambda d: split_order(d.name))


def inspect_imagefolder(
    root: str, top_dirs: list[os.DirEntry[str]], scanner: Scanner, log: ProblemLog
) -> FormatResult:
    """Count images per class in each split; record bad images and stray files as they come."""
    result = FormatResult(format="imagefolder", label_kinds={"classes"})
    splits = split_folders(top_dirs)
    if splits:
        for split_dir in splits:
            _inspect_split(split_dir.name, split_dir.path, scanner, log, result)
    else:
        _inspect_split("all", root, scanner, log, result)
    names: set[str] = set()
    for declared in result.declared.values():
        names.update(declared)
    result.class_names = tuple(sorted(names))
    return result


def _inspect_split(
    split: str,
    path: str,
    scanner: Scanner,
    log: ProblemLog,
    result: FormatResult,
) -> None:
    per_class: list[tuple[str, int]] = []
    class_dirs = []
    for entry in scanner.list_dir(path):
        if entry.name.startswith("."):
            continue
        found = scanner.kind(entry)
        if found == "dir":
            class_dirs.append(entry)
        elif found == "file" and is_image_name(entry.name):
            log.add("images_outside_classes", where=path, split=split, example=entry.path)
    for class_dir in class_dirs:
        count, errors_before = 0, scanner.errors
        for entry in scanner.walk_files(class_dir.path):
            if not is_image_name(entry.name):
                log.add("non_image_files", where=path, split=split, example=entry.path)
                continue
            verdict = scanner.check_image(entry)
            if verdict:
                count += 1
            elif verdict is False:  # None: unreadable, already recorded by the scanner
                log.add("not_an_image", where=path, split=split, example=entry.path)
        if count == 0 and scanner.errors > errors_before:
            result.unreadable.add((split, class_dir.name))
        per_class.append((class_dir.name, count))
    result.splits.append(SplitSummary(split, sum(n for _, n in per_class), tuple(per_class)))
    result.declared[split] = tuple(name for name, _ in per_class)
    result.where[split] = path
