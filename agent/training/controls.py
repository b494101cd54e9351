"""Choosing where runs train: this machine (``LocalRunControl``) or a Ray cluster
(``RayRunControl``), by name for a new run and by its recorded worker for an existing one.

Why by the recorded worker: a run started on Ray is stopped and checked on Ray, whatever the
command that looks at it later was told (``trainchat stop`` takes no ``--on``); the run's
``worker`` (``local:…`` or ``ray:<id>@<address>``) says where it is.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from graph.run import RunControl, TrainingRun

__all__ = ["RUN_TARGETS", "RunTarget", "make_run_control", "control_for_run"]

RunTarget = Literal["local", "ray"]
"""Where a new run trains."""
RUN_TARGETS: tuple[RunTarget, ...] = ("local", "ray")
"""The names ``trainchat run --on`` accepts."""


def make_run_control(
    on: str,
    db_url: str,
    *,
    runs_dir: str | os.PathLike[str] | None = None,
    address: str | None = None,
    num_cpus: float | None = None,
    num_gpus: float | None = None,
    **options: Any,
) -> RunControl:
    """The ``RunControl`` for new runs ``on`` this machine or a Ray cluster at ``address``
    (default ``$TRAINCHAT_RAY_ADDRESS``); ``ValueError`` naming the choices otherwise."""
    if on == "local":
        if address or num_cpus is not None or num_gpus is not None:
            raise ValueError("--address, --cpus and --gpus are for --on ray")
        from agent.training.local import LocalRunControl

        return LocalRunControl(db_url, runs_dir=runs_dir, **options)
    if on == "ray":
        from agent.training.ray_jobs import RayRunControl

        return RayRunControl(
            address,
            db_url=db_url,
            runs_dir=runs_dir,
            num_cpus=num_cpus,
            num_gpus=num_gpus,
            **options,
        )
    raise ValueError(f"--on must be one of {', '.join(RUN_TARGETS)}, got {on!r}")


def control_for_run(
    run: TrainingRun | None, db_url: str, *, runs_dir: str | os.PathLike[str] | None = None
) -> RunControl:
    """The ``RunControl`` that can stop and check ``run``: Ray for a ``ray:`` worker (at the
    address it recorded), else this machine's."""
    from agent.training.ray_jobs import RAY_WORKER_PREFIX, ray_address_of

    if run is not None and (run.worker or "").startswith(RAY_WORKER_PREFIX):
        return make_run_control("ray", db_url, runs_dir=runs_dir, address=ray_address_of(run))
    return make_run_control("local", db_url, runs_dir=runs_dir)
