"""The storage benchmark runs end to end at a tiny scale, so the harness cannot rot unnoticed.

No figure is asserted (benchmarks are not tests); what is checked is that every measurement
produced its table with a row per saver, and that writing BENCHMARKS.md touches only the Storage
section.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import invoke_floor
from bench.report import BENCHMARKS_TEMPLATE, write_section
from bench.savers import sqlsaver_class
from bench.storage import main
from tests.databases import server_database


@pytest.fixture(scope="module")
def postgres_available() -> None:
    """Skip (or fail in CI) when PostgreSQL is not there: the harness compares on both databases."""
    with server_database("postgres"):
        pass


def test_smoke_run_prints_every_table_and_writes_only_the_storage_section(
    tmp_path: Path, postgres_available: None
) -> None:
    output = tmp_path / "BENCHMARKS.md"
    output.write_text(BENCHMARKS_TEMPLATE.replace("Pending: figures from `bench/bench_turns", "X"))

    body = main(["--all", "--scale", "smoke", "--output", str(output)])

    for title in ("(a) ms per invoke", "(b) the saver", "(c) bytes on disk", "(d) one growing"):
        assert f"### {title}" in body
    assert "### (e) throughput, 2 workers" in body
    assert "### (f) listing and retention" in body and "list_threads (10 threads)" in body
    savers = ["SqliteSaver", "PostgresSaver"] + (["SQLSaver"] if sqlsaver_class() else [])
    for saver in savers:
        assert f"| {saver} |" in body
    if sqlsaver_class():
        assert "### Targets at a glance" in body and "(≤ 0.6×: " in body
    written = output.read_text()
    assert "| nproc |" in written and "python -m bench.storage --all --scale smoke" in written
    assert "X.py` (sent through the lead)" in written  # another area's text survived
    assert "Pending: run `python -m bench.storage --all`" not in written


def test_write_section_refuses_a_file_without_its_markers(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\nhand-written, no markers\n")
    with pytest.raises(ValueError, match="bench:storage:begin"):
        write_section(path, "storage", "figures")
    assert path.read_text() == "# Benchmarks\n\nhand-written, no markers\n"


def test_invoke_floor_runs_every_saver_and_writes_only_its_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], postgres_available: None
) -> None:
    """``bench.invoke_floor`` (the floor under (a) on SQLite) at a tiny scale."""
    output = tmp_path / "BENCHMARKS.md"
    output.write_text(
        "# B\n\n<!-- bench:invoke-floor:begin -->\nold\n<!-- bench:invoke-floor:end -->\nkept\n"
    )
    invoke_floor.main(["--invokes", "4", "--inserts", "3", "--write", str(output)])
    written = output.read_text()
    floors_part, costs_part = written.split("What one INSERT costs")
    rows = [
        line
        for line in floors_part.splitlines()
        if line.startswith("| ") and "---" not in line and not line.startswith("| saver |")
    ]
    labels = [row.split(" | ")[0].lstrip("| ") for row in rows]
    floors = [
        invoke_floor.NOTHING,
        "InMemorySaver",
        invoke_floor.ONE_INSERT,
        invoke_floor.IN_MEMORY_INSERT,
    ]
    assert labels == [*floors, "SqliteSaver", "SQLSaver", *floors, "PostgresSaver", "SQLSaver"]
    assert all(row.split(" | ")[1] == "4" for row in rows)  # every saver ran every invoke
    costs = [line.split(" | ") for line in costs_part.splitlines() if " | 3 | " in line]
    assert [cells[0].lstrip("| ") for cells in costs] == [
        "from the thread that waits for it",
        "through a one-thread pool",
        "beside a thread running Python",
    ]
    assert "old" not in written and written.endswith("kept\n")
    assert "python -m bench.invoke_floor --invokes 4" in capsys.readouterr().out
