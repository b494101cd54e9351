"""``trainchat run / stop / runs`` and the run in ``show``: the real console script, real workers.

The worker runs the scripted trainer (``TRAINCHAT_TRAINER``), which has the real trainer's
contract and process behaviour without a framework's start-up time.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from agent.cli.training import EXIT_TRAINING
from tests.cli.running import assert_one_line_error, run_trainchat

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def trainchat(tmp_path: Path, sqlite_db: str):
    """``trainchat ARGS`` as a subprocess on the test's database, with the scripted trainer."""
    home = tmp_path / "home"
    env = {
        "TRAINCHAT_DB": sqlite_db,
        "TRAINCHAT_TRAINER": "tests.fixtures.scripted_trainer:train",
        "TRAINCHAT_RUNS_DIR": str(tmp_path / "runs"),
        "SCRIPTED_EPOCH_S": "0.3",
        "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))),
    }

    def run(*args: str, timeout: float = 90, **extra: str):
        return run_trainchat(*args, home=home, timeout=timeout, **{**env, **extra})

    yield run
    for worker in (tmp_path / "runs").glob("*/*/worker.json"):  # never leave a worker behind
        from agent.training.processes import WorkerIdentity, end_process_group

        identity = WorkerIdentity.parse(json.loads(worker.read_text())["worker"])
        if identity is not None and identity.gone_reason() is None:
            end_process_group(identity.pid, grace=1.0)


def _confirm(trainchat, dataset: Path, epochs: int = 3, thread: str = "default") -> None:
    for text in (
        "train resnet18 for image classification",
        f"my dataset is in {dataset}",
        f"{epochs} epochs, batch size 4, learning rate 0.001",
        "yes",
    ):
        result = trainchat("say", text, "--llm", "offline", "--thread", thread)
        assert result.returncode == 0, result.stderr


def _show(trainchat, thread: str = "default") -> dict:
    result = trainchat("show", "--json", "--thread", thread)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_run_returns_at_once_and_wait_follows_it_to_success(trainchat, dataset_dir):
    _confirm(trainchat, dataset_dir, epochs=4)
    began = time.monotonic()
    started = trainchat("run", "--thread", "default", timeout=30, SCRIPTED_EPOCH_S="4")
    assert started.returncode == 0, started.stderr
    assert time.monotonic() - began < 15  # returns within seconds; the worker goes on
    run_id = started.stdout.split()[2]
    assert started.stdout.startswith(f"started run {run_id}")
    shown = _show(trainchat)["run"]
    assert shown["run_id"] == run_id and shown["status"] in ("queued", "running")

    waited = trainchat("run", "--wait")
    assert waited.returncode == 0, waited.stderr
    assert f"following run {run_id}" in waited.stdout and "4/4" in waited.stdout
    run = _show(trainchat)["run"]
    assert run["status"] == "succeeded" and run["epoch"] == 4 and run["epochs"] == 4
    assert run["metrics"] == {"train_loss": 0.25, "top1": pytest.approx(0.4)}
    assert [entry["epoch"] for entry in run["history"]] == [1, 2, 3, 4]
    assert run["weights"].endswith("best.pt") and run["error"] is None
    text = trainchat("show")
    assert "succeeded" in text.stdout and "4/4" in text.stdout and "top1 0.4" in text.stdout

    again = trainchat("run")  # never a duplicate of a finished run
    assert_one_line_error(again, 1, run_id, "already succeeded", "--again")
    second = trainchat("run", "--again", "--wait")
    assert second.returncode == 0, second.stderr
    listed = json.loads(trainchat("runs", "--json", "--thread", "default").stdout)
    assert [row["status"] for row in listed] == ["succeeded", "succeeded"]
    assert listed[1]["run_id"] == run_id and listed[0]["run_id"] != run_id
    table = trainchat("runs")  # every thread
    assert run_id in table.stdout and "top1 0.4" in table.stdout


def test_wait_exits_non_zero_when_the_run_fails(trainchat, dataset_dir):
    _confirm(trainchat, dataset_dir, epochs=3)
    result = trainchat("run", "--wait", SCRIPTED_FAIL_AT="2")
    assert result.returncode == EXIT_TRAINING
    assert "scripted failure at epoch 2: lower the batch size" in result.stderr
    assert "Traceback" not in result.stderr
    run = _show(trainchat)["run"]
    assert run["status"] == "failed" and run["epoch"] == 1 and run["log_tail"]


def test_stop_cancels_and_resume_finishes_the_same_run(trainchat, dataset_dir):
    _confirm(trainchat, dataset_dir, epochs=4, thread="s")
    assert trainchat("run", "--thread", "s", SCRIPTED_EPOCH_S="6").returncode == 0
    deadline = time.monotonic() + 60
    while _show(trainchat, "s")["run"]["epoch"] < 1 and time.monotonic() < deadline:
        time.sleep(0.3)
    stopped = trainchat("stop", "--thread", "s")
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.startswith("cancelled run")
    run = _show(trainchat, "s")["run"]
    assert run["status"] == "cancelled" and run["epoch"] >= 1
    pid = int(run["worker"].split(":")[1])
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
    assert_one_line_error(trainchat("stop", "--thread", "s"), 1, "nothing to stop", "cancelled")
    assert_one_line_error(trainchat("run", "--thread", "s"), 1, "--resume")

    resumed = trainchat("run", "--resume", "--wait", "--thread", "s")
    assert resumed.returncode == 0, resumed.stderr
    done = _show(trainchat, "s")["run"]
    assert done["run_id"] == run["run_id"] and done["attempt"] == 2
    assert done["status"] == "succeeded" and done["epoch"] == 4
    assert [entry["epoch"] for entry in done["history"]] == [1, 2, 3, 4]


def test_run_before_confirming_and_without_the_train_extra(
    invoke, say_json, sqlite_db, dataset_dir, monkeypatch
):
    say_json("train resnet18 for image classification", sqlite_db)
    out = invoke("run", "--db", sqlite_db, code=1)
    assert "no confirmed job yet" in out.stderr
    say_json(f"my dataset is in {dataset_dir}", sqlite_db)
    say_json("3 epochs, batch size 4, learning rate 0.001", sqlite_db)
    say_json("yes", sqlite_db)
    monkeypatch.delenv("TRAINCHAT_TRAINER", raising=False)
    monkeypatch.setitem(sys.modules, "timm", None)  # as if the train extra were not installed
    out = invoke("run", "--db", sqlite_db, code=2)
    assert out.stderr.strip() == (
        'trainchat: training needs timm, which is not installed: pip install -e ".[train]"'
    )
    assert say_json("what's left?", sqlite_db)["run"] is None  # nothing was started
