"""Rebuild ``graph/catalog/catalog.json.gz`` from the real timm, ultralytics and torchvision sources.

Why a script and a committed snapshot: the conversation must know every real model name offline,
in milliseconds, on machines where none of these libraries (and certainly not torch) are
installed. So the snapshot is generated here, by *reading* the libraries' source files, and
shipped as package data. Nothing here imports torch, timm, ultralytics or torchvision:

- ``pip download --no-deps`` fetches the three wheels into a temporary directory (or
  ``--wheels DIR`` reuses wheels already there) and they are unzipped, never installed;
- timm: every ``@register_model`` function in ``timm/models/*.py`` is an architecture; each
  module's ``default_cfgs = generate_default_cfgs({...})`` dict gives the pretrained tags with
  ``input_size``, ``num_classes``, ``license`` and where the weights live. The dict literal calls
  small per-module helpers (``_cfg(url='', **kwargs)``), so those helper *functions* and the
  module-level constants are executed in an isolated namespace (every other name is an inert
  placeholder) — the classes, imports and model code are never run;
- ultralytics: ``cfg/models/**.yaml`` (their ``scales:`` block gives n/s/m/l/x, the file name
  the task, the scale comments the parameter counts) and ``utils/downloads.py``'s
  ``GITHUB_ASSETS_NAMES`` (which weights were released, e.g. yolo12 detection only);
- torchvision: ``@register_model`` builders in ``models/*.py`` and ``models/detection/*.py`` and
  their ``*_Weights`` enums (``num_params``, ``crop_size``, categories);
- timm's parameter counts are not in its package: they are published as ``param_count`` columns
  of ``results/*.csv`` in the pytorch-image-models GitHub repository. Pass such files with
  ``--timm-params`` (first file wins per architecture); without them timm's ``params_m`` is null.

Usage::

    python scripts/build_catalog.py                       # latest releases from PyPI
    python scripts/build_catalog.py --timm 1.0.31 --ultralytics 8.4.190 --torchvision 0.29.1
    python scripts/build_catalog.py --wheels /tmp/wheels  # reuse downloaded wheels
    python scripts/build_catalog.py --timm-params results-imagenet.csv \
        --timm-params benchmark-infer-amp-nchw-pt291-cu128-4090.csv
"""

from __future__ import annotations

import argparse
import ast
import builtins
import csv
import functools
import gzip
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
OUTPUT = REPO_ROOT / "graph" / "catalog" / "catalog.json.gz"
SCHEMA_VERSION = 1
COLUMNS = (
    "name",
    "framework",
    "task_type",
    "family",
    "params_m",
    "input_size",
    "num_classes",
    "licence",
    "pretrained",
    "pretrained_tags",
)

# --------------------------------------------------------------------------- wheels


def fetch_wheels(versions: dict[str, str | None], wheel_dir: Path) -> dict[str, Path]:
    """Download (or find) one wheel per library and return library -> wheel path."""
    wanted = [f"{lib}=={ver}" if ver else lib for lib, ver in versions.items()]
    have = {lib: _find_wheel(wheel_dir, lib, versions[lib]) for lib in versions}
    missing = [spec for spec, path in zip(wanted, have.values(), strict=True) if path is None]
    if missing:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(wheel_dir)]
        # torchvision ships only binary wheels; the platform tag does not matter because the
        # wheel is unzipped and read, never installed.
        subprocess.run([*cmd, *missing], check=True)
    found: dict[str, Path] = {}
    for lib in versions:
        path = _find_wheel(wheel_dir, lib, versions[lib])
        if path is None:
            raise SystemExit(f"no wheel for {lib} in {wheel_dir} after pip download")
        found[lib] = path
    return found


def _find_wheel(wheel_dir: Path, lib: str, version: str | None) -> Path | None:
    pattern = f"{lib}-{version}-*.whl" if version else f"{lib}-*.whl"
    wheels = sorted(wheel_dir.glob(pattern))
    return wheels[-1] if wheels else None


def wheel_version(wheel: Path) -> str:
    """The version part of a wheel file name (``timm-1.0.31-py3-none-any.whl`` -> ``1.0.31``)."""
    return wheel.name.split("-")[1]


def unzip(wheel: Path, into: Path, prefixes: tuple[str, ...]) -> None:
    """Extract only the source files we read, to keep the build quick."""
    with zipfile.ZipFile(wheel) as zf:
        for member in zf.namelist():
            if member.startswith(prefixes) and member.endswith((".py", ".yaml")):
                zf.extract(member, into)


# --------------------------------------------------------------------------- timm


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


# --------------------------------------------------------------------------- ultralytics

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


# --------------------------------------------------------------------------- torchvision


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


# --------------------------------------------------------------------------- main


def build(
    wheels: dict[str, Path], workdir: Path, params_files: list[Path] | None = None
) -> dict[str, Any]:
    """Read the three unzipped wheels and return the snapshot document."""
    unzip(wheels["timm"], workdir, ("timm/models/", "timm/data/constants.py"))
    unzip(
        wheels["ultralytics"],
        workdir,
        ("ultralytics/cfg/models/", "ultralytics/utils/downloads.py"),
    )
    unzip(wheels["torchvision"], workdir, ("torchvision/models/",))
    timm, aliases = timm_rows(workdir, timm_params(params_files or []))
    rows = timm + ultralytics_rows(workdir) + torchvision_rows(workdir)
    timm_names = {row[0] for row in timm}
    return {
        "schema": SCHEMA_VERSION,
        "generated_by": "scripts/build_catalog.py",
        "versions": {lib: wheel_version(path) for lib, path in sorted(wheels.items())},
        "timm_params_from": [path.name for path in params_files or []],
        "columns": list(COLUMNS),
        "models": rows,
        # Old timm names (``efficientnet_b0`` renames and the like) still resolve to their heirs.
        "aliases": {k: v for k, v in sorted(aliases.items()) if v in timm_names},
    }


def write(document: dict[str, Any], output: Path) -> None:
    """Deterministic gzip (mtime 0, sorted aliases) so a rebuild of the same versions is a no-op."""
    payload = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    with (
        output.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz,
    ):
        gz.write(payload)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: download, read, write, and print a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timm", help="timm version (default: latest on the index)")
    parser.add_argument("--ultralytics", help="ultralytics version (default: latest)")
    parser.add_argument("--torchvision", help="torchvision version (default: latest)")
    parser.add_argument("--wheels", type=Path, help="directory holding (or receiving) the wheels")
    parser.add_argument(
        "--timm-params",
        type=Path,
        action="append",
        default=[],
        help="timm results CSV with model,param_count columns (repeatable)",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    versions = {"timm": args.timm, "ultralytics": args.ultralytics, "torchvision": args.torchvision}
    with tempfile.TemporaryDirectory(prefix="trainchat-catalog-") as tmp:
        wheel_dir = args.wheels or Path(tmp) / "wheels"
        wheel_dir.mkdir(parents=True, exist_ok=True)
        wheels = fetch_wheels(versions, wheel_dir)
        document = build(wheels, Path(tmp) / "src", args.timm_params)
    write(document, args.output)
    counts: dict[str, int] = {}
    for row in document["models"]:
        counts[row[1]] = counts.get(row[1], 0) + 1
    print(f"wrote {args.output}: {counts} versions={document['versions']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
