"""The run folder's metrics file: what a resumed or killed run leaves is read back sensibly."""

from __future__ import annotations

import json
import math
from pathlib import Path

from agent.training.run_folder import RunFolder


def test_history_keeps_one_entry_per_epoch_newest_wins(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    folder.append_metrics(1, {"loss": 1.0})
    folder.append_metrics(2, {"loss": 0.9})
    folder.append_metrics(2, {"loss": 0.8})  # epoch 2 redone after a resume
    assert folder.history() == ({"epoch": 1, "loss": 1.0}, {"epoch": 2, "loss": 0.8})
    assert folder.history(up_to=1) == ({"epoch": 1, "loss": 1.0},)


def test_a_line_cut_short_by_a_kill_is_skipped(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    folder.append_metrics(1, {"loss": 1.0})
    with folder.metrics.open("a") as out:
        out.write('{"epoch": 2, "lo')
    assert folder.history() == ({"epoch": 1, "loss": 1.0},)


def test_a_diverged_loss_is_written_as_null_not_invalid_json(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    folder.append_metrics(1, {"loss": math.nan, "top1": math.inf, "top5": 50.0})
    assert json.loads(folder.metrics.read_text()) == {
        "epoch": 1,
        "loss": None,
        "top1": None,
        "top5": 50.0,
    }


def test_rewrite_drops_epochs_a_resume_will_redo(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path)
    for epoch in (1, 2, 3):
        folder.append_metrics(epoch, {"loss": 1.0 / epoch})
    folder.rewrite_history(folder.history(up_to=2))
    assert [row["epoch"] for row in folder.history()] == [1, 2]
