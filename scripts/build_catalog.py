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
import gzip
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

# Loaded by path (tests use importlib) or run as a script: either way the sibling package must be
# importable, so put this file's folder on the path before importing it.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog_sources.timm import (  # noqa: E402
    timm_deprecations,
    timm_module_cfgs,
    timm_params,
    timm_registered,
    timm_rows,
)
from catalog_sources.torchvision import torchvision_rows  # noqa: E402
from catalog_sources.ultralytics import (  # noqa: E402
    PRETRAINED_CLASSES,
    PRETRAINED_SIZE,
    ULTRALYTICS_DIRS,
    ULTRALYTICS_TASKS,
    _ultralytics_names,
    _yaml_params,
    ultralytics_assets,
    ultralytics_rows,
)

__all__ = [
    "COLUMNS",
    "OUTPUT",
    "PRETRAINED_CLASSES",
    "PRETRAINED_SIZE",
    "REPO_ROOT",
    "SCHEMA_VERSION",
    "ULTRALYTICS_DIRS",
    "ULTRALYTICS_TASKS",
    "build",
    "fetch_wheels",
    "main",
    "timm_deprecations",
    "timm_module_cfgs",
    "timm_params",
    "timm_registered",
    "timm_rows",
    "torchvision_rows",
    "ultralytics_assets",
    "ultralytics_rows",
    "unzip",
    "wheel_version",
    "write",
    "_ultralytics_names",
    "_yaml_params",
]

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
