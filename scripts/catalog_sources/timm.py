"""Read timm's model registry from its unzipped wheel, without importing timm or torch.

Why a module of its own: timm is the one library whose pretrained facts are only reachable by
*evaluating* part of its source (the per-module ``default_cfgs`` dicts built by small ``_cfg``
helpers), which needs the isolated-namespace machinery below; the other readers only parse.

- every ``@register_model`` function in ``timm/models/*.py`` is an architecture; each
  module's ``default_cfgs = generate_default_cfgs({...})`` dict gives the pretrained tags with
  ``input_size``, ``num_classes``, ``license`` and where the weights live. The dict literal calls
  small per-module helpers (``_cfg(url='', **kwargs)``), so those helper *functions* and the
  module-level constants are executed in an isolated namespace (every other name is an inert
  placeholder) — the classes, imports and model code are never run;
- parameter counts are not in the package: they are published as ``param_count`` columns of
  ``results/*.csv`` in the pytorch-image-models GitHub repository (``timm_params``).
"""

from __future__ import annotations

import ast
import builtins
import csv
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "timm_module_cfgs",
    "timm_registered",
    "timm_deprecations",
    "timm_params",
    "timm_rows",
]


class _Inert:
    """Stands in for every name a cfg helper references but we do not execute (torch, classes)."""

    def __call__(self, *args: Any, **kwargs: Any) -> _Inert:
        return self

    def __getattr__(self, name: str) -> _Inert:
        return self

    def __getitem__(self, key: Any) -> _Inert:
        return self

    def __iter__(self) -> Iterator[Any]:
        # Without this, iterating over a placeholder would use __getitem__ forever.
        raise TypeError("placeholder is not iterable")


def _identity(cfgs: Any) -> Any:
    return cfgs


def _timm_constants(root: Path) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile((root / "timm/data/constants.py").read_text(), "constants.py", "exec"), namespace)
    return {k: v for k, v in namespace.items() if k.isupper()}


def _names_loaded(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def timm_module_cfgs(path: Path, constants: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Evaluate one timm model module's ``default_cfgs`` as a flat ``{"arch.tag": cfg}`` dict."""
    tree = ast.parse(path.read_text(), str(path))
    keep: list[ast.stmt] = []
    for stmt in tree.body:
        helper = isinstance(stmt, ast.FunctionDef) and not stmt.decorator_list
        if helper or isinstance(stmt, ast.Assign | ast.AnnAssign):
            keep.append(stmt)
    namespace: dict[str, Any] = {"__builtins__": __builtins__}
    for name in _names_loaded(ast.Module(body=keep, type_ignores=[])):
        if not hasattr(builtins, name):
            namespace[name] = _Inert()
    namespace.update(constants)
    namespace["generate_default_cfgs"] = _identity
    namespace["__name__"] = f"timm.models.{path.stem}"
    namespace["partial"] = functools.partial
    for stmt in keep:
        code = compile(ast.Module(body=[stmt], type_ignores=[]), str(path), "exec")
        try:
            exec(code, namespace)
        except Exception:  # noqa: BLE001 - statements touching torch are irrelevant; skip them
            continue
    cfgs = namespace.get("default_cfgs")
    if not isinstance(cfgs, dict):
        return {}
    return {k: v for k, v in cfgs.items() if isinstance(k, str) and isinstance(v, dict)}


def timm_registered(path: Path) -> list[str]:
    """Names of ``@register_model`` functions in one module, in source order."""
    tree = ast.parse(path.read_text(), str(path))
    names = []
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef):
            for deco in stmt.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                if isinstance(target, ast.Name) and target.id == "register_model":
                    names.append(stmt.name)
    return names


def timm_deprecations(path: Path) -> dict[str, str]:
    """``register_model_deprecations(__name__, {"old": "new.tag"})`` as old -> new architecture."""
    tree = ast.parse(path.read_text(), str(path))
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "register_model_deprecations"
            and len(node.args) == 2
        ):
            try:
                mapping = ast.literal_eval(node.args[1])
            except ValueError:
                continue
            for old, new in mapping.items():
                if isinstance(new, str):
                    out[old] = new.split(".", 1)[0]
    return out


def _has_weights(cfg: dict[str, Any]) -> bool:
    return bool(cfg.get("url") or cfg.get("file") or cfg.get("hf_hub_id"))


def _square(input_size: Any) -> int | None:
    if isinstance(input_size, tuple | list) and len(input_size) == 3:
        h, w = input_size[1], input_size[2]
        return int(h) if h == w else int(max(h, w))
    return None


def timm_params(files: list[Path]) -> dict[str, float]:
    """Architecture -> parameters in millions from timm ``results/*.csv`` (``param_count``)."""
    params: dict[str, float] = {}
    for path in files:
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                count = (row.get("param_count") or "").replace(",", "")
                if row.get("model") and count:
                    params.setdefault(row["model"].split(".", 1)[0], round(float(count), 2))
    return params


def timm_rows(
    root: Path, params: dict[str, float] | None = None
) -> tuple[list[list[Any]], dict[str, str]]:
    """One row per registered timm architecture, plus deprecated-name aliases."""
    constants = _timm_constants(root)
    rows: list[list[Any]] = []
    aliases: dict[str, str] = {}
    for path in sorted((root / "timm/models").glob("*.py")):
        if path.name.startswith("_"):
            continue
        archs = timm_registered(path)
        if not archs:
            continue
        aliases.update(timm_deprecations(path))
        cfgs = timm_module_cfgs(path, constants)
        by_arch: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for key, cfg in cfgs.items():
            arch, _, tag = key.partition(".")
            by_arch.setdefault(arch, []).append((tag, cfg))
        for arch in archs:
            tagged = _timm_default_order(by_arch.get(arch, []))
            default = tagged[0][1] if tagged else {}
            weighted = [tag for tag, cfg in tagged if _has_weights(cfg)]
            rows.append(
                [
                    arch,
                    "timm",
                    "image_classification",
                    path.stem,
                    (params or {}).get(arch),  # timm cfgs carry no parameter counts
                    _square(default.get("input_size", (3, 224, 224))),
                    default.get("num_classes", 1000),
                    default.get("license"),
                    bool(weighted),
                    weighted,
                ]
            )
    return rows, aliases


def _timm_default_order(
    tagged: list[tuple[str, dict[str, Any]]],
) -> list[tuple[str, dict[str, Any]]]:
    """Order tags as timm's ``generate_default_cfgs`` does: the default (weighted) tag first."""
    ordered: list[tuple[str, dict[str, Any]]] = []
    prioritised = False
    has_pretrained = False
    for tag, cfg in tagged:
        weights = _has_weights(cfg)
        priority = (weights and not tag) or (tag.endswith("*") and not prioritised)
        item = (tag.strip("*"), cfg)
        if priority:
            ordered.insert(0, item)
            prioritised = True
        elif weights and not has_pretrained:
            ordered.insert(0, item)
        else:
            ordered.append(item)
        has_pretrained = has_pretrained or weights
    return ordered
