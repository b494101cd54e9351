"""Hostile dataset paths: symlink loops, special files, traversal, and trees of a million entries.

Inspection runs in a child process with a hard timeout, so a hang fails the test instead of
stalling the run. "Bounded" means within inspect_dataset's own time budget (10 s) plus slack.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from graph.datasets.samples import make_sample_dataset
from tests.reliability.conversation import make_agent, thread_config
from tests.reliability.inspect_in_subprocess import inspect_with_timeout
from tests.reliability.summary import report

BUDGET_S = 10.0
SLACK_S = 15.0
SHORT_BUDGET_S = 2.0
SHORT_TIMEOUT_S = 8.0


def _loops(root: Path) -> Path:
    data = make_sample_dataset(root, "imagefolder")
    train = data / "train"
    os.symlink("..", train / "cat" / "up")  # a directory cycle
    os.symlink("self", train / "self")  # a link to itself
    os.symlink("ping", train / "pong")  # two links to each other
    os.symlink("pong", train / "ping")
    os.symlink("/nonexistent/target", train / "dangling")
    return data


def test_symlink_loops_end_in_bounded_time(tmp_path: Path) -> None:
    data = _loops(tmp_path)
    result = inspect_with_timeout(data, timeout=SHORT_TIMEOUT_S, budget=SHORT_BUDGET_S)
    report(
        "dataset_symlink_loops",
        inputs=5,
        seconds=round(result["seconds"], 2),
        hung=result.get("hung", False),
    )
    assert not result.get("hung") and "crashed" not in result, result
    assert result["seconds"] < SHORT_BUDGET_S + 5


def test_symlink_loops_are_named_not_reported_as_our_bug(tmp_path: Path) -> None:
    result = inspect_with_timeout(_loops(tmp_path), timeout=SHORT_TIMEOUT_S, budget=SHORT_BUDGET_S)
    assert "inspection_failed" not in result.get("codes", []), result.get("messages")
    assert {"bird", "cat", "dog"} <= set(result.get("classes", ())), result
    report("dataset_symlink_loops_named", inputs=5, codes=",".join(sorted(set(result["codes"]))))


def test_special_files_never_hang_inspection(tmp_path: Path) -> None:
    data = tmp_path / "pipes"
    data.mkdir()
    os.mkfifo(data / "data.yaml")  # opening a FIFO for reading blocks until a writer comes
    result = inspect_with_timeout(data, timeout=SHORT_TIMEOUT_S, budget=SHORT_BUDGET_S)
    report("dataset_fifo", inputs=1, hung=result.get("hung", False))
    assert not result.get("hung"), "inspection of a folder with a FIFO data.yaml never returned"


def _big_tree(root: Path, entries: int) -> Path:
    """An imagefolder tree of ``entries`` empty files (1000 per class): cheap to make."""
    data = root / f"big-{entries}"
    per_class = 1000
    for first in range(0, entries, per_class):
        folder = data / "train" / f"class_{first // per_class:05d}"
        folder.mkdir(parents=True)
        for number in range(min(per_class, entries - first)):
            fd = os.open(folder / f"{number:04d}.jpg", os.O_CREAT | os.O_WRONLY, 0o644)
            os.close(fd)
    return data


def _scratch(tmp_path: Path) -> Path:
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        scratch = shm / f"trainchat-reliability-{os.getpid()}-{tmp_path.name}"
        scratch.mkdir()
        return scratch
    return tmp_path


def _bounded_big_tree(tmp_path: Path, sqlite_db: str, entries: int) -> None:
    scratch = _scratch(tmp_path)
    try:
        started = time.monotonic()
        data = _big_tree(scratch, entries)
        built = time.monotonic() - started
        result = inspect_with_timeout(data, timeout=BUDGET_S + SLACK_S + 30)
        assert not result.get("hung") and "crashed" not in result, result
        agent = make_agent(sqlite_db)
        config = thread_config("big-tree")
        agent.invoke(
            {"messages": [{"role": "user", "content": "train resnet18, 10 epochs"}]}, config
        )
        turn_started = time.monotonic()
        out = agent.invoke(
            {"messages": [{"role": "user", "content": f"the dataset is at {data}"}]}, config
        )
        turn = time.monotonic() - turn_started
        agent.checkpointer.close()
        report(
            f"dataset_tree[{entries}]",
            entries=entries,
            build_s=round(built, 1),
            inspect_s=round(result["seconds"], 2),
            turn_s=round(turn, 2),
            truncated=result["truncated"],
        )
        assert result["seconds"] < BUDGET_S + 5
        assert turn < BUDGET_S + SLACK_S
        assert out["config"].dataset_path == str(data)
        assert (out["config"].model_name, out["config"].epochs) == ("resnet18", 10)
    finally:
        if scratch != tmp_path:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)


def test_a_50k_entry_tree_is_inspected_in_bounded_time(tmp_path: Path, sqlite_db: str) -> None:
    _bounded_big_tree(tmp_path, sqlite_db, 50_000)


@pytest.mark.slow
def test_a_million_entry_tree_is_inspected_in_bounded_time(tmp_path: Path, sqlite_db: str) -> None:
    _bounded_big_tree(tmp_path, sqlite_db, 1_000_000)
