"""Comparing the shipped snapshot with the timm/ultralytics actually installed, when they are.

The snapshot may be older or newer than the libraries on the machine that will train. That is
worth a warning (a model the user names may be missing there, or a new one missing here) but
never an error: the conversation works without any of these libraries. The check reads the
installed packages' *files* — version metadata, ``@register_model`` lines, model yamls — and
imports neither the libraries nor torch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import util
from pathlib import Path

from graph.catalog.snapshot import load_catalog

__all__ = ["check_against_installed"]

_REGISTERED = re.compile(r"^@register_model(?:\([^)]*\))?\s*\ndef (\w+)", re.MULTILINE)
_SCALED = re.compile(r"^(yolov?\d+)[nsmlxbtce](-\w+)?$")
_SHOWN = 5


def check_against_installed() -> tuple[str, ...]:
    """Messages about version or name differences between the snapshot and installed libraries.

    Empty when nothing is installed or everything agrees. Never raises: a failed check becomes
    a message saying what could not be checked.
    """
    from importlib import metadata  # costs ~8 ms, so only when a check is asked for

    catalog = load_catalog()
    messages: list[str] = []
    for library, names_of in (("timm", _timm_names), ("ultralytics", _ultralytics_missing)):
        location = _package_dir(library)
        if location is None:
            continue
        try:
            installed = metadata.version(library)
        except metadata.PackageNotFoundError:
            installed = "unknown"
        built = catalog.versions.get(library, "unknown")
        if installed != built:
            messages.append(
                f"{library} {installed} is installed but the model catalog was built from "
                f"{library} {built}; names may differ. Rebuild it with "
                f"`python scripts/build_catalog.py --{library} {installed}`."
            )
        ours = {e.name for e in catalog if e.framework == library}
        try:
            messages.extend(names_of(location, ours))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            messages.append(f"could not compare {library} model names with {location}: {error}")
    return tuple(messages)


def _package_dir(library: str) -> Path | None:
    # find_spec on a top-level name locates the package without executing its __init__.
    spec = util.find_spec(library)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _timm_names(location: Path, ours: set[str]) -> list[str]:
    live: set[str] = set()
    for path in (location / "models").glob("*.py"):
        live.update(_REGISTERED.findall(path.read_text(encoding="utf-8")))
    if not live:
        return [f"no timm architectures found under {location / 'models'}; not compared"]
    return _differences("timm", live - ours, ours - live)


def _ultralytics_missing(location: Path, ours: set[str]) -> list[str]:
    stems = {p.stem for p in (location / "cfg" / "models").rglob("*.yaml")}
    if not stems:
        return [f"no ultralytics model yamls under {location / 'cfg' / 'models'}; not compared"]
    missing = {name for name in ours if name not in stems and _unscaled(name) not in stems}
    return _differences("ultralytics", set(), missing)


def _unscaled(name: str) -> str:
    found = _SCALED.match(name)
    return f"{found.group(1)}{found.group(2) or ''}" if found else name


def _differences(library: str, new: Iterable[str], gone: Iterable[str]) -> list[str]:
    messages = []
    for label, names in (("only in the installed", new), ("missing from the installed", gone)):
        ordered = sorted(names)
        if ordered:
            shown = ", ".join(ordered[:_SHOWN]) + (" …" if len(ordered) > _SHOWN else "")
            messages.append(f"{len(ordered)} {library} models are {label} {library}: {shown}")
    return messages
