"""One line per test with its counts, which ``report.py`` turns into the RELIABILITY.md table.

Tests print ``RELIABILITY {"test": ..., ...}``; run pytest with ``-s`` (``report.py`` does) to
see the lines. Keeping the figures in the test output means the table can only show what a run
actually measured.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MARKER", "report"]

MARKER = "RELIABILITY "
"""Prefix of a summary line in the test output."""


def report(test: str, **counts: Any) -> dict[str, Any]:
    """Print the summary line of ``test`` (kills, turns, processes, inputs, violations...)."""
    line = {"test": test, **counts}
    print(MARKER + json.dumps(line, sort_keys=False, default=str), flush=True)
    return line
