"""``trainchat run``, ``stop`` and ``runs``: a thread's training runs from the command line.

Why the start happens inside ``update_state_with``: checking the stored run, starting a worker
and storing the new ``queued`` run are one step under the thread's turn lock, so two ``trainchat
run`` at once (or a chat saying "start training" at the same moment) cannot both start a run.
The worker's first report waits for that lock, so it always finds its run stored.

Why the same rules as the chat: a second start never duplicates a run that is active or done;
``--again`` trains a new run, ``--resume`` continues a failed or cancelled one.
"""

from __future__ import annotations

import time
from typing import Any

from agent.cli.errors import EXIT_FAILURE, EXIT_USAGE, CliError
from agent.training.extra import missing_extra_message, missing_training_packages
from agent.training.reporting import stored_run

__all__ = [
    "EXIT_TRAINING",
    "refresh_stored_run",
    "start_run",
    "stop_run",
    "thread_runs",
    "watch_run",
]

EXIT_TRAINING = 6
"""``run --wait``: the run ended failed or cancelled."""


def _control(session: Any, runs_dir: str | None = None, run: Any = None) -> Any:
    """The control that stops and checks ``run`` where it trains (this machine, or the Ray
    cluster its worker names)."""
    from agent.training.controls import control_for_run

    return control_for_run(run, session.url, runs_dir=runs_dir)


def refresh_stored_run(session: Any, control: Any = None, thread: str | None = None) -> Any:
    """The stored run of ``thread`` (default: the session's), refreshed: a run whose worker died
    is stored ``failed`` (one checkpoint), so every later reader sees it too. Returns the run
    (or ``None``)."""
    agent = session.reader
    if agent is None:
        return None
    config = {"configurable": {"thread_id": thread or session.thread}}
    run = stored_run(agent.get_state(config).values or {})
    if run is None or not run.active:
        return run
    control = control or _control(session, run=run)
    fresh = control.refresh(run)
    if fresh == run:
        return run

    def record(values: dict[str, Any]) -> dict[str, Any] | None:
        current = stored_run(values)
        if current is None or not current.active:
            return None
        same = (current.run_id, current.attempt) == (run.run_id, run.attempt)
        return {"run": fresh} if same else None

    agent.update_state_with(config, record)
    return stored_run(agent.get_state(config).values or {})


def start_run(
    session: Any,
    *,
    runs_dir: str | None,
    again: bool,
    resume: bool,
    attach: bool,
    on: str = "local",
    address: str | None = None,
    cpus: float | None = None,
    gpus: float | None = None,
) -> tuple[Any, bool]:
    """Start (or resume) the thread's confirmed job; returns ``(run, started)``. With
    ``attach``, an active run is returned as it is (``started`` False) instead of refused.
    ``on="ray"`` submits it to the Ray cluster at ``address`` asking for ``cpus``/``gpus``."""
    turn = session.require_current()
    if turn.step != "done" or turn.job is None:
        raise CliError(
            f"thread {session.thread!r} has no confirmed job yet: finish the conversation and "
            "answer yes, then `trainchat run`",
            EXIT_FAILURE,
        )
    missing = missing_training_packages(turn.job.config.framework) if on == "local" else []
    if missing:  # on a cluster the frameworks are the cluster's business, not this machine's
        raise CliError(missing_extra_message(missing), EXIT_USAGE)
    from agent.training.controls import make_run_control
    from agent.training.ray_cluster import RayClusterError
    from agent.training.ray_jobs import RayRunAlreadyActiveError

    try:
        control = make_run_control(
            on, session.url, runs_dir=runs_dir, address=address, num_cpus=cpus, num_gpus=gpus
        )
    except ValueError as wrong:
        raise CliError(str(wrong), EXIT_USAGE) from None
    previous = refresh_stored_run(session)
    if previous is not None and previous.active and attach:
        return previous, False
    _check_start(previous, again=again, resume=resume)
    started: list[Any] = []

    def begin(values: dict[str, Any]) -> dict[str, Any]:
        current = stored_run(values)
        if current is not None and current != previous:  # another starter won the race
            _check_start(current, again=again, resume=resume)
        job = values["job"]
        run = control.start(job, thread_id=session.thread, resume=current if resume else None)
        started.append(run)
        return {"run": run}

    try:
        session.agent.update_state_with(session.run_config, begin)
    except (RayClusterError, RayRunAlreadyActiveError) as refused:
        raise CliError(str(refused), EXIT_FAILURE) from None
    return started[0], True


def _check_start(run: Any, *, again: bool, resume: bool) -> None:
    """Refuse a start that would duplicate a run, saying which flag does what the user wants."""
    if resume:
        if run is None or run.status not in ("failed", "cancelled"):
            what = "no run yet" if run is None else f"run {run.run_id} is {run.status}"
            raise CliError(f"nothing to resume: {what}; `trainchat run` starts one", EXIT_USAGE)
        return
    if run is None or again and not run.active:
        return
    if run.active:
        raise CliError(
            f"run {run.run_id} is already {run.status} (epoch {run.epoch}/{run.epochs}): "
            "`trainchat run --wait` follows it, `trainchat stop` cancels it",
            EXIT_FAILURE,
        )
    hint = "`--again` trains a new run"
    if run.status != "succeeded":
        hint = f"`--resume` continues it from epoch {run.epoch}, " + hint
    raise CliError(f"run {run.run_id} already {run.status}: {hint}", EXIT_FAILURE)


def stop_run(session: Any) -> Any:
    """Cancel the thread's active run (worker and children end) and store it ``cancelled``."""
    session.require_current()
    run = refresh_stored_run(session)
    if run is None or not run.active:
        state = "no run yet" if run is None else f"the latest run {run.run_id} is {run.status}"
        raise CliError(f"nothing to stop on thread {session.thread!r}: {state}", EXIT_FAILURE)
    from agent.training.ray_cluster import RayClusterError

    try:
        stopped = _control(session, run=run).stop(run)
    except RayClusterError as unreachable:
        raise CliError(str(unreachable), EXIT_FAILURE) from None

    def record(values: dict[str, Any]) -> dict[str, Any] | None:
        current = stored_run(values)
        if current is None or (current.run_id, current.attempt) != (run.run_id, run.attempt):
            return None
        return {"run": stopped} if current.active else None

    session.agent.update_state_with(session.run_config, record)
    return stopped


def thread_runs(session: Any, thread: str) -> list[Any]:
    """Every run a thread has had, newest first, each as last recorded (from its history)."""
    reader = session.reader
    seen: dict[str, Any] = {}
    for snapshot in reader.get_state_history({"configurable": {"thread_id": thread}}):
        run = stored_run(snapshot.values or {})
        if run is not None and run.run_id not in seen:
            seen[run.run_id] = run
    return list(seen.values())


def watch_run(session: Any, run: Any, console: Any, poll: float = 0.5) -> Any:
    """Follow ``run`` with a rich progress bar (epoch k/N, loss, main metric, ETA) until it
    ends; returns the ended run. The worker may die: liveness is checked every few seconds."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from agent.run_display import run_numbers

    control = _control(session, run=run)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[numbers]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    last_check = 0.0
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(f"run {run.run_id}", total=run.epochs or None, numbers="")
        while True:
            current = stored_run(session.reader.get_state(session.run_config).values or {})
            if current is None or current.run_id != run.run_id:
                raise CliError(f"run {run.run_id} is no longer the thread's run", EXIT_FAILURE)
            if current.active and time.monotonic() - last_check > 2.0:
                last_check = time.monotonic()
                current = refresh_stored_run(session, control) or current
            shown = run_numbers(current, loss_label="loss")
            progress.update(
                task,
                completed=current.epoch,
                description=f"{current.status} {current.run_id}",
                numbers="  ".join(shown),
            )
            if not current.active:
                return current
            time.sleep(poll)
