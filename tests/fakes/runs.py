"""An in-memory ``RunControl``: the graph's training decisions tested without processes or files.

It keeps every call it received, hands out deterministic run ids, and lets a test move a run the
way a worker would (``report_epoch``, ``finish``) or kill its worker (``kill``: the next
``refresh`` returns it ``failed`` with the reason, as the local one does for a dead process).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.job import TrainingJob
from graph.run import EpochResult, TrainingRun, metrics_of


@dataclass
class InMemoryRuns:
    """Starts, stops and refreshes runs held in a dict; records every call."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    """(method, run id) in call order."""
    runs: dict[str, TrainingRun] = field(default_factory=dict)
    """The worker's view of each run, by id (what ``refresh`` reports)."""
    dead: dict[str, str] = field(default_factory=dict)
    """Run id → why its worker died (set by ``kill``)."""
    fail_start: str | None = None
    """When set, ``start`` raises ``RuntimeError`` with this text."""
    started_jobs: list[TrainingJob] = field(default_factory=list)
    """The jobs ``start`` received, in order."""

    def start(
        self, job: TrainingJob, *, thread_id: str, resume: TrainingRun | None = None
    ) -> TrainingRun:
        if self.fail_start is not None:
            raise RuntimeError(self.fail_start)
        self.started_jobs.append(job)
        if resume is not None:
            run = resume.model_copy(
                update={"status": "queued", "attempt": resume.attempt + 1, "error": None,
                        "log_tail": (), "ended_at": None}
            )  # fmt: skip
            self.dead.pop(run.run_id, None)
        else:
            run_id = f"run-{len(self.runs) + 1}"
            assert job.config.epochs is not None
            run = TrainingRun(
                run_id=run_id,
                epochs=job.config.epochs,
                output_dir=f"runs/{thread_id}/{run_id}",
                started_at="2026-01-01T00:00:00+00:00",
                worker=f"memory:{run_id}",
            )
        self.runs[run.run_id] = run
        self.calls.append(("resume" if resume is not None else "start", run.run_id))
        return run

    def stop(self, run: TrainingRun) -> TrainingRun:
        self.calls.append(("stop", run.run_id))
        stopped = self.runs.get(run.run_id, run).model_copy(
            update={"status": "cancelled", "ended_at": "2026-01-01T01:00:00+00:00"}
        )
        self.runs[run.run_id] = stopped
        return stopped

    def refresh(self, run: TrainingRun) -> TrainingRun:
        self.calls.append(("refresh", run.run_id))
        if run.active and run.run_id in self.dead:
            failed = run.model_copy(
                update={"status": "failed", "error": self.dead[run.run_id],
                        "log_tail": ("epoch 2/5 ...", "Killed")}
            )  # fmt: skip
            self.runs[run.run_id] = failed
            return failed
        return run

    # What a worker would do (a test moves the run on between turns).

    def report_epoch(
        self, run: TrainingRun, metrics: dict[str, float], *, at: str | None = None
    ) -> TrainingRun:
        """``run`` after one more completed epoch with ``metrics``, reported at ``at``."""
        epoch = run.epoch + 1
        reported = run.model_copy(
            update={
                "status": "running",
                "epoch": epoch,
                "metrics": metrics_of(metrics),
                "history": (
                    *run.history,
                    EpochResult(epoch=epoch, metrics=metrics_of(metrics), finished_at=at),
                ),
                "main_metric": "top1",
                "weights": f"{run.output_dir}/best.pt",
            }
        )
        self.runs[run.run_id] = reported
        return reported

    def kill(self, run: TrainingRun, reason: str = "the worker process died (SIGKILL)") -> None:
        """The worker of ``run`` is gone: the next ``refresh`` reports ``failed``."""
        self.dead[run.run_id] = reason
