"""``LocalRunControl``: runs on this machine, one worker process per run, outliving its starter.

Why a process per run, in its own session: training takes minutes to hours; the ``trainchat
run`` command, a chat or a notebook that started it may end first. ``start_new_session`` keeps
the worker out of the starter's terminal (Ctrl-C there does not kill the training) and makes
its pid a process-group id, so ``stop`` can end it together with its data-loader children.

Why liveness from two signals: the pid plus its start time tells at once whether the process
is gone (SIGKILL, OOM killer, reboot, pid reused), and the heartbeat file in the run folder
catches a worker that lives but stopped working (and a worker on another host, whose pid means
nothing here).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agent.training.extra import missing_extra_message, missing_training_packages
from agent.training.main_metric import main_metric
from agent.training.processes import WorkerIdentity, end_process_group, group_members
from agent.training.reporting import with_status
from agent.training.worker_files import (
    WorkerFiles,
    folder_name,
    new_run_id,
    resolve_runs_dir,
    utc_now,
)
from graph.job import TrainingJob
from graph.run import TrainingRun

__all__ = [
    "LocalRunControl",
    "RunAlreadyActiveError",
    "TrainExtraMissingError",
    "HEARTBEAT_LEASE_S",
]

HEARTBEAT_LEASE_S = 30.0
"""A live worker whose heartbeat is older than this has stopped working (a hung process): it
is ended and its run reported failed. Generous, because a loaded machine delays the thread."""

STARTUP_GRACE_S = 60.0
"""How long a new worker may go without its first heartbeat (importing torch takes seconds)."""


class TrainExtraMissingError(RuntimeError):
    """``start`` refused: torch or the job's framework is not installed (the ``train`` extra)."""


class RunAlreadyActiveError(RuntimeError):
    """``start`` refused: a worker of this thread is still running (never start a duplicate)."""


class LocalRunControl:
    """Start, stop and check training runs as worker processes on this machine."""

    def __init__(
        self,
        db_url: str,
        *,
        runs_dir: str | os.PathLike[str] | None = None,
        trainer: str | None = None,
        python: str | None = None,
        stop_grace: float = 10.0,
        heartbeat_lease: float = HEARTBEAT_LEASE_S,
    ) -> None:
        """``db_url`` is where the worker reports (the conversation's database); ``runs_dir``
        holds the run folders (default ``$TRAINCHAT_RUNS_DIR``, else ``./runs``); ``trainer``
        is ``module:function`` (default ``agent.training.trainer:train``); ``python`` the
        interpreter that runs the worker (default: this one)."""
        self.db_url = db_url
        self.runs_dir = resolve_runs_dir(runs_dir)
        self.trainer = trainer
        self.python = python or sys.executable
        self.stop_grace = stop_grace
        self.heartbeat_lease = heartbeat_lease
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    # --- start ---------------------------------------------------------------------------

    def start(
        self, job: TrainingJob, *, thread_id: str, resume: TrainingRun | None = None
    ) -> TrainingRun:
        """Create the run folder, spawn the worker, return the run ``queued``.

        Raises ``RunAlreadyActiveError`` when a worker of this thread still runs: one job trains
        once at a time, whatever the conversation's state says; ``TrainExtraMissingError`` when
        the default trainer's frameworks are not installed (nothing is started).
        """
        if self.trainer is None:
            missing = missing_training_packages(job.config.framework)
            if missing:
                raise TrainExtraMissingError(missing_extra_message(missing))
        thread_dir = self.runs_dir / folder_name(thread_id)
        thread_dir.mkdir(parents=True, exist_ok=True)
        with _exclusive(thread_dir / ".start.lock"):
            self._refuse_if_active(thread_dir)
            if resume is not None:
                folder = WorkerFiles(Path(resume.output_dir))
                if not folder.job.exists():
                    raise FileNotFoundError(
                        f"cannot resume run {resume.run_id}: its folder {folder.path} has no "
                        "job.json (moved or deleted); start a new run instead"
                    )
                run_id, attempt = resume.run_id, resume.attempt + 1
            else:
                run_id, attempt = new_run_id(), 1
                folder = WorkerFiles(thread_dir / run_id)
                folder.path.mkdir(parents=True)
                folder.job.write_text(job.to_json(), encoding="utf-8")
            # the last attempt's heartbeat would make the new worker look hung until it beats
            folder.heartbeat.unlink(missing_ok=True)
            identity = self._spawn(folder, thread_id, run_id, attempt, resume is not None)
            folder.write_json(
                folder.worker, {"worker": str(identity), "attempt": attempt, "started": utc_now()}
            )
        if resume is not None:
            return with_status(
                resume,
                "queued",
                attempt=attempt,
                worker=str(identity),
                error=None,
                log_tail=(),
                ended_at=None,
            )
        return TrainingRun(
            run_id=run_id,
            status="queued",
            epochs=job.config.epochs or 0,
            main_metric=main_metric(job),
            output_dir=str(folder.path),
            worker=str(identity),
            attempt=attempt,
        )

    def _refuse_if_active(self, thread_dir: Path) -> None:
        for worker_file in thread_dir.glob("*/worker.json"):
            folder = WorkerFiles(worker_file.parent)
            record = folder.read_json(worker_file) or {}
            identity = WorkerIdentity.parse(record.get("worker"))
            if identity is None or not identity.on_this_host:
                continue
            if identity.gone_reason() is None:
                raise RunAlreadyActiveError(
                    f"run {folder.path.name} of this thread is still running (worker pid "
                    f"{identity.pid}); stop it first (`trainchat stop` or say 'stop training')"
                )

    def _spawn(
        self, folder: WorkerFiles, thread_id: str, run_id: str, attempt: int, resume: bool
    ) -> WorkerIdentity:
        argv = [
            self.python,
            "-m",
            "agent.training.worker",
            "--thread",
            thread_id,
            "--run-id",
            run_id,
            "--run-dir",
            str(folder.path),
            "--attempt",
            str(attempt),
        ]
        if resume:
            argv.append("--resume")
        if self.trainer:
            argv += ["--trainer", self.trainer]
        env = {**os.environ, "TRAINCHAT_DB": self.db_url, "PYTHONUNBUFFERED": "1"}
        with folder.log.open("ab") as log:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                close_fds=True,
            )
        self._children[process.pid] = process
        return WorkerIdentity.of(process.pid)

    # --- stop ----------------------------------------------------------------------------

    def stop(self, run: TrainingRun) -> TrainingRun:
        """End the run's worker and every process it started; return the run ``cancelled``.

        A run that already ended is returned unchanged (there is nothing to cancel).
        """
        if not run.active:
            return run
        identity = WorkerIdentity.parse(run.worker)
        if identity is not None and identity.on_this_host:
            alive = identity.gone_reason() is None
            if alive or (not identity.pid_reused() and group_members(identity.pid)):
                end_process_group(identity.pid, grace=self.stop_grace)
            self._reap(identity.pid)
        ended = utc_now()
        folder = WorkerFiles(Path(run.output_dir))
        record = folder.read_json(folder.outcome) or {}
        if record.get("attempt") != run.attempt:
            folder.write_json(
                folder.outcome,
                {
                    "run_id": run.run_id,
                    "attempt": run.attempt,
                    "status": "cancelled",
                    "error": None,
                    "ended_at": ended,
                },
            )
        return with_status(run, "cancelled", ended_at=ended, error=None)

    # --- refresh -------------------------------------------------------------------------

    def refresh(self, run: TrainingRun) -> TrainingRun:
        """``run`` as it is: an active run whose worker ended (its ``outcome.json`` says how) or
        died (pid gone, heartbeat lost) is returned ended; anything else unchanged."""
        if not run.active:
            return run
        folder = WorkerFiles(Path(run.output_dir))
        ended = self._recorded_outcome(run, folder)
        if ended is not None:
            return ended
        reason = self._dead_reason(run, folder)
        if reason is None:
            return run
        again = self._recorded_outcome(run, folder)  # it may have finished while we looked
        if again is not None:
            return again
        resume_hint = (
            f"resume continues from epoch {run.epoch}" if run.epoch else "resume starts it again"
        )
        return with_status(
            run,
            "failed",
            error=f"the training worker died without reporting: {reason}; {resume_hint}",
            log_tail=folder.log_tail(),
            ended_at=utc_now(),
        )

    def _recorded_outcome(self, run: TrainingRun, folder: WorkerFiles) -> TrainingRun | None:
        record = folder.read_json(folder.outcome)
        if not isinstance(record, dict) or record.get("attempt") != run.attempt:
            return None
        status = record.get("status")
        if status not in ("succeeded", "failed", "cancelled"):
            return None
        fields = {"ended_at": record.get("ended_at") or utc_now(), "error": record.get("error")}
        if status == "failed":
            fields["log_tail"] = folder.log_tail()
        if record.get("weights"):
            fields["weights"] = record["weights"]
        return with_status(run, status, **fields)

    def _dead_reason(self, run: TrainingRun, folder: WorkerFiles) -> str | None:
        identity = WorkerIdentity.parse(run.worker)
        if identity is not None and identity.on_this_host:
            self._reap(identity.pid)
            gone = identity.gone_reason()
            if gone is not None:
                if not identity.pid_reused() and group_members(identity.pid):
                    # orphaned data loaders of the dead worker: end them too (a group whose
                    # leader's pid went to another process is that process's, not ours)
                    end_process_group(identity.pid, grace=1.0)
                return f"{gone} (killed by SIGKILL, the out-of-memory killer or a reboot)"
        age = folder.heartbeat_age()
        if age is None:
            started = _mtime(folder.worker)
            if started is None or _age(started) < STARTUP_GRACE_S:
                return None
            reason = f"no heartbeat within {STARTUP_GRACE_S:.0f} s of starting"
        elif age <= self.heartbeat_lease:
            return None
        else:
            reason = f"no heartbeat for {age:.0f} s (the worker hung or its machine went away)"
        if identity is not None and identity.on_this_host:
            end_process_group(identity.pid, grace=1.0)
        return reason

    def _reap(self, pid: int) -> None:
        process = self._children.get(pid)
        if process is not None and process.poll() is not None:
            del self._children[pid]


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def _age(timestamp: float) -> float:
    return time.time() - timestamp


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path``: two starters of one thread take turns."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
