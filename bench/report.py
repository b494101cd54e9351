"""Figures into words: timing summaries, markdown tables, machine facts, the BENCHMARKS.md section.

BENCHMARKS.md has one section per area (Storage, Conversation turns, Catalog, Dataset
inspection). Each command rewrites only the text between its own two markers, so areas measured
by different commands, at different times, live side by side without overwriting each other.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = [
    "Timings",
    "markdown_table",
    "machine_facts",
    "ratio_cell",
    "write_section",
    "BENCHMARKS_TEMPLATE",
]

_PACKAGES = (
    "langgraph",
    "langgraph-checkpoint",
    "langgraph-checkpoint-sqlite",
    "langgraph-checkpoint-postgres",
    "sqlalchemy",
    "psycopg",
    "psycopg-pool",
    "aiosqlite",
)

BENCHMARKS_TEMPLATE = """# Benchmarks

Measurements of trainchat against its peers, one command per area. Benchmarks are not tests:
nothing asserts a time; each section says how it was measured, on what machine, and where a
target is missed, by how much and why. Rerun a section with its command; it rewrites only its own
part of this file.

## Storage

<!-- bench:storage:begin -->
Pending: run `python -m bench.storage --all`.
<!-- bench:storage:end -->

## Conversation turns

<!-- bench:turns:begin -->
Pending: figures from `bench/bench_turns.py` (sent through the lead).
<!-- bench:turns:end -->

## Catalog

<!-- bench:catalog:begin -->
Pending: figures from `bench/bench_catalog.py` (sent through the lead).
<!-- bench:catalog:end -->

## Dataset inspection

<!-- bench:datasets:begin -->
Pending: figures from `bench/bench_datasets.py` (sent through the lead).
<!-- bench:datasets:end -->
"""


@dataclass(frozen=True)
class Timings:
    """Durations of repeated operations, in seconds, summarised the way the tables show them."""

    samples: tuple[float, ...]
    """Every measured duration, in the order measured."""

    @property
    def mean(self) -> float:
        """Arithmetic mean, the figure the targets compare."""
        return statistics.fmean(self.samples)

    def quantile(self, q: float) -> float:
        """Nearest-rank quantile (q in 0..1): p50 and p95 show the spread the mean hides."""
        ordered = sorted(self.samples)
        index = min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))
        return ordered[index]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub markdown table; numbers are right-aligned by the column marker."""
    aligns = [
        "---:" if rows and isinstance(rows[0][i], (int, float)) else "---"
        for i in range(len(header))
    ]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(aligns) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(_cell(value) for value in row) + " |")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def ratio_cell(
    ours: float | None, peer: float | None, target: str, *, lower_is_better: bool
) -> str:
    """``SQLSaver / peer`` with the target and whether it is met, e.g. ``0.82× (≤ 1×: met)``."""
    if ours is None or peer is None or peer == 0:
        return "n/a"
    ratio = ours / peer
    limit = float(target.strip("≤≥× "))
    met = ratio <= limit if lower_is_better else ratio >= limit
    return f"{ratio:.2f}× ({target}: {'met' if met else 'missed'})"


def _postgres_version() -> str:
    try:
        import psycopg

        from bench.savers import libpq_conninfo
        from tests.databases import POSTGRES_ADMIN_URL

        with psycopg.connect(libpq_conninfo(POSTGRES_ADMIN_URL)) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"
    except Exception as error:  # noqa: BLE001 - a fact we could not read is reported, not fatal
        return f"unreachable ({type(error).__name__})"


def _git_commit() -> str:
    """HEAD of the tree being measured, marked when storage/ or bench/ differ from it.

    ``TRAINCHAT_BENCH_COMMIT`` names the commit when the run is made from an exported copy of
    the tree (``git archive``), which has no repository of its own.
    """
    if exported := os.environ.get("TRAINCHAT_BENCH_COMMIT"):
        return f"{exported} (exported tree)"
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "storage", "bench"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return f"{head} + uncommitted changes in storage/ or bench/" if dirty else head


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_facts() -> list[tuple[str, str]]:
    """What the figures depend on: cores, CPU, Python, database and package versions, commit."""
    import sqlite3

    facts = [
        ("date (UTC)", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")),
        ("git commit", _git_commit()),
        ("nproc", str(os.cpu_count())),
        ("CPU", _cpu_model()),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL", _postgres_version()),
    ]
    for name in _PACKAGES:
        try:
            facts.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            facts.append((name, "not installed"))
    return facts


def write_section(path: Path, area: str, body: str) -> None:
    """Replace the text between ``<!-- bench:{area}:begin/end -->`` in ``path`` with ``body``.

    Creates the file from the template when it does not exist yet; other sections are untouched.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else BENCHMARKS_TEMPLATE
    begin, end = f"<!-- bench:{area}:begin -->", f"<!-- bench:{area}:end -->"
    if begin not in text or end not in text:
        raise ValueError(f"{path} has no {begin} … {end} markers; restore them to update {area}")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{body.strip()}\n{end}{tail}", encoding="utf-8")
