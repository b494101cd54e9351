"""Writing a run's progress into its conversation: one checkpoint per epoch and per status change.

Why through the agent: the run is part of the conversation's state, so each report is an
``update_state`` of the thread (validated like a turn, under the thread's turn lock). A user turn
sent during training then takes its turn between two reports and nothing is lost either way.

Why every report re-reads the stored run: a report is only written while the stored run is still
*this* run (same id, same attempt) and still active. A ``stop`` from the chat or the CLI, a
``failed`` written by a liveness check, or a new job replacing the old one all win over a late
report; the worker learns it from ``ReportRefused`` and stops training.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from agent.training.worker_files import utc_now
from graph.run import EpochResult, TrainingRun, metrics_of

__all__ = [
    "ReportRefused",
    "RunReporter",
    "stored_run",
    "with_epoch",
    "with_status",
]


class ReportRefused(RuntimeError):
    """The conversation no longer holds this run as active: stop training, write nothing."""


def stored_run(values: Mapping[str, Any]) -> TrainingRun | None:
    """The ``run`` channel of stored state values as a ``TrainingRun`` (or ``None``)."""
    value = values.get("run")
    if value is None or isinstance(value, TrainingRun):
        return value
    return TrainingRun.model_validate(value)


def with_epoch(
    run: TrainingRun,
    epoch: int,
    metrics: Mapping[str, float],
    *,
    main_metric: str | None = None,
    weights: str | None = None,
) -> TrainingRun:
    """``run`` after ``epoch`` completed: latest metrics, history (a resumed epoch replaces the
    entry it repeats; each entry is timed, for the conversation's ETA), best weights. A new
    object; ``run`` is unchanged."""
    frozen = metrics_of(metrics)
    history = tuple(entry for entry in run.history if entry.epoch < epoch)
    return run.model_copy(
        update={
            "status": "running",
            "epoch": epoch,
            "metrics": frozen,
            "history": (
                *history,
                EpochResult(epoch=epoch, metrics=frozen, finished_at=utc_now()),
            ),
            "main_metric": main_metric or run.main_metric,
            "weights": weights or run.weights,
        }
    )


def with_status(run: TrainingRun, status: str, **fields: Any) -> TrainingRun:
    """``run`` with a new ``status`` and any other fields, re-validated (a new object)."""
    return TrainingRun.model_validate({**run.model_dump(), "status": status, **fields})


class RunReporter:
    """Reports one attempt of one run into its thread through ``agent.update_state_with``."""

    def __init__(self, agent: Any, thread_id: str, run_id: str, attempt: int) -> None:
        self._agent = agent
        self._config = {"configurable": {"thread_id": thread_id}}
        self._run_id = run_id
        self._attempt = attempt
        self.last: TrainingRun | None = None
        """The run as last written by this reporter."""

    def owns(self, run: TrainingRun | None) -> bool:
        """True when ``run`` is this attempt of this run and still active."""
        return (
            run is not None
            and run.run_id == self._run_id
            and run.attempt == self._attempt
            and run.active
        )

    def report(self, change: Callable[[TrainingRun], TrainingRun]) -> TrainingRun:
        """Write ``change(stored run)`` as a new checkpoint; raise ``ReportRefused`` (writing
        nothing) when the stored run is no longer this active attempt."""
        written: list[TrainingRun] = []

        def update(values: dict[str, Any]) -> dict[str, Any] | None:
            current = stored_run(values)
            if current is None or not self.owns(current):
                return None
            new = change(current)
            written.append(new)
            return {"run": new}

        self._agent.update_state_with(self._config, update)
        if not written:
            raise ReportRefused(
                f"run {self._run_id} (attempt {self._attempt}) is no longer the thread's active "
                "run (stopped, replaced or marked failed)"
            )
        self.last = written[0]
        return written[0]

    def current(self) -> TrainingRun | None:
        """The thread's stored run now (no lock: a read)."""
        return stored_run(self._agent.get_state(self._config).values or {})
