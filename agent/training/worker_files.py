"""The worker's files in a run folder, and where run folders go.

Why a module of its own: the launcher (``LocalRunControl``), the worker process and the CLI all
read and write these few files, and a run's liveness and end must be understandable from its
folder alone (a worker killed mid-epoch, a state that could not be written). The trainer's own
files (weights, ``metrics.jsonl``, ``train.log``, ``args.yaml``) are described by
``agent.training.run_folder``; these sit next to them, each with one writer:

* ``job.json``        the confirmed job, written by ``start`` (the worker trains exactly this);
* ``worker.json``     who runs it (pid, process start time, host), written by ``start``;
* ``worker.log``      the worker's stdout/stderr (tracebacks, framework output), every attempt;
* ``heartbeat``       touched by the worker every ``HEARTBEAT_INTERVAL_S`` while it lives;
* ``outcome.json``    how the worker's attempt ended (succeeded/failed/cancelled), written last.

Default location ``runs/<thread>/<run id>/`` under the working directory; ``--runs-dir`` or
``TRAINCHAT_RUNS_DIR`` move it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "RUNS_DIR_ENV",
    "HEARTBEAT_INTERVAL_S",
    "WorkerFiles",
    "resolve_runs_dir",
    "new_run_id",
    "utc_now",
    "folder_name",
]

RUNS_DIR_ENV = "TRAINCHAT_RUNS_DIR"
"""Environment variable naming the folder that holds ``<thread>/<run id>/`` folders."""

HEARTBEAT_INTERVAL_S = 1.0
"""How often a live worker touches its heartbeat file."""


def resolve_runs_dir(runs_dir: str | os.PathLike[str] | None = None) -> Path:
    """``runs_dir``, else ``$TRAINCHAT_RUNS_DIR``, else ``./runs``; always absolute, so a run's
    ``output_dir`` stays valid whatever folder a later command is started from."""
    chosen = runs_dir or os.environ.get(RUNS_DIR_ENV) or "runs"
    return Path(chosen).expanduser().resolve()


def new_run_id() -> str:
    """A sortable, unique run id: UTC time to the second plus 6 random hex digits."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def utc_now() -> str:
    """The current time as ISO 8601 UTC (seconds), the format ``TrainingRun`` stores."""
    return datetime.now(UTC).isoformat(timespec="seconds")


_UNSAFE = re.compile(r"[^\w.-]+", re.UNICODE)


def folder_name(thread_id: str) -> str:
    """A folder name for a thread id: thread ids may hold ``/``, spaces or ``..``; a folder must
    not escape ``runs/``. Readable ids stay as they are; others get a short hash suffix so two
    ids that clean up alike never share a folder."""
    cleaned = _UNSAFE.sub("_", thread_id).strip("._") or "thread"
    if cleaned == thread_id:
        return cleaned
    import hashlib

    digest = hashlib.sha256(thread_id.encode()).hexdigest()[:8]
    return f"{cleaned[:64]}-{digest}"


@dataclass(frozen=True)
class WorkerFiles:
    """Paths of the worker's files in one run folder, and the small reads and writes each needs."""

    path: Path
    """The run folder itself (``runs/<thread>/<run id>``)."""

    @property
    def job(self) -> Path:
        """The confirmed job as JSON (``TrainingJob.to_json``)."""
        return self.path / "job.json"

    @property
    def worker(self) -> Path:
        """The current attempt's worker identity."""
        return self.path / "worker.json"

    @property
    def log(self) -> Path:
        """The worker's combined stdout/stderr."""
        return self.path / "worker.log"

    @property
    def heartbeat(self) -> Path:
        """Touched every ``HEARTBEAT_INTERVAL_S`` by a live worker."""
        return self.path / "heartbeat"

    @property
    def outcome(self) -> Path:
        """How the worker's last attempt ended, written just before it exits."""
        return self.path / "outcome.json"

    def write_json(self, path: Path, data: Any) -> None:
        """Write ``data`` atomically (temp file + rename): a reader never sees half a file."""
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(temporary, path)

    def read_json(self, path: Path) -> Any:
        """The JSON in ``path``, or ``None`` when it is missing or unreadable."""
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def touch_heartbeat(self) -> None:
        """Mark the worker alive now."""
        self.heartbeat.touch()

    def heartbeat_age(self) -> float | None:
        """Seconds since the last heartbeat, or ``None`` before the first one."""
        try:
            return max(0.0, time.time() - self.heartbeat.stat().st_mtime)
        except OSError:
            return None

    def log_tail(self, lines: int = 20) -> tuple[str, ...]:
        """The last ``lines`` non-empty lines of the worker's log."""
        try:
            with self.log.open(encoding="utf-8", errors="replace") as handle:
                tail = deque((line.rstrip("\n") for line in handle if line.strip()), maxlen=lines)
        except OSError:
            return ()
        return tuple(tail)
