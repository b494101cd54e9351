"""The run folder: where one run's weights, per-epoch metrics, job document and log live.

Why one small module: the trainers write into it, the worker and the notebook read from it, and a
resumed run must find exactly what the first attempt left. Naming every file once here keeps the
three in agreement. The layout (both frameworks)::

    <run dir>/
      job.json          the confirmed job, exactly as it ran
      train.log         the trainer's log (the framework's own log lines included)
      metrics.jsonl     one JSON object per completed epoch: {"epoch": k, <metric>: value, ...}
      weights/best.pt   the best checkpoint so far
      weights/last.pt   the last completed epoch's checkpoint (what resume continues from)
      args.yaml         every argument the framework trained with (ultralytics writes its own;
                        the timm trainer writes one like timm's train.py does)

ultralytics adds its own files next to these (``results.csv``, label plots when enabled).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RunFolder"]


@dataclass(frozen=True)
class RunFolder:
    """Paths inside one run's folder, and the per-epoch metrics file's reader and writer."""

    root: Path
    """The run folder itself (``runs/<thread>/<run id>/`` by default; the caller decides)."""

    @property
    def job(self) -> Path:
        """The job document (``job.json``)."""
        return self.root / "job.json"

    @property
    def log(self) -> Path:
        """The trainer's log (``train.log``)."""
        return self.root / "train.log"

    @property
    def metrics(self) -> Path:
        """Per-epoch metrics, one JSON object a line (``metrics.jsonl``)."""
        return self.root / "metrics.jsonl"

    @property
    def args(self) -> Path:
        """The arguments the framework trained with (``args.yaml``)."""
        return self.root / "args.yaml"

    @property
    def weights(self) -> Path:
        """The weights folder."""
        return self.root / "weights"

    @property
    def best(self) -> Path:
        """The best checkpoint."""
        return self.weights / "best.pt"

    @property
    def last(self) -> Path:
        """The last completed epoch's checkpoint."""
        return self.weights / "last.pt"

    def append_metrics(self, epoch: int, metrics: Mapping[str, float]) -> None:
        """Add one completed epoch's metrics (flushed at once, so a killed run keeps them)."""
        row = {"epoch": epoch, **{name: _finite(value) for name, value in metrics.items()}}
        with self.metrics.open("a", encoding="utf-8") as out:
            out.write(json.dumps(row) + "\n")

    def history(self, *, up_to: int | None = None) -> tuple[dict[str, float], ...]:
        """Every epoch's metrics, oldest first, one entry per epoch (a resumed epoch's newest
        report wins); ``up_to`` drops epochs after it (reported, but not in the checkpoint a
        resume continues from)."""
        if not self.metrics.exists():
            return ()
        by_epoch: dict[int, dict[str, float]] = {}
        for line in self.metrics.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a kill
            epoch = int(row.get("epoch", 0))
            if epoch >= 1 and (up_to is None or epoch <= up_to):
                by_epoch[epoch] = row
        return tuple(by_epoch[epoch] for epoch in sorted(by_epoch))

    def rewrite_history(self, history: tuple[dict[str, float], ...]) -> None:
        """Replace the metrics file with ``history`` (a resume drops epochs it will redo)."""
        text = "".join(json.dumps(row) + "\n" for row in history)
        self.metrics.write_text(text, encoding="utf-8")


def _finite(value: float) -> float | None:
    """JSON has no NaN/inf: a diverged loss is written as null rather than breaking the file."""
    number = float(value)
    return number if math.isfinite(number) else None
