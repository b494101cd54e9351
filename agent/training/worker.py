"""The worker process: trains one run's job and reports it into the conversation.

``python -m agent.training.worker --thread T --run-id R --run-dir D --attempt N [--resume]``,
started by ``LocalRunControl.start`` in a session of its own, with the database URL in
``TRAINCHAT_DB`` (not on the command line, where ``ps`` would show a password) and its
stdout/stderr appended to ``D/worker.log``.

What it writes, and why in this order:

1. ``running`` into the state once the starter has stored the ``queued`` run (the starter holds
   the turn lock while it starts the worker, so this waits for it);
2. per completed epoch (the trainer has written its checkpoint and ``metrics.jsonl``): a
   checkpoint of the conversation with the new run;
3. at the end: ``outcome.json`` (the folder's record, written first so a liveness check can
   find it even when the state cannot be written), then ``succeeded`` / ``failed`` into the
   state. A cancelled worker (SIGTERM from ``stop``) writes ``outcome.json`` only: the stopper
   records ``cancelled`` itself, and may hold the turn lock while it waits for us to end.

A heartbeat thread touches ``D/heartbeat`` every second while the process lives, so a worker
killed by SIGKILL, the OOM killer or a reboot is noticed by ``LocalRunControl.refresh``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from agent.training.extra import TRAIN_EXTRA
from agent.training.progress import EpochReport, TrainingError, TrainOutcome
from agent.training.reporting import ReportRefused, RunReporter, with_epoch, with_status
from agent.training.worker_files import HEARTBEAT_INTERVAL_S, WorkerFiles, utc_now

__all__ = ["DEFAULT_TRAINER", "TRAINER_ENV", "RunCancelled", "run_logger", "load_trainer", "main"]

DEFAULT_TRAINER = "agent.training.trainers:train"
"""The trainer the worker calls: ``module:function`` with the ``train(job, run_dir, *, on_epoch,
resume, log) -> TrainOutcome`` signature (``agent.training.progress``)."""

TRAINER_ENV = "TRAINCHAT_TRAINER"
"""Environment variable choosing another trainer (tests use a scripted one)."""

STATE_WAIT_S = 60.0
"""How long the worker waits for its ``queued`` run to appear in the conversation."""

TRAIN_EXTRA_HINT = 'install the training extra: pip install -e ".[train]"'


class RunCancelled(BaseException):
    """Raised in the training thread when ``stop`` sends SIGTERM (a ``BaseException`` so a
    trainer's ``except Exception`` does not swallow it)."""


def run_logger() -> logging.Logger:
    """The ``log`` a trainer gets: lines go to stdout, which is the run's ``worker.log`` (the
    trainer may add its own handlers, e.g. its ``train.log``)."""
    logger = logging.getLogger("trainchat.worker")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def load_trainer(spec: str) -> Callable[..., TrainOutcome]:
    """The ``train`` function named by ``module:function``."""
    module_name, _, function_name = spec.partition(":")
    module = importlib.import_module(module_name)
    trainer: Callable[..., TrainOutcome] = getattr(module, function_name or "train")
    return trainer


def _heartbeat(folder: WorkerFiles, stop: threading.Event) -> None:
    while not stop.is_set():
        # a full disk must not kill the training; the lease will tell the story
        with contextlib.suppress(OSError):
            folder.touch_heartbeat()
        stop.wait(HEARTBEAT_INTERVAL_S)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    if isinstance(error, TrainingError):
        return text or type(error).__name__
    if isinstance(error, ModuleNotFoundError):
        return f"{error.name or text} is not installed: {TRAIN_EXTRA}"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _announce_running(reporter: RunReporter, run_id: str, attempt: int) -> None:
    """Write ``running``; wait while the starter has not stored the ``queued`` run yet."""
    deadline = time.monotonic() + STATE_WAIT_S
    while True:
        try:
            reporter.report(
                lambda run: with_status(
                    run, "running", started_at=run.started_at or utc_now(), ended_at=None
                )
            )
            return
        except ReportRefused:
            stored = reporter.current()
            still_coming = stored is None or stored.run_id != run_id or stored.attempt < attempt
            if not still_coming or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m agent.training.worker")
    parser.add_argument("--thread", required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--run-dir", required=True, type=Path)
    parser.add_argument("--attempt", type=int, default=1)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--trainer", default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Train the run in ``--run-dir`` and report it; the exit status says how it ended."""
    args = _parser().parse_args(argv)
    folder = WorkerFiles(args.run_dir)
    log = run_logger()
    cancelling = threading.Event()

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if not cancelling.is_set():
            cancelling.set()
            raise RunCancelled()

    signal.signal(signal.SIGTERM, on_sigterm)
    beating = threading.Event()
    threading.Thread(target=_heartbeat, args=(folder, beating), daemon=True).start()
    log.info("worker %d starts run %s attempt %d", os.getpid(), args.run_id, args.attempt)

    reporter: RunReporter | None = None
    status, error, outcome = "failed", None, None
    try:
        from agent import create_agent
        from graph.job import TrainingJob

        job = TrainingJob.model_validate_json(folder.job.read_text(encoding="utf-8"))
        agent = create_agent(db=os.environ.get("TRAINCHAT_DB"), llm="offline")
        reporter = RunReporter(agent, args.thread, args.run_id, args.attempt)
        _announce_running(reporter, args.run_id, args.attempt)
        train = load_trainer(args.trainer or os.environ.get(TRAINER_ENV) or DEFAULT_TRAINER)

        def on_epoch(report: EpochReport) -> None:
            metrics = {name: float(value) for name, value in report.metrics.items()}
            assert reporter is not None
            reporter.report(
                lambda run: with_epoch(
                    run,
                    report.epoch,
                    metrics,
                    main_metric=report.main_metric,
                    weights=str(report.best_weights) if report.best_weights else None,
                )
            )

        outcome = train(job, folder.path, on_epoch=on_epoch, resume=args.resume, log=log)
        status = "succeeded"
    except RunCancelled:
        status = "cancelled"
    except ReportRefused as refused:
        status, error = "cancelled", str(refused)
    except BaseException as failure:  # the run ends failed with one line; the log has the rest
        if cancelling.is_set():  # a trainer's child died of our SIGTERM before we did
            status = "cancelled"
        else:
            traceback.print_exc()
            error = _one_line(failure)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends us at once
    return _finish(folder, reporter, args, status, error, outcome, log, beating)


def _finish(
    folder: WorkerFiles,
    reporter: RunReporter | None,
    args: argparse.Namespace,
    status: str,
    error: str | None,
    outcome: TrainOutcome | None,
    log: logging.Logger,
    beating: threading.Event,
) -> int:
    ended = utc_now()
    record: dict[str, Any] = {
        "run_id": args.run_id,
        "attempt": args.attempt,
        "status": status,
        "error": error,
        "ended_at": ended,
    }
    if outcome is not None:
        record["weights"] = str(outcome.best_weights)
        record["epoch"] = outcome.epochs_completed
    folder.write_json(folder.outcome, record)
    log.info(
        "run %s attempt %d %s%s", args.run_id, args.attempt, status, f": {error}" if error else ""
    )
    if reporter is not None and status != "cancelled":
        fields: dict[str, Any] = {"ended_at": ended, "error": error}
        if status == "failed":
            fields["log_tail"] = folder.log_tail()
        if outcome is not None:
            fields["weights"] = str(outcome.best_weights)
            fields["epoch"] = outcome.epochs_completed
        try:
            reporter.report(lambda run: with_status(run, status, **fields))
        except ReportRefused as refused:
            log.warning("final status not written: %s", refused)
        except Exception:  # the database is unreachable: outcome.json still tells refresh
            traceback.print_exc()
    beating.set()
    return {"succeeded": 0, "failed": 1}.get(status, 143)


if __name__ == "__main__":
    sys.exit(main())
