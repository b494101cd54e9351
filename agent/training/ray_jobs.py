"""``RayRunControl``: training runs as Ray Jobs on a cluster, reported into the same conversation.

Why Ray Jobs: the conversation stays where the user is (a laptop, a server) and the training goes
where the GPUs are, through the engine a Python team already runs, instead of a home-made queue.
It is the second ``graph.run.RunControl``, beside ``LocalRunControl``, and shares its worker:
the job's entrypoint is ``agent.training.ray_entry`` (writes the job document on the node, checks
the database from there), which runs ``agent.training.worker`` with the same arguments a local
run gets. The worker reports each epoch into the conversation's database under the turn lock, so
``show``, the chat and the notebook see no difference between the two.

What the cluster tells and the conversation shows:

* ``start`` submits the job (``entrypoint_num_cpus``/``entrypoint_num_gpus`` from the
  arguments), records ``ray:<submission id>`` in ``TrainingRun.worker`` and returns it
  ``queued``; if no node of the cluster can ever hold the job, the run says so in ``waiting``.
* ``refresh`` maps ``get_job_status``: PENDING → still ``queued`` with the reason in ``waiting``
  (no node has the resources, or the cluster is busy), FAILED → ``failed`` with the tail of
  ``get_job_logs``, a job the cluster lost (404: its head restarted, or it was deleted) →
  ``failed`` with the tail of the run folder's ``worker.log`` (Ray kept no logs of it),
  STOPPED → ``cancelled``. Any other refusal of the Jobs API leaves the run as it is.
* ``stop`` → ``stop_job``, then waits until Ray reports the job ended.
"""

from __future__ import annotations

import os
import re
import shlex
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.training.ray_cluster import (
    RAY_ADDRESS_ENV,
    RayClusterError,
    check_database_for_cluster,
    cluster_nodes,
    connect,
    dashboard_url,
    database_for_cluster,
    resource_shortfall,
)
from agent.training.ray_entry import DB_UNREACHABLE_EXIT, JOB_ENV, MESSAGE_PREFIX
from agent.training.reporting import with_status
from agent.training.worker import TRAINER_ENV
from agent.training.worker_files import (
    WorkerFiles,
    folder_name,
    new_run_id,
    resolve_runs_dir,
    utc_now,
)
from graph.job import TrainingJob
from graph.run import RunControl, TrainingRun

if TYPE_CHECKING:
    from ray.job_submission import JobSubmissionClient

__all__ = [
    "RayRunControl",
    "RayClusterError",
    "RayRunAlreadyActiveError",
    "RAY_WORKER_PREFIX",
    "RAY_CPUS_ENV",
    "RAY_GPUS_ENV",
    "ray_job_id",
    "ray_address_of",
]

RAY_WORKER_PREFIX = "ray:"
"""``TrainingRun.worker`` of a run on Ray: ``ray:<submission id>@<dashboard address>`` (the
address lets a later ``trainchat stop``/``runs`` find the cluster without being told again)."""
RAY_CPUS_ENV = "TRAINCHAT_RAY_CPUS"
"""Default CPUs a run asks the cluster for (``--cpus``)."""
RAY_GPUS_ENV = "TRAINCHAT_RAY_GPUS"
"""Default GPUs a run asks the cluster for (``--gpus``)."""
PENDING_GRACE_S = 10.0
"""A job pending longer than this on a cluster that could hold it is reported as waiting."""
_ACTIVE_JOB_STATUSES = ("PENDING", "RUNNING")
_FAILED_LINE = re.compile(r"run \S+ attempt \d+ failed: (?P<error>.+)$")


class RayRunAlreadyActiveError(RuntimeError):
    """``start`` refused: a Ray job of this thread is still pending or running."""


def ray_job_id(run: TrainingRun) -> str | None:
    """The Ray submission id of ``run``, or ``None`` for a run that is not on Ray."""
    if run.worker and run.worker.startswith(RAY_WORKER_PREFIX):
        return run.worker.removeprefix(RAY_WORKER_PREFIX).partition("@")[0]
    return None


def ray_address_of(run: TrainingRun) -> str | None:
    """The dashboard address ``run`` was submitted to, or ``None`` (not on Ray, or not recorded)."""
    if run.worker and run.worker.startswith(RAY_WORKER_PREFIX):
        return run.worker.partition("@")[2] or None
    return None


def _env_float(name: str) -> float | None:
    value = os.environ.get(name)
    return float(value) if value else None


class RayRunControl:
    """Start, stop and check training runs as Ray Jobs (``graph.run.RunControl``)."""

    def __init__(
        self,
        address: str | None = None,
        *,
        db_url: str,
        runs_dir: str | os.PathLike[str] | None = None,
        num_cpus: float | None = None,
        num_gpus: float | None = None,
        trainer: str | None = None,
        python: str = "python",
        runtime_env: dict[str, Any] | None = None,
        pending_grace_s: float = PENDING_GRACE_S,
        stop_timeout_s: float = 30.0,
        log_tail_lines: int = 20,
    ) -> None:
        """``address`` is the cluster's dashboard (default ``$TRAINCHAT_RAY_ADDRESS``, else
        ``http://127.0.0.1:8265``); ``db_url`` the conversation's database, which the cluster's
        nodes must reach; ``runs_dir`` the run folders as the nodes see them (default
        ``$TRAINCHAT_RUNS_DIR``, else ``./runs`` here). ``num_cpus``/``num_gpus`` (default
        ``$TRAINCHAT_RAY_CPUS``/``$TRAINCHAT_RAY_GPUS``, else 1 CPU) are what each run asks
        for; ``runtime_env`` is merged into the job's (``pip``, ``working_dir`` …) for clusters
        that do not have trainchat installed; ``python`` runs the entrypoint on the node."""
        self.address = address or os.environ.get(RAY_ADDRESS_ENV) or "http://127.0.0.1:8265"
        self.db_url = db_url
        self.runs_dir = resolve_runs_dir(runs_dir)
        self.num_cpus = num_cpus if num_cpus is not None else (_env_float(RAY_CPUS_ENV) or 1.0)
        self.num_gpus = num_gpus if num_gpus is not None else _env_float(RAY_GPUS_ENV)
        self.trainer = trainer
        self.python = python
        self.runtime_env = dict(runtime_env or {})
        self.pending_grace_s = pending_grace_s
        self.stop_timeout_s = stop_timeout_s
        self.log_tail_lines = log_tail_lines
        self._clients: dict[str, JobSubmissionClient] = {}

    def client(self, address: str | None = None) -> JobSubmissionClient:
        """The Jobs API client of ``address`` (default: this control's), connected once;
        ``RayClusterError`` when the cluster is not there."""
        address = dashboard_url(address or self.address)
        if address not in self._clients:
            self._clients[address] = connect(address)
        return self._clients[address]

    def _local(self, run: TrainingRun) -> RunControl:
        """This machine's control, for a run that is not on Ray."""
        from agent.training.controls import control_for_run

        return control_for_run(run, self.db_url, runs_dir=self.runs_dir)

    def _client_of(self, run: TrainingRun) -> JobSubmissionClient:
        """The client of the cluster ``run`` was submitted to (it may not be this control's)."""
        return self.client(ray_address_of(run))

    # --- start ---------------------------------------------------------------------------

    def start(
        self, job: TrainingJob, *, thread_id: str, resume: TrainingRun | None = None
    ) -> TrainingRun:
        """Submit ``job`` as a Ray job and return the run ``queued`` (``worker`` = ``ray:<id>``).

        Raises ``RayClusterError`` (cluster unreachable, database the cluster cannot reach) and
        ``RayRunAlreadyActiveError`` (a job of this thread still running there) before anything
        is submitted; ``RayClusterError`` too when the cluster refuses the submission.
        """
        client = self.client()
        nodes = cluster_nodes(self.address)
        db_url = database_for_cluster(self.db_url)
        check_database_for_cluster(db_url, nodes)
        self._refuse_if_active(client, thread_id)
        if resume is not None:
            run_id, attempt, run_dir = resume.run_id, resume.attempt + 1, Path(resume.output_dir)
        else:
            run_id, attempt = new_run_id(), 1
            run_dir = self.runs_dir / folder_name(thread_id) / run_id
        submission_id = f"trainchat-{run_id}-{attempt}"
        worker_args = [
            "--thread", thread_id, "--run-id", run_id,
            "--run-dir", str(run_dir), "--attempt", str(attempt),
        ]  # fmt: skip
        if resume is not None:
            worker_args.append("--resume")
        trainer = self.trainer or os.environ.get(TRAINER_ENV)  # the choice travels with the job
        if trainer:
            worker_args += ["--trainer", trainer]
        env_vars = {
            **dict(self.runtime_env.get("env_vars") or {}),
            "TRAINCHAT_DB": db_url,
            JOB_ENV: job.to_json(),
            "PYTHONUNBUFFERED": "1",
        }
        try:
            client.submit_job(
                entrypoint=shlex.join(
                    [self.python, "-m", "agent.training.ray_entry", *worker_args]
                ),
                submission_id=submission_id,
                runtime_env={**self.runtime_env, "env_vars": env_vars},
                metadata={"trainchat_thread": thread_id, "trainchat_run": run_id},
                entrypoint_num_cpus=self.num_cpus,
                entrypoint_num_gpus=self.num_gpus,
            )
        except (RuntimeError, OSError) as refused:  # a 4xx/5xx from the Jobs API, or gone
            reason = " ".join(str(refused).split())[:300]
            raise RayClusterError(f"the Ray cluster refused the job: {reason}") from refused
        waiting = resource_shortfall(nodes, cpus=self.num_cpus, gpus=self.num_gpus)
        fields: dict[str, Any] = {
            "worker": f"{RAY_WORKER_PREFIX}{submission_id}@{dashboard_url(self.address)}",
            "attempt": attempt,
            "waiting": waiting,
        }
        if resume is not None:
            return with_status(resume, "queued", error=None, log_tail=(), ended_at=None, **fields)
        return TrainingRun(
            run_id=run_id,
            status="queued",
            epochs=job.config.epochs or 0,
            output_dir=str(run_dir),
            **fields,
        )

    def _refuse_if_active(self, client: JobSubmissionClient, thread_id: str) -> None:
        """Refuse a second job while one of this thread trains on the cluster.

        Only RUNNING counts: a PENDING job is either the conversation's own queued run (which
        the conversation refuses to start twice) or one that was stopped before it was placed,
        which ends the moment it would start.
        """
        for details in client.list_jobs():
            metadata = details.metadata or {}
            if metadata.get("trainchat_thread") != thread_id or str(details.status) != "RUNNING":
                continue
            raise RayRunAlreadyActiveError(
                f"run {metadata.get('trainchat_run')} of this thread is still running on the "
                f"Ray cluster (job {details.submission_id}); stop it first (`trainchat stop` or "
                "say 'stop training')"
            )

    # --- stop ----------------------------------------------------------------------------

    def stop(self, run: TrainingRun) -> TrainingRun:
        """``stop_job`` and wait until Ray reports the job ended; return the run ``cancelled``.

        A run that already ended is returned unchanged; one that ended on its own while being
        stopped is returned as it ended. A job still PENDING cannot be ended by Ray before it is
        placed (ray-project/ray#56102): the stop is delivered to its supervisor, which ends the
        job the moment it would start, so the run is ``cancelled`` at once and the job may show
        PENDING until then.
        """
        job_id = ray_job_id(run)
        if not run.active:
            return run
        if job_id is None:  # started on this machine before the agent was pointed at Ray
            return self._local(run).stop(run)
        client = self._client_of(run)
        try:
            was = str(client.get_job_status(job_id))
            client.stop_job(job_id)
        except RuntimeError:  # the job is unknown to the cluster: nothing left to stop
            return self.refresh(run)
        deadline = time.monotonic() + self.stop_timeout_s
        while was != "PENDING" and str(client.get_job_status(job_id)) in _ACTIVE_JOB_STATUSES:
            if time.monotonic() > deadline:
                raise RayClusterError(
                    f"the Ray job {job_id} did not stop within {self.stop_timeout_s:.0f} s; "
                    f"check it with `ray job status {job_id}` and `ray job stop {job_id}`"
                )
            time.sleep(0.2)
        ended = self.refresh(run)
        if ended.status == "succeeded":  # it finished before the stop landed
            return ended
        return with_status(run, "cancelled", ended_at=utc_now(), error=None)

    # --- refresh -------------------------------------------------------------------------

    def refresh(self, run: TrainingRun) -> TrainingRun:
        """``run`` as the cluster reports it: ended runs with how they ended, a pending one with
        why it waits; anything else unchanged. A cluster that cannot be reached leaves the run
        as it is, with the reason in ``waiting`` while it is queued."""
        job_id = ray_job_id(run)
        if not run.active:
            return run
        if job_id is None:  # started on this machine before the agent was pointed at Ray
            return self._local(run).refresh(run)
        try:
            client = self._client_of(run)
            info = client.get_job_info(job_id)
        except (RayClusterError, OSError) as unreachable:  # requests' errors are OSErrors
            self._clients.pop(dashboard_url(ray_address_of(run) or self.address), None)
            reason = str(unreachable).splitlines()[0] if str(unreachable) else "unreachable"
            return _waiting(run, reason) if run.status == "queued" else run
        except RuntimeError as answered:  # the Jobs API said no: lost (404) or a passing error
            if not _is_not_found(answered):  # a 5xx of a busy head says nothing about the job
                return run
            return self._lost(run, job_id)
        status = str(info.status)
        if status == "PENDING":
            return self._pending(run, info)
        if status == "RUNNING":
            return _waiting(run, None) if run.waiting else run
        ended_at = _iso(info.end_time) or utc_now()
        if status == "STOPPED":
            return with_status(run, "cancelled", ended_at=ended_at, error=None)
        if status == "SUCCEEDED":  # the worker exits 0 only after training succeeded
            return with_status(run, "succeeded", ended_at=ended_at, error=None)
        tail = self._log_tail(client, job_id)
        exit_code = info.driver_exit_code
        if exit_code == 143:  # the worker cancelled itself (the conversation moved on)
            return with_status(run, "cancelled", ended_at=ended_at, log_tail=tail)
        return with_status(
            run,
            "failed",
            error=_failure_line(info, tail, run),
            log_tail=tail,
            ended_at=ended_at,
        )

    def _lost(self, run: TrainingRun, job_id: str) -> TrainingRun:
        """``run`` failed because its cluster no longer knows its job: the head restarted (which
        ends every job on it) or the job was deleted. Ray has no logs of it any more; the run
        folder's ``worker.log`` has, where this machine sees the folder (a local head, a shared
        disk)."""
        return with_status(
            run,
            "failed",
            error=f"the Ray cluster no longer knows job {job_id} (its head restarted or the job "
            f"was deleted), so the run ended with it; {_resume_hint(run)}",
            log_tail=WorkerFiles(Path(run.output_dir)).log_tail(self.log_tail_lines),
            ended_at=utc_now(),
        )

    def _pending(self, run: TrainingRun, info: Any) -> TrainingRun:
        try:
            shortfall = resource_shortfall(
                cluster_nodes(ray_address_of(run) or self.address),
                cpus=self.num_cpus,
                gpus=self.num_gpus,
            )
        except RayClusterError as unreachable:
            shortfall = str(unreachable)
        waited = (time.time() * 1000 - (info.start_time or 0)) / 1000
        if shortfall is None and waited > self.pending_grace_s:
            shortfall = (
                f"waiting {waited:.0f} s for the Ray cluster to start it: every node that could "
                "hold it is busy with other jobs"
            )
        return run if shortfall == run.waiting else _waiting(run, shortfall)

    def _log_tail(self, client: JobSubmissionClient, job_id: str) -> tuple[str, ...]:
        try:
            logs = client.get_job_logs(job_id)
        except RuntimeError:
            return ()
        lines = [line for line in logs.splitlines() if line.strip()]
        return tuple(lines[-self.log_tail_lines :])


def _failure_line(info: Any, tail: tuple[str, ...], run: TrainingRun) -> str:
    """One line saying why the job failed: the worker's or the entrypoint's own words first."""
    for line in reversed(tail):
        if line.startswith(MESSAGE_PREFIX):
            return line.removeprefix(MESSAGE_PREFIX)
        found = _FAILED_LINE.search(line)
        if found:
            return found.group("error")
    code = info.driver_exit_code
    resume = _resume_hint(run)
    # Ray runs the entrypoint through a shell: a signal shows as -N, or as 128 + N from the shell
    signal_number = -code if code is not None and code < 0 else None
    if code is not None and 128 < code < 160:
        signal_number = code - 128
    if signal_number is not None:
        return (
            f"the training worker on the Ray cluster was killed by signal {signal_number} (a "
            f"kill, the out-of-memory killer, or its node went away); {resume}"
        )
    if code == DB_UNREACHABLE_EXIT:
        return "the Ray job could not reach the conversation's database"
    message = " ".join(str(info.message or "").split("\n", 1)[0].split())
    return f"the Ray job failed: {message or info.error_type or 'no reason given'}; {resume}"


def _resume_hint(run: TrainingRun) -> str:
    return f"resume continues from epoch {run.epoch}" if run.epoch else "resume starts it again"


def _is_not_found(error: RuntimeError) -> bool:
    """Whether the Jobs API answered 404 (``JobSubmissionClient`` raises every non-200 as
    ``RuntimeError("Request failed with status code <code>: …")``)."""
    return "status code 404" in str(error)


def _iso(milliseconds: int | None) -> str | None:
    if not milliseconds:
        return None
    return datetime.fromtimestamp(milliseconds / 1000, UTC).isoformat(timespec="seconds")


def _waiting(run: TrainingRun, reason: str | None) -> TrainingRun:
    """``run`` (still queued) with why it waits; a new object."""
    return run.model_copy(update={"waiting": reason})
