"""Training runs on a real Ray head: submitted, reported into the conversation, stopped, killed,
left pending, refused a database. Run by ``test_ray_cluster.py`` inside a network namespace
(the ``ray_head`` fixture skips anywhere else).

The worker is the real one (``agent.training.worker``, through ``agent.training.ray_entry``) and
reports into a real SQLite file the head and the agent share, or into PostgreSQL through its unix
socket (the namespace hides the host's loopback, not its file system); the scripted trainer
stands in for a framework where the scenario is about the run's life rather than the training
itself.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from agent import create_agent
from agent.training.ray_jobs import RayRunAlreadyActiveError, RayRunControl, ray_job_id
from graph.run import TrainingRun
from tests.databases import POSTGRES_SOCKET_ADMIN_URL, server_database
from tests.ray.cluster import LocalRayHead
from tests.runs.conftest import (
    SCRIPTED_TRAINER,
    children_of,
    confirm_job,
    start_and_store,
    stored_run,
    thread,
    wait_for,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A tiny generated imagefolder dataset."""
    from graph.datasets.samples import make_sample_dataset

    return make_sample_dataset(tmp_path / "data", "imagefolder", images_per_class=4)


@pytest.fixture
def agent(sqlite_db: str) -> Any:
    """An offline agent on a SQLite file (the head shares this machine)."""
    return create_agent(db=sqlite_db, llm="offline")


@pytest.fixture
def postgres_socket_db() -> Iterator[str]:
    """A fresh PostgreSQL database reached through the server's unix socket, the way into the
    host's PostgreSQL from inside the network namespace (in CI a missing one fails the test)."""
    with server_database("postgres", admin_url=POSTGRES_SOCKET_ADMIN_URL) as url:
        yield url


def ray_runs(
    head: LocalRayHead, db_url: str, tmp_path: Path, *, epoch_s: float = 0.2, **options: Any
) -> RayRunControl:
    """A ``RayRunControl`` on ``head`` with the scripted trainer."""
    return RayRunControl(
        head.address,
        db_url=db_url,
        runs_dir=tmp_path / "runs",
        trainer=SCRIPTED_TRAINER,
        runtime_env={"env_vars": {"SCRIPTED_EPOCH_S": str(epoch_s)}},
        **options,
    )


def ray_status(runs: RayRunControl, run: TrainingRun) -> str:
    job_id = ray_job_id(run)
    assert job_id is not None
    return str(runs.client().get_job_status(job_id))


def wait_for_ray(runs: RayRunControl, run: TrainingRun, statuses: tuple[str, ...]) -> str:
    deadline = time.monotonic() + 60
    while (status := ray_status(runs, run)) not in statuses:
        assert time.monotonic() < deadline, f"Ray job still {status}"
        time.sleep(0.2)
    return status


def worker_processes(run: TrainingRun) -> list[psutil.Process]:
    """Live processes of ``run`` (the entry shim and the worker name its run id)."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        try:
            if process.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            if run.run_id in " ".join(process.info["cmdline"] or ()):
                found.append(process)
        except psutil.NoSuchProcess:
            continue
    return found


def run_two_epochs_to_success(
    ray_head: LocalRayHead, agent: Any, runs: RayRunControl, job: Any, thread_id: str
) -> TrainingRun:
    """Start the two-epoch ``job`` of ``thread_id`` on Ray and check it reports both epochs into
    the conversation and succeeds, on the cluster too; returns the run as it started."""
    run = start_and_store(agent, runs, job, thread_id)
    assert run.status == "queued" and run.waiting is None
    job_id = ray_job_id(run)
    assert job_id is not None and run.worker == f"ray:{job_id}@{ray_head.address}"

    done = wait_for(agent, thread_id, lambda r: not r.active, timeout=120)
    assert done.status == "succeeded", (done.error, done.log_tail)
    assert done.epoch == 2 and [e.epoch for e in done.history] == [1, 2]
    assert done.metrics_dict()["top1"] == pytest.approx(0.2)
    assert done.worker == run.worker and done.error is None
    assert wait_for_ray(runs, run, ("SUCCEEDED", "FAILED", "STOPPED")) == "SUCCEEDED"
    assert "epoch 2/2" in runs.client().get_job_logs(job_id)  # Ray's log of the job
    assert runs.refresh(done) == done  # an ended run is left as it is
    return run


def test_a_run_on_ray_reports_each_epoch_into_the_conversation_and_succeeds(
    ray_head: LocalRayHead, agent: Any, sqlite_db: str, dataset: Path, tmp_path: Path
) -> None:
    job = confirm_job(agent, "t", dataset, epochs=2)
    runs = ray_runs(ray_head, sqlite_db, tmp_path)
    run = run_two_epochs_to_success(ray_head, agent, runs, job, "t")
    folder = Path(run.output_dir)
    assert folder.parent.parent == tmp_path / "runs"
    assert (folder / "job.json").read_text() == job.to_json()  # the document the job carried
    assert "epoch 2/2" in (folder / "worker.log").read_text()  # the log on the node too


def test_a_run_on_ray_reports_each_epoch_into_a_postgresql_conversation_and_succeeds(
    ray_head: LocalRayHead, postgres_socket_db: str, dataset: Path, tmp_path: Path
) -> None:
    from tests.cli.running import run_trainchat

    agent = create_agent(db=postgres_socket_db, llm="offline")
    job = confirm_job(agent, "pg", dataset, epochs=2)
    runs = ray_runs(ray_head, postgres_socket_db, tmp_path)
    run = run_two_epochs_to_success(ray_head, agent, runs, job, "pg")
    # another process on the same database (the CLI) sees what the worker on the cluster wrote
    shown = run_trainchat(
        "show", "--json", "--db", postgres_socket_db, "--thread", "pg", home=tmp_path / "home"
    )
    assert shown.returncode == 0, shown.stderr
    shown_run = json.loads(shown.stdout)["run"]
    assert (shown_run["status"], shown_run["worker"]) == ("succeeded", run.worker)
    assert [entry["epoch"] for entry in shown_run["history"]] == [1, 2]


def test_a_job_the_cluster_no_longer_knows_becomes_failed_with_its_log_tail(
    ray_head: LocalRayHead, agent: Any, sqlite_db: str, dataset: Path, tmp_path: Path
) -> None:
    runs = ray_runs(ray_head, sqlite_db, tmp_path, epoch_s=1.5)
    never = TrainingRun(
        run_id="r0", status="running", epochs=3, epoch=1, output_dir=str(tmp_path / "r0"),
        worker=f"ray:trainchat-r0-1@{ray_head.address}",
    )  # fmt: skip
    unknown = runs.refresh(never)
    assert unknown.status == "failed" and unknown.ended_at and unknown.log_tail == ()
    assert unknown.error == (
        "the Ray cluster no longer knows job trainchat-r0-1 (its head restarted or the job was "
        "deleted), so the run ended with it; resume continues from epoch 1"
    )

    # a job that trained an epoch, then went with its head: killed, and the cluster forgets it
    job = confirm_job(agent, "lost", dataset, epochs=4)
    run = start_and_store(agent, runs, job, "lost")
    wait_for(agent, "lost", lambda r: r.epoch >= 1, timeout=120)
    for worker in worker_processes(run):
        if "agent.training.worker" in worker.cmdline():
            worker.send_signal(signal.SIGKILL)
    job_id = ray_job_id(run)
    assert job_id is not None
    assert wait_for_ray(runs, run, ("FAILED", "SUCCEEDED", "STOPPED")) == "FAILED"
    assert runs.client().delete_job(job_id)
    stored = stored_run(agent, "lost")
    assert stored is not None and stored.active  # nobody told the conversation
    lost = runs.refresh(stored)
    assert lost.status == "failed", lost
    assert lost.error is not None and f"no longer knows job {job_id}" in lost.error
    assert f"resume continues from epoch {stored.epoch}" in lost.error
    assert any("epoch 1/4" in line for line in lost.log_tail), lost.log_tail  # worker.log's
    assert runs.stop(stored).status == "failed"  # stopping a lost job says the same

    agent.update_state_with(thread("lost"), lambda values: {"run": lost})
    resumed = start_and_store(agent, runs, job, "lost", resume=lost)
    assert (resumed.run_id, resumed.attempt) == (run.run_id, 2)
    done = wait_for(agent, "lost", lambda r: r.attempt == 2 and not r.active, timeout=120)
    assert done.status == "succeeded", (done.error, done.log_tail)
    assert [entry.epoch for entry in done.history] == [1, 2, 3, 4]


def test_a_second_start_while_the_thread_has_a_ray_job_is_refused(
    ray_head: LocalRayHead, agent: Any, sqlite_db: str, dataset: Path, tmp_path: Path
) -> None:
    job = confirm_job(agent, "dup", dataset, epochs=30)
    runs = ray_runs(ray_head, sqlite_db, tmp_path, epoch_s=1.0)
    run = start_and_store(agent, runs, job, "dup")
    wait_for(agent, "dup", lambda r: r.status == "running", timeout=120)
    with pytest.raises(RayRunAlreadyActiveError, match="stop it first"):
        runs.start(job, thread_id="dup")
    agent.update_state_with(thread("dup"), lambda values: {"run": runs.stop(run)})
    assert ray_status(runs, run) == "STOPPED"


def test_stop_ends_the_ray_job_and_every_process_of_the_run(
    ray_head: LocalRayHead, agent: Any, sqlite_db: str, dataset: Path, tmp_path: Path
) -> None:
    job = confirm_job(agent, "s", dataset, epochs=50)
    runs = ray_runs(ray_head, sqlite_db, tmp_path, epoch_s=1.0)
    run = start_and_store(agent, runs, job, "s")
    running = wait_for(agent, "s", lambda r: r.epoch >= 1, timeout=120)
    loaders = children_of(running)
    assert loaders and worker_processes(run)

    stopped: list[TrainingRun] = []

    def stop(values: dict[str, Any]) -> dict[str, Any]:
        stopped.append(runs.stop(values["run"]))
        return {"run": stopped[0]}

    agent.update_state_with(thread("s"), stop)
    assert stopped[0].status == "cancelled" and stopped[0].ended_at
    assert ray_status(runs, run) == "STOPPED"
    assert stored_run(agent, "s") == stopped[0]
    deadline = time.monotonic() + 10
    while worker_processes(run) or any(psutil.pid_exists(pid) for pid in loaders):
        assert time.monotonic() < deadline, [p.cmdline() for p in worker_processes(run)]
        time.sleep(0.2)
    time.sleep(1.5)  # a late report from a worker that outlived the stop would land here
    assert stored_run(agent, "s") == stopped[0]


def test_a_killed_ray_job_becomes_failed_with_its_log_tail_then_resumes_to_the_end(
    ray_head: LocalRayHead, agent: Any, sqlite_db: str, dataset: Path, tmp_path: Path
) -> None:
    job = confirm_job(agent, "k", dataset, epochs=4)
    runs = ray_runs(ray_head, sqlite_db, tmp_path, epoch_s=1.5)
    run = start_and_store(agent, runs, job, "k")
    running = wait_for(agent, "k", lambda r: r.epoch >= 1, timeout=120)
    assert runs.refresh(running) == running  # alive: unchanged

    workers = [p for p in worker_processes(run) if "agent.training.worker" in p.cmdline()]
    assert len(workers) == 1
    workers[0].send_signal(signal.SIGKILL)
    assert wait_for_ray(runs, run, ("FAILED", "SUCCEEDED", "STOPPED")) == "FAILED"

    stored = stored_run(agent, "k")
    assert stored is not None and stored.active  # nobody told the conversation yet
    failed = runs.refresh(stored)
    assert failed.status == "failed", failed
    assert failed.error is not None and "killed by signal 9" in failed.error
    assert f"resume continues from epoch {stored.epoch}" in failed.error
    assert failed.ended_at and failed.log_tail
    assert any("epoch 1/4" in line for line in failed.log_tail), failed.log_tail
    deadline = time.monotonic() + 10
    while any(psutil.pid_exists(pid) for pid in children_of(running)):
        assert time.monotonic() < deadline, "the killed worker's data loader outlived it"
        time.sleep(0.2)

    agent.update_state_with(thread("k"), lambda values: {"run": failed})
    resumed = start_and_store(agent, runs, job, "k", resume=failed)
    assert (resumed.run_id, resumed.attempt, resumed.status) == (run.run_id, 2, "queued")
    assert ray_job_id(resumed) != ray_job_id(run)  # a new Ray job for the same run
    done = wait_for(agent, "k", lambda r: r.attempt == 2 and not r.active, timeout=120)
    assert done.status == "succeeded", (done.error, done.log_tail)
    assert done.epoch == 4 and [entry.epoch for entry in done.history] == [1, 2, 3, 4]


def test_a_run_asking_for_a_gpu_the_cluster_lacks_stays_queued_and_says_so(
    ray_head: LocalRayHead, agent: Any, sqlite_db: str, dataset: Path, tmp_path: Path
) -> None:
    job = confirm_job(agent, "g", dataset, epochs=1)
    runs = ray_runs(ray_head, sqlite_db, tmp_path, num_gpus=1)
    run = runs.start(job, thread_id="g")
    assert run.status == "queued"
    assert run.waiting is not None
    assert "not enough resources" in run.waiting and "1 GPU" in run.waiting
    assert "--gpus 0" in run.waiting
    time.sleep(2)
    still = runs.refresh(run)
    assert still.status == "queued" and still.waiting == run.waiting
    assert ray_status(runs, run) == "PENDING"
    cancelled = runs.stop(run)
    assert cancelled.status == "cancelled" and cancelled.waiting is None
    # Ray ends a stopped PENDING job only once it would be placed (ray-project/ray#56102);
    # it must not block a new start of the thread meanwhile.
    assert ray_status(runs, run) in ("PENDING", "STOPPED")
    runs.num_gpus = None
    again = start_and_store(agent, runs, job, "g")
    assert again.waiting is None and again.run_id != run.run_id
    assert wait_for(agent, "g", lambda r: not r.active, timeout=120).status == "succeeded"


def test_a_database_the_cluster_cannot_reach_fails_the_run_with_that_reason(
    ray_head: LocalRayHead, agent: Any, dataset: Path, tmp_path: Path
) -> None:
    job = confirm_job(agent, "d", dataset, epochs=1)
    unreachable = "postgresql+psycopg://app:secret@127.0.0.1:9/chat"  # nothing listens on 9
    runs = ray_runs(ray_head, unreachable, tmp_path)
    run = runs.start(job, thread_id="d")
    assert wait_for_ray(runs, run, ("FAILED", "SUCCEEDED", "STOPPED")) == "FAILED"
    failed = runs.refresh(run)
    assert failed.status == "failed", failed
    assert failed.error is not None
    assert "not reachable from Ray node" in failed.error and "secret" not in failed.error
    assert not (Path(run.output_dir) / "metrics.jsonl").exists()  # nothing trained


def yolo_turns(data: Path, epochs: int) -> list[str]:
    """The conversation to a confirmed one-class-per-colour YOLO detection job on ``data``."""
    return [
        "train yolov8n for object detection",
        f"my dataset is in {data}",
        f"{epochs} epochs, batch size 4, learning rate 0.01",
        "from scratch",
        "image size 64",
        "yes",
    ]


def say(agent: Any, thread_id: str, text: str) -> dict[str, Any]:
    return agent.invoke({"messages": [{"role": "user", "content": text}]}, thread(thread_id))


def test_a_one_epoch_ultralytics_run_started_from_the_chat_succeeds_on_ray(
    ray_head: LocalRayHead, sqlite_db: str, tmp_path: Path
) -> None:
    pytest.importorskip("ultralytics")
    from tests.training.datasets import make_dataset

    data = make_dataset(tmp_path / "yolo", "detect")
    runs = RayRunControl(
        ray_head.address,
        db_url=sqlite_db,
        runs_dir=tmp_path / "runs",
        runtime_env={"env_vars": {"OMP_NUM_THREADS": "1"}},
    )
    chat = create_agent(db=sqlite_db, llm="offline", runs=runs)
    for text in yolo_turns(data, 1):
        out = say(chat, "y", text)
    assert out["step"] == "done", out["messages"][-1].content

    started = say(chat, "y", "start training")["run"]
    assert started.status == "queued" and started.worker.startswith("ray:trainchat-")
    done = wait_for(chat, "y", lambda r: not r.active, timeout=300)
    assert done.status == "succeeded", (done.error, done.log_tail)
    assert done.epoch == 1 and len(done.history) == 1
    assert done.main_metric and done.main_metric in done.metrics_dict()
    assert done.weights and Path(done.weights).is_file()
    assert wait_for_ray(runs, started, ("SUCCEEDED", "FAILED", "STOPPED")) == "SUCCEEDED"
    reply = say(chat, "y", "how is training going?")["messages"][-1].content
    assert "finished" in reply.lower() and done.run_id in reply


def test_trainchat_run_on_ray_then_stop_without_being_told_the_address_again(
    ray_head: LocalRayHead, sqlite_db: str, tmp_path: Path
) -> None:
    pytest.importorskip("ultralytics")
    from tests.cli.running import run_trainchat
    from tests.training.datasets import make_dataset

    data = make_dataset(tmp_path / "yolo", "detect")
    chat = create_agent(db=sqlite_db, llm="offline")
    for text in yolo_turns(data, 50):
        out = say(chat, "cli", text)
    assert out["step"] == "done"
    home = tmp_path / "home"
    started = run_trainchat(
        "run", "--on", "ray", "--address", ray_head.address, "--cpus", "1",
        "--db", sqlite_db, "--thread", "cli", "--runs-dir", str(tmp_path / "runs"), home=home,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    run = stored_run(chat, "cli")
    assert run is not None and ray_job_id(run) is not None
    assert f"Ray job {ray_job_id(run)}" in started.stdout
    wait_for(chat, "cli", lambda r: r.status == "running", timeout=180)

    stopped = run_trainchat("stop", "--db", sqlite_db, "--thread", "cli", home=home)
    assert stopped.returncode == 0, stopped.stderr
    assert f"cancelled run {run.run_id}" in stopped.stdout
    runs = RayRunControl(ray_head.address, db_url=sqlite_db)
    assert ray_status(runs, run) == "STOPPED"
    ended = stored_run(chat, "cli")
    assert ended is not None and ended.status == "cancelled"
    listed = run_trainchat("runs", "--json", "--db", sqlite_db, home=home)
    assert listed.returncode == 0, listed.stderr
    assert '"status": "cancelled"' in listed.stdout
