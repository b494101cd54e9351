"""Real training from the conversation: timm and ultralytics on CPU, driven by chat turns.

These need the ``train`` extra, the trainers (``agent.training.trainers``), the graph's run
nodes (``create_agent(runs=…)``) and the tiny dataset generators of ``tests.training.datasets``;
they skip when one is missing. Slow (a worker imports torch, a real epoch runs): ``-m slow``.
"""

from __future__ import annotations

import inspect
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from agent import create_agent
from agent.training.local import LocalRunControl
from agent.training.processes import WorkerIdentity, group_members
from tests.runs.conftest import stored_run, thread, wait_for

pytestmark = pytest.mark.slow

for _name in ("torch", "timm", "ultralytics", "agent.training.trainers", "tests.training.datasets"):
    pytest.importorskip(_name, reason="needs the train extra, the trainers and their datasets")
if "runs" not in inspect.signature(create_agent).parameters:
    pytest.skip(
        "create_agent(runs=…) (the graph's run nodes) is not here yet", allow_module_level=True
    )

from tests.training.datasets import make_dataset  # noqa: E402

REAL_RUN_TIMEOUT_S = 240.0


@pytest.fixture
def agent(sqlite_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An offline agent whose runs are real local workers with the real trainers."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # two shared cores: one torch thread per worker
    monkeypatch.delenv("TRAINCHAT_TRAINER", raising=False)
    runs = LocalRunControl(sqlite_db, runs_dir=tmp_path / "runs")
    graph = create_agent(db=sqlite_db, llm="offline", runs=runs)
    yield graph
    for worker in (tmp_path / "runs").glob("*/*/worker.json"):
        import json

        identity = WorkerIdentity.parse(json.loads(worker.read_text())["worker"])
        if identity is not None and group_members(identity.pid):
            os.killpg(identity.pid, signal.SIGKILL)


def say(agent: Any, thread_id: str, text: str) -> dict[str, Any]:
    return agent.invoke({"messages": [{"role": "user", "content": text}]}, thread(thread_id))


def confirm(agent: Any, thread_id: str, turns: list[str]) -> None:
    for text in turns:
        out = say(agent, thread_id, text)
    assert out["step"] == "done", out["messages"][-1].content


def timm_turns(data: Path, epochs: int) -> list[str]:
    return [
        "train resnet18 for image classification",
        f"my dataset is in {data}",
        f"{epochs} epochs, batch size 4, learning rate 0.001",
        "from scratch",
        "image size 64",
        "yes",
    ]


def test_a_run_started_in_english_trains_timm_to_success(agent, tmp_path):
    data = make_dataset(tmp_path / "images", "classify")
    confirm(agent, "en", timm_turns(data, 1))
    out = say(agent, "en", "start training")
    assert out["run"].status == "queued"
    done = wait_for(agent, "en", lambda r: not r.active, timeout=REAL_RUN_TIMEOUT_S)
    assert done.status == "succeeded", (done.error, done.log_tail)
    assert done.epoch == 1 and len(done.history) == 1
    assert done.main_metric in done.metrics_dict()
    assert done.weights and Path(done.weights).is_file()
    reply = say(agent, "en", "how is training going?")["messages"][-1].content
    assert done.run_id in reply


def test_a_run_started_in_korean_trains_ultralytics_detect(agent, tmp_path):
    data = make_dataset(tmp_path / "yolo", "detect")
    confirm(
        agent,
        "ko",
        [
            "train yolov8n for object detection",
            f"my dataset is in {data}",
            "1 epochs, batch size 4, learning rate 0.01",
            "from scratch",
            "image size 64",
            "yes",
        ],
    )
    out = say(agent, "ko", "학습 시작해줘")
    assert out["run"].status == "queued"
    done = wait_for(agent, "ko", lambda r: not r.active, timeout=REAL_RUN_TIMEOUT_S)
    assert done.status == "succeeded", (done.error, done.log_tail)
    assert done.epoch == 1 and done.main_metric and done.main_metric in done.metrics_dict()
    reply = say(agent, "ko", "진행 상황 알려줘")["messages"][-1].content
    assert done.run_id in reply and "끝났습니다" in reply


def test_a_sigkilled_real_worker_fails_within_seconds_and_resumes_to_the_end(agent, tmp_path):
    data = make_dataset(tmp_path / "images", "classify")
    confirm(agent, "k", timm_turns(data, 3))
    run = say(agent, "k", "start training")["run"]
    wait_for(agent, "k", lambda r: r.epoch >= 1, timeout=REAL_RUN_TIMEOUT_S)
    identity = WorkerIdentity.parse(run.worker)
    assert identity is not None
    os.kill(identity.pid, signal.SIGKILL)
    killed = time.monotonic()
    while identity.gone_reason() is None and time.monotonic() - killed < 5:
        time.sleep(0.05)  # a process with torch's threads and memory takes a moment to die
    out = say(agent, "k", "how is training going?")
    assert out["run"].status == "failed", out["run"]
    assert time.monotonic() - killed < 10
    assert "resume" in out["messages"][-1].content.lower()
    assert group_members(identity.pid) == []  # its data loaders went with it

    resumed = say(agent, "k", "resume")["run"]
    assert resumed.run_id == run.run_id and resumed.attempt == 2
    done = wait_for(agent, "k", lambda r: r.attempt == 2 and not r.active, REAL_RUN_TIMEOUT_S)
    assert done.status == "succeeded", (done.error, done.log_tail)
    assert done.epoch == 3 and [entry.epoch for entry in done.history] == [1, 2, 3]
    assert stored_run(agent, "k") == done


def test_stop_training_from_the_chat_ends_a_real_worker_and_its_children(agent, tmp_path):
    data = make_dataset(tmp_path / "images", "classify")
    confirm(agent, "s", timm_turns(data, 20))
    run = say(agent, "s", "start training")["run"]
    wait_for(agent, "s", lambda r: r.status == "running", timeout=REAL_RUN_TIMEOUT_S)
    identity = WorkerIdentity.parse(run.worker)
    assert identity is not None
    began = time.monotonic()
    out = say(agent, "s", "stop training")
    assert out["run"].status == "cancelled" and out["run"].ended_at
    assert time.monotonic() - began < 15  # SIGTERM is enough: no wait for the SIGKILL grace
    assert group_members(identity.pid) == [] and identity.gone_reason() is not None
    time.sleep(2)
    assert stored_run(agent, "s").status == "cancelled"  # the dying worker wrote nothing over it
