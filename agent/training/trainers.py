"""``train``: run a confirmed job to the end in a run folder, whichever framework it names.

Why one entry point: the worker process, the benchmark and the tests call this and nothing
framework-specific. It writes the job document, routes the trainer's and the framework's log
lines into the run's ``train.log``, and turns every failure into a ``TrainingError`` whose
``str()`` is one line a user can act on — the traceback goes to the log, never to the user.

Importing this module does not import torch: the framework trainers are imported when a job
runs, so ``pip install trainchat`` without the ``train`` extra stays light, and a missing extra
is reported with the command that installs it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agent.training.progress import EpochReport, OnEpoch, TrainingError, TrainOutcome
from agent.training.run_folder import RunFolder
from graph.job import TrainingJob

__all__ = ["train", "INSTALL_HINT", "FRAMEWORK_LOGGERS"]

INSTALL_HINT = 'pip install "trainchat[train]"'
"""The command that installs torch, torchvision, timm and ultralytics."""
FRAMEWORK_LOGGERS: tuple[str, ...] = ("ultralytics", "timm")
"""Loggers whose lines are copied into the run's log while it trains."""
_LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


@contextmanager
def _run_log(folder: RunFolder, log: logging.Logger) -> Iterator[None]:
    """Copy ``log``'s and the frameworks' records into ``train.log`` for the run's duration."""
    handler = logging.FileHandler(folder.log, encoding="utf-8")
    handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    loggers = [log, *(logging.getLogger(name) for name in FRAMEWORK_LOGGERS)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
        handler.close()


def _one_line(error: BaseException) -> str:
    text = str(error).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _explain(error: Exception, job: TrainingJob) -> TrainingError:
    """The one actionable line for an unexpected framework failure."""
    text = _one_line(error)
    if "out of memory" in text.lower():
        return TrainingError(
            f"out of memory with batch size {job.config.batch_size}: lower the batch size "
            "or the image size"
        )
    if isinstance(error, FileNotFoundError):
        return TrainingError(f"a file the run needs is missing: {text}")
    return TrainingError(f"training failed ({type(error).__name__}: {text}); see the run's log")


def _check_dataset(job: TrainingJob) -> None:
    """Refuse a dataset path that is not here before a framework sees it: ultralytics would
    try to download a dataset of that name, timm would fail with an IndexError."""
    path = Path(str(job.config.dataset_path)).expanduser()
    if not path.exists():
        raise TrainingError(
            f"the dataset {path} does not exist on this machine: copy it here or give the "
            "path where it is"
        )


def train(
    job: TrainingJob,
    run_dir: Path,
    *,
    on_epoch: OnEpoch | None = None,
    resume: bool = False,
    log: logging.Logger | None = None,
) -> TrainOutcome:
    """Train ``job`` to its last epoch in ``run_dir`` and return how it ended.

    ``on_epoch`` is called after every completed epoch, once that epoch's checkpoint is on disk.
    ``resume`` continues the run already in ``run_dir`` from its last completed epoch (same
    folder, same metrics file); with no completed epoch saved there, it starts over. ``log``
    (default ``trainchat.training``) receives the trainer's own lines; they and the
    framework's are also written to ``run_dir/train.log``.

    Raises ``TrainingError`` (one line saying what to do) for every failure; an exception raised
    by ``on_epoch`` itself propagates unchanged, so the caller's own errors stay its own.
    """
    folder = RunFolder(Path(run_dir))
    folder.root.mkdir(parents=True, exist_ok=True)
    log = log or logging.getLogger("trainchat.training")
    if not (resume and folder.job.exists()):
        folder.job.write_text(job.to_json() + "\n", encoding="utf-8")
    callback_errors: list[BaseException] = []

    def reporting(report: EpochReport) -> None:
        """``on_epoch``, remembering what it raised so that it is not rewrapped below."""
        assert on_epoch is not None
        try:
            on_epoch(report)
        except BaseException as error:
            callback_errors.append(error)
            raise

    with _run_log(folder, log):
        if resume and not folder.last.is_file():
            # killed before its first epoch was saved: nothing to continue, so start over
            log.warning("nothing to resume in %s (no epoch completed): starting over", run_dir)
            resume = False
            folder.rewrite_history(())
            folder.job.write_text(job.to_json() + "\n", encoding="utf-8")
        framework = job.config.framework
        try:
            _check_dataset(job)
            try:
                if framework == "timm":
                    from agent.training.timm_trainer import train_timm as trainer
                elif framework == "ultralytics":
                    from agent.training.ultralytics_trainer import train_ultralytics as trainer
                else:
                    raise TrainingError(f"no trainer for framework {framework!r}")
            except ImportError as missing:
                raise TrainingError(
                    f"training needs {missing.name or 'the training libraries'}: "
                    f"install them with {INSTALL_HINT}"
                ) from missing
            return trainer(
                job,
                folder,
                on_epoch=reporting if on_epoch is not None else None,
                resume=resume,
                log=log,
            )
        except TrainingError as error:
            log.error("run failed: %s", error)
            raise
        except Exception as error:
            if callback_errors and error is callback_errors[-1]:
                raise
            log.exception("run failed")
            raise _explain(error, job) from error
