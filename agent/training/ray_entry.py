"""The entrypoint of a Ray job: prepare the node for the training worker, then run it.

``python -m agent.training.ray_entry <worker arguments>`` is what ``RayRunControl`` submits. The
worker (``agent.training.worker``) is the one that trains and reports; this shim only does what a
node of a cluster needs first and a local run gets for free:

1. the job document arrives in the runtime environment (``TRAINCHAT_JOB_JSON``), because the
   node may not share the agent's disk: it is written to ``<run dir>/job.json`` where the worker
   reads it;
2. the conversation's database is checked from *this* node (``TRAINCHAT_DB``) before any
   training: a database the cluster cannot reach fails the job at once with one line saying so,
   instead of an epoch's work lost and a traceback;
3. the worker's output goes both to Ray's job log (what ``get_job_logs`` returns) and to
   ``<run dir>/worker.log`` (what the worker's own failure report quotes).

Ray's ``stop_job`` signals this process and all its descendants; the shim lets the worker end
the way it chooses (its SIGTERM handler records the outcome) and exits with the worker's status.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

__all__ = ["JOB_ENV", "DB_UNREACHABLE_EXIT", "database_problem", "main"]

JOB_ENV = "TRAINCHAT_JOB_JSON"
"""Environment variable carrying the confirmed job document (``TrainingJob.to_json``)."""
DB_UNREACHABLE_EXIT = 3
"""Exit status of a job whose node cannot reach the conversation's database."""
MESSAGE_PREFIX = "trainchat: "
"""Lines the agent quotes as the run's error (``RayRunControl.refresh`` looks for them)."""


def database_problem(db_url: str | None) -> str | None:
    """Why this node cannot write into ``db_url``, in one line; ``None`` when it can.

    A SQLite URL names a file on the agent's machine: here it must already exist (the agent set
    it up), or this node is another machine and would silently train into a new, empty file.
    """
    if not db_url:
        return "no database given (TRAINCHAT_DB is empty in the job's runtime environment)"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    host = socket.gethostname()
    url = make_url(db_url)
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite":
        if not url.database or not Path(url.database).is_file():
            return (
                f"the SQLite database {url.database} does not exist on Ray node {host}: a SQLite "
                "file works only when the Ray head and the agent share a machine; use a "
                "PostgreSQL or MariaDB URL the cluster can reach"
            )
        return None
    connect_args = {"connect_timeout": 10}
    try:
        engine = create_engine(url, connect_args=connect_args)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any driver's error: the answer is the same sentence
        reason = " ".join(str(exc).split())[:200]
        return (
            f"the database {shown} is not reachable from Ray node {host} ({reason}); give the "
            "agent and the cluster a database URL both can reach (--db)"
        )
    return None


def _run_dir(worker_args: Sequence[str]) -> Path:
    arguments = list(worker_args)
    return Path(arguments[arguments.index("--run-dir") + 1])


def _copy(worker: subprocess.Popen[bytes], log_path: Path) -> None:
    """Each output line of ``worker`` to this job's stdout (Ray's log) and to ``log_path``."""
    assert worker.stdout is not None
    with log_path.open("ab") as log:
        for line in worker.stdout:
            sys.stdout.buffer.write(line)
            sys.stdout.flush()
            log.write(line)
            log.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Prepare the run folder, check the database, run the worker; return its exit status."""
    worker_args = list(sys.argv[1:] if argv is None else argv)
    run_dir = _run_dir(worker_args)
    run_dir.mkdir(parents=True, exist_ok=True)
    job_file = run_dir / "job.json"
    document = os.environ.get(JOB_ENV)
    if document and not job_file.exists():
        job_file.write_text(document, encoding="utf-8")
    problem = database_problem(os.environ.get("TRAINCHAT_DB"))
    if problem is not None:
        print(MESSAGE_PREFIX + problem, flush=True)
        return DB_UNREACHABLE_EXIT
    worker = subprocess.Popen(
        [sys.executable, "-u", "-m", "agent.training.worker", *worker_args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    # Ray signals every process of the job at once; the worker decides how it ends.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # The copy runs beside the wait: a data loader the worker leaves alive holds the pipe open,
    # and the job must end when the worker does, not when the pipe's last writer does.
    copying = threading.Thread(target=_copy, args=(worker, run_dir / "worker.log"), daemon=True)
    copying.start()
    status = worker.wait()
    # data loaders the worker left behind (it was killed before it could end them)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(worker.pid, signal.SIGKILL)
    copying.join(timeout=5)
    if status < 0:  # killed by a signal: end the same way, so Ray reports that signal
        with contextlib.suppress(OSError, ValueError):  # SIGKILL has no handler to reset
            signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    return status


if __name__ == "__main__":
    sys.exit(main())
