"""Read torchvision's registered builders and their ``*_Weights`` enums from its unzipped wheel.

Why a module of its own: torchvision's facts (``num_params``, ``crop_size``, categories) sit in
enum members and shared ``_COMMON_META`` dicts, so reading them is pure AST walking with rules
that belong to this library alone.

- ``@register_model`` builders in ``models/*.py`` and ``models/detection/*.py`` and their
  ``*_Weights`` enums (``num_params``, ``crop_size``, categories).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

__all__ = ["torchvision_rows"]


def _literal_lists(path: Path) -> dict[str, int]:
    """Lengths of the category lists in ``torchvision/models/_meta.py``."""
    out: dict[str, int] = {}
    for stmt in ast.parse(path.read_text()).body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            try:
                value = ast.literal_eval(stmt.value)
            except ValueError:
                continue
            if isinstance(value, list):
                out[stmt.targets[0].id] = len(value)
    return out


def _meta_items(node: ast.expr | None, module_dicts: dict[str, ast.Dict]) -> dict[str, ast.expr]:
    """Flatten a ``meta={**_COMMON_META, "num_params": ...}`` literal into key -> expression."""
    items: dict[str, ast.expr] = {}
    if not isinstance(node, ast.Dict):
        return items
    for key, value in zip(node.keys, node.values, strict=True):
        if key is None and isinstance(value, ast.Name) and value.id in module_dicts:
            items.update(_meta_items(module_dicts[value.id], module_dicts))
        elif isinstance(key, ast.Constant) and isinstance(key.value, str):
            items[key.value] = value
    return items


def _weights_info(
    cls: ast.ClassDef, module_dicts: dict[str, ast.Dict], categories: dict[str, int]
) -> tuple[list[str], dict[str, Any]]:
    """Tags (enum members) of a ``*_Weights`` enum and the DEFAULT member's facts."""
    members: dict[str, dict[str, Any]] = {}
    default: str | None = None
    for stmt in cls.body:
        if not (isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)):
            continue
        name = stmt.targets[0].id
        if name == "DEFAULT" and isinstance(stmt.value, ast.Name):
            default = stmt.value.id
            continue
        if not isinstance(stmt.value, ast.Call):
            continue
        kwargs = {kw.arg: kw.value for kw in stmt.value.keywords if kw.arg}
        meta = _meta_items(kwargs.get("meta"), module_dicts)
        facts: dict[str, Any] = {}
        num_params = meta.get("num_params")
        if isinstance(num_params, ast.Constant) and isinstance(num_params.value, int):
            facts["params_m"] = round(num_params.value / 1e6, 2)
        cats = meta.get("categories")
        if isinstance(cats, ast.Name) and cats.id in categories:
            facts["num_classes"] = categories[cats.id]
        transforms = kwargs.get("transforms")
        if isinstance(transforms, ast.Call):
            for kw in transforms.keywords:
                if kw.arg == "crop_size" and isinstance(kw.value, ast.Constant):
                    facts["input_size"] = kw.value.value
        members[name] = facts
    tags = list(members)
    if default in members:
        tags.remove(default)
        tags.insert(0, default)
    return tags, members.get(default or "", members[tags[0]] if tags else {})


def torchvision_rows(root: Path) -> list[list[Any]]:
    """Classification and detection builders registered with ``@register_model``."""
    base = root / "torchvision/models"
    categories = _literal_lists(base / "_meta.py")
    rows: list[list[Any]] = []
    paths = sorted(base.glob("*.py")) + sorted((base / "detection").glob("*.py"))
    for path in paths:
        if path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_text())
        module_dicts = {
            target.id: s.value
            for s in tree.body
            if isinstance(s, ast.Assign | ast.AnnAssign)
            and isinstance(
                target := s.targets[0] if isinstance(s, ast.Assign) else s.target, ast.Name
            )
            and isinstance(s.value, ast.Dict)
        }
        enums = {
            s.name: s
            for s in tree.body
            if isinstance(s, ast.ClassDef) and s.name.endswith("_Weights")
        }
        for stmt in tree.body:
            if not isinstance(stmt, ast.FunctionDef):
                continue
            name = _registered_name(stmt)
            if name is None:
                continue
            enum_name = _weights_annotation(stmt)
            tags, facts = (
                _weights_info(enums[enum_name], module_dicts, categories)
                if enum_name in enums
                else ([], {})
            )
            rows.append(
                [
                    name,
                    "torchvision",
                    _torchvision_task(name, path),
                    path.stem,
                    facts.get("params_m"),
                    facts.get("input_size"),
                    facts.get("num_classes"),
                    "bsd-3-clause",
                    bool(tags),
                    tags,
                ]
            )
    return rows


def _registered_name(fn: ast.FunctionDef) -> str | None:
    for deco in fn.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        if isinstance(target, ast.Name) and target.id == "register_model":
            if isinstance(deco, ast.Call):
                for kw in deco.keywords:
                    if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                        return str(kw.value.value)
            return fn.name
    return None


def _weights_annotation(fn: ast.FunctionDef) -> str | None:
    for arg in fn.args.args + fn.args.kwonlyargs:
        if arg.arg == "weights" and arg.annotation is not None:
            for node in ast.walk(arg.annotation):
                if isinstance(node, ast.Name) and node.id.endswith("_Weights"):
                    return node.id
    return None


def _torchvision_task(name: str, path: Path) -> str:
    if path.parent.name != "detection":
        return "image_classification"
    if name.startswith("maskrcnn"):
        return "instance_segmentation"
    if name.startswith("keypointrcnn"):
        return "pose_estimation"
    return "object_detection"
