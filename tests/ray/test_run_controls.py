"""Which ``RunControl`` a run goes to: chosen by name for a new run, by its recorded worker for
an existing one (a run on Ray is stopped and checked on Ray, wherever the command came from)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("ray")

from agent.training.controls import (  # noqa: E402
    control_for_run,
    make_run_control,
)
from agent.training.local import LocalRunControl  # noqa: E402
from agent.training.ray_jobs import RayRunControl, ray_address_of, ray_job_id  # noqa: E402
from graph.run import TrainingRun  # noqa: E402


def _run(worker: str | None, status: str = "running") -> TrainingRun:
    return TrainingRun(run_id="r1", status=status, epochs=3, output_dir="/x", worker=worker)


def test_a_new_run_goes_where_it_is_told(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TRAINCHAT_RAY_ADDRESS", "http://head:8265")
    monkeypatch.setenv("TRAINCHAT_RAY_GPUS", "2")
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    assert isinstance(make_run_control("local", url, runs_dir=tmp_path), LocalRunControl)
    ray = make_run_control("ray", url, runs_dir=tmp_path, num_cpus=4)
    assert isinstance(ray, RayRunControl)
    assert (ray.address, ray.num_cpus, ray.num_gpus) == ("http://head:8265", 4, 2.0)
    with pytest.raises(ValueError, match="one of local, ray"):
        make_run_control("slurm", url)
    with pytest.raises(ValueError, match="for --on ray"):
        make_run_control("local", url, num_gpus=1)


def test_an_existing_run_is_stopped_and_checked_where_it_trains(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    on_ray = _run("ray:trainchat-r1-1@http://gpu-head:8265")
    assert (ray_job_id(on_ray), ray_address_of(on_ray)) == (
        "trainchat-r1-1",
        "http://gpu-head:8265",
    )
    owner = control_for_run(on_ray, url)
    assert isinstance(owner, RayRunControl) and owner.address == "http://gpu-head:8265"
    assert isinstance(control_for_run(_run("local:12:1.0@here"), url), LocalRunControl)
    assert isinstance(control_for_run(None, url), LocalRunControl)
    assert ray_job_id(_run("local:12:1.0@here")) is None


def test_the_chat_on_ray_still_checks_a_run_started_on_this_machine(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    ray = RayRunControl("http://127.0.0.1:9", db_url=url, runs_dir=tmp_path)
    local_run = TrainingRun(
        run_id="r1", status="running", epochs=3, output_dir=str(tmp_path / "r1"),
        worker="local:999999:1.0@" + __import__("socket").gethostname(),
    )  # fmt: skip
    checked = ray.refresh(local_run)  # no cluster needed: the local control looks at the pid
    assert checked.status == "failed" and "died" in (checked.error or "")
    ended = _run("ray:trainchat-r1-1@http://127.0.0.1:9", status="succeeded")
    assert ray.refresh(ended) == ended  # an ended run is not looked up at all


def test_waiting_is_only_kept_while_the_run_is_queued() -> None:
    queued = TrainingRun(run_id="r", epochs=1, output_dir="/x", waiting="not enough resources: …")
    assert queued.waiting
    running = TrainingRun.model_validate({**queued.model_dump(), "status": "running"})
    assert running.waiting is None
