"""Run ``inspect_dataset`` in a child process with a hard timeout, so a hang is a test failure
instead of a stuck test run. ``python -m tests.reliability.inspect_in_subprocess PATH BUDGET_S`` prints
the report as JSON (problem codes, classes, truncated, seconds)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["inspect_with_timeout"]

ROOT = Path(__file__).resolve().parents[2]


def inspect_with_timeout(
    path: str | Path, *, timeout: float, budget: float = 10.0, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """The child's report as a dict; ``{"hung": True}`` if it did not finish in ``timeout`` s.
    ``budget`` is inspect_dataset's own ``time_budget_s``."""
    child_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    started = time.monotonic()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.reliability.inspect_in_subprocess",
                str(path),
                str(budget),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=child_env,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return {"hung": True, "seconds": time.monotonic() - started}
    if done.returncode != 0:
        return {"crashed": done.stderr[-2000:], "seconds": time.monotonic() - started}
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def _main(path: str, budget: float) -> None:
    from graph.datasets import inspect_dataset

    started = time.monotonic()
    report = inspect_dataset(path, time_budget_s=budget)
    print(
        json.dumps(
            {
                "format": report.format,
                "classes": list(report.class_names),
                "codes": [p.code for p in report.problems],
                "messages": [p.message for p in report.problems],
                "truncated": report.truncated,
                "seconds": time.monotonic() - started,
            }
        )
    )


if __name__ == "__main__":
    _main(sys.argv[1], float(sys.argv[2]))
