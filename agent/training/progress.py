"""The trainer contract: what a trainer reports after each epoch and what it returns.

Why a contract of its own: the worker that reports into the conversation, the benchmark that
runs a bare framework, and each framework's trainer meet here and nowhere else, so a trainer can
be swapped (timm, ultralytics, a cluster) without the reporting side changing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["EpochReport", "TrainOutcome", "TrainingError", "OnEpoch"]


@dataclass(frozen=True)
class EpochReport:
    """One completed epoch."""

    epoch: int
    """1-based number of the epoch just completed."""
    epochs: int
    """Epochs the job asks for."""
    metrics: Mapping[str, float]
    """Losses and validation metrics, by the framework's own names."""
    main_metric: str
    """The metric that decides "best" (``top1`` for timm, ``metrics/mAP50-95(B)`` for detect …)."""
    best_weights: Path | None = None
    """Best weights saved so far, if any."""


@dataclass(frozen=True)
class TrainOutcome:
    """How a finished training ended (only returned on success; failure raises)."""

    best_weights: Path
    """The best checkpoint."""
    last_weights: Path
    """The last checkpoint (what ``resume`` continues from)."""
    epochs_completed: int
    """Epochs completed in total, across resumes."""
    history: tuple[Mapping[str, float], ...] = field(default_factory=tuple)
    """Per-epoch metrics, oldest first."""


class TrainingError(RuntimeError):
    """A training failure a user can act on; ``str()`` is one line saying what to do."""


OnEpoch = Callable[[EpochReport], None]
"""Called by a trainer after every completed epoch (the worker reports it to the conversation)."""
