"""Regenerate timm_train_flags.txt and ultralytics_cfg_keys.txt from the real sources.

Usage (network needed once, no torch):
    pip download --no-deps ultralytics -d /tmp/w && unzip -q /tmp/w/ultralytics-*.whl -d /tmp/w/u
    curl -sLo /tmp/w/train.py https://raw.githubusercontent.com/huggingface/pytorch-image-models/main/train.py
    python tests/graph/data/extract_argument_names.py /tmp/w/train.py /tmp/w/u/ultralytics/cfg/default.yaml

The timm wheel does not ship train.py, hence the script from the repository.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def timm_flags(train_py: Path) -> list[str]:
    """Every string literal passed positionally to ``add_argument`` (option strings)."""
    flags: set[str] = set()
    for node in ast.walk(ast.parse(train_py.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "add_argument":
            flags.update(a.value for a in node.args if isinstance(a, ast.Constant))
    return sorted(flags)


def main(train_py: str, default_yaml: str) -> None:
    """Write both lists next to this script."""
    header = (
        "# Every option string of timm's train.py argparse parser (plus the positional 'data')."
    )
    (HERE / "timm_train_flags.txt").write_text(
        "\n".join([header, f"# Source: {train_py}", *timm_flags(Path(train_py))]) + "\n"
    )
    keys = sorted(yaml.safe_load(Path(default_yaml).read_text()))
    header = "# Every key of ultralytics/cfg/default.yaml; `yolo` accepts key=value for these."
    (HERE / "ultralytics_cfg_keys.txt").write_text("\n".join([header, *keys]) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
