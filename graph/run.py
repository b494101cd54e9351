"""A training run as the conversation sees it: one frozen record per run, replaced as it moves.

Why it lives in the state: the run is part of the conversation. Each reported epoch and each
status change is a new checkpoint holding a new ``TrainingRun`` (nothing is edited in place), so
``get_state_history`` / ``trainchat history`` show a run's progress like any other turn, a user
turn sent during training builds on the latest report, and a fork from an old checkpoint shows the
run as it was then.

Why a protocol for the outside: starting, stopping and checking a worker are I/O. The graph only
talks to a ``RunControl`` handed to it (the local process launcher in ``agent.training``, later a
cluster one); tests of the graph's own decisions hand it an in-memory one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, model_validator

from graph.job import TrainingJob

__all__ = [
    "RunStatus",
    "ACTIVE_STATUSES",
    "FINISHED_STATUSES",
    "Metric",
    "EpochResult",
    "TrainingRun",
    "RunControl",
    "metrics_of",
]

RunStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
"""Where a run is: queued (worker starting), running, or one of the three ends."""

ACTIVE_STATUSES: tuple[RunStatus, ...] = ("queued", "running")
"""Statuses of a run that may still report (a second "start" must not start a duplicate)."""

FINISHED_STATUSES: tuple[RunStatus, ...] = ("succeeded", "failed", "cancelled")
"""Statuses a run ends in."""


class Metric(BaseModel):
    """One named number a framework reported (a loss, top-1, mAP50-95 …)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    """The framework's own name for it (``train/box_loss``, ``top1``, ``metrics/mAP50-95(B)``)."""
    value: float
    """Its value after the epoch."""


def metrics_of(values: Mapping[str, float]) -> tuple[Metric, ...]:
    """Frozen metrics from a name → number mapping, in the mapping's order."""
    return tuple(Metric(name=str(name), value=float(value)) for name, value in values.items())


class EpochResult(BaseModel):
    """What one completed epoch reported."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    epoch: int
    """1-based number of the completed epoch."""
    metrics: tuple[Metric, ...] = ()
    """Losses and validation metrics after it."""
    finished_at: str | None = None
    """ISO 8601 UTC time the epoch was reported, when known (the conversation derives an ETA
    from these; optional so reports without it stay valid)."""


class TrainingRun(BaseModel):
    """One run of the thread's confirmed job; a new object for every change."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    """Unique id, also the name of the run's folder (``runs/<thread>/<run id>/``)."""
    status: RunStatus = "queued"
    """Where the run is."""
    epoch: int = 0
    """Epochs completed so far."""
    epochs: int
    """Epochs the job asks for."""
    main_metric: str | None = None
    """Name of the metric that decides "best" (top-1 for classification, mAP50-95 for YOLO)."""
    metrics: tuple[Metric, ...] = ()
    """The latest epoch's metrics."""
    history: tuple[EpochResult, ...] = ()
    """Every completed epoch's metrics, oldest first."""
    weights: str | None = None
    """Path of the best weights so far."""
    output_dir: str
    """The run folder: weights, per-epoch metrics, the job document, the log."""
    error: str | None = None
    """One line saying why the run failed (``failed``), else None."""
    log_tail: tuple[str, ...] = ()
    """The last lines of the run's log when it failed."""
    started_at: str | None = None
    """ISO 8601 UTC time the worker started."""
    ended_at: str | None = None
    """ISO 8601 UTC time the run ended."""
    worker: str | None = None
    """Who runs it, for liveness checks and stop (``local:<pid>:<start time>@<host>``, ``ray:<id>``)."""
    attempt: int = 1
    """1 for the first start; +1 for each resume of the same run."""
    waiting: str | None = None
    """Why a ``queued`` run has not started (a cluster without a node that has the GPUs it asks
    for, a cluster that cannot be reached); cleared as soon as the run leaves ``queued``."""

    @model_validator(mode="before")
    @classmethod
    def _waiting_only_while_queued(cls, data: Any) -> Any:
        """A run that started, or ended, is no longer waiting for anything."""
        if isinstance(data, dict) and data.get("status", "queued") != "queued":
            return {**data, "waiting": None}
        return data

    @property
    def active(self) -> bool:
        """True while the run is queued or running."""
        return self.status in ACTIVE_STATUSES

    def metrics_dict(self) -> dict[str, float]:
        """The latest metrics as a plain name → number dict (a copy; for JSON and plots)."""
        return {metric.name: metric.value for metric in self.metrics}

    def as_json(self) -> dict[str, Any]:
        """The run as plain JSON values: ``show --json``, ``say --json`` and ``out["run"]``."""
        data = self.model_dump(mode="json")
        data["metrics"] = self.metrics_dict()
        data["history"] = [
            {"epoch": entry.epoch, **{m.name: m.value for m in entry.metrics}}
            for entry in self.history
        ]
        return data


class RunControl(Protocol):
    """Where runs are started, stopped and checked: the graph's only door to training (I/O)."""

    def start(
        self, job: TrainingJob, *, thread_id: str, resume: TrainingRun | None = None
    ) -> TrainingRun:
        """Start ``job`` for ``thread_id`` and return it ``queued``; with ``resume``, continue that
        run (same ``run_id`` and folder, ``attempt`` + 1) from its last completed epoch."""
        ...

    def stop(self, run: TrainingRun) -> TrainingRun:
        """Cancel ``run`` (the worker and all its children end) and return it ``cancelled``."""
        ...

    def refresh(self, run: TrainingRun) -> TrainingRun:
        """``run`` as it really is: an active run whose worker died is returned ``failed`` with
        the reason; anything else is returned unchanged."""
        ...
