"""Who runs a local training run, whether it still lives, and how to end it with all its children.

Why the process start time: a pid alone does not identify a process. After a SIGKILL, an OOM kill
or a reboot the pid may be reused by something else, and a run would be shown ``running`` for
ever. ``local:<pid>:<start time>@<host>`` names one process exactly; ``psutil`` reads the start
time portably (Linux ``/proc``, macOS ``sysctl``).

Why a process group: a worker starts its trainer's data-loader processes (timm and ultralytics
both fork). The worker is started in a session of its own, so its pid is also its process-group
id, and stopping signals the whole group: nothing is left running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from dataclasses import dataclass

import psutil

__all__ = ["WorkerIdentity", "this_host", "end_process_group", "group_members"]

_START_TIME_TOLERANCE_S = 1.0
"""Start times are read from /proc with centisecond ticks against a boot time in whole seconds."""


def this_host() -> str:
    """This machine's name, as written into a worker identity."""
    return socket.gethostname()


@dataclass(frozen=True)
class WorkerIdentity:
    """One worker process: pid, the time it started, and the machine it runs on."""

    pid: int
    """Its process id (also its process-group id: it leads a session of its own)."""
    started: float
    """Its start time, seconds since the epoch (tells a reused pid apart)."""
    host: str
    """The machine it runs on (liveness by pid only makes sense there)."""

    @classmethod
    def of(cls, pid: int) -> WorkerIdentity:
        """The identity of the live process ``pid`` on this machine."""
        return cls(pid=pid, started=psutil.Process(pid).create_time(), host=this_host())

    @classmethod
    def parse(cls, text: str | None) -> WorkerIdentity | None:
        """Read back ``local:<pid>:<start>@<host>``; ``None`` for anything else (another kind of
        worker, or none yet)."""
        if not text or not text.startswith("local:"):
            return None
        body, _, host = text.removeprefix("local:").partition("@")
        pid, _, started = body.partition(":")
        try:
            return cls(pid=int(pid), started=float(started), host=host)
        except ValueError:
            return None

    def __str__(self) -> str:
        return f"local:{self.pid}:{self.started:.2f}@{self.host}"

    @property
    def on_this_host(self) -> bool:
        """True when this process can check the worker's pid itself."""
        return self.host == this_host()

    def pid_reused(self) -> bool:
        """True when another process now carries this pid: its process group is a stranger's,
        never to be signalled on the worker's behalf."""
        try:
            return self._is_another(psutil.Process(self.pid))
        except psutil.NoSuchProcess:
            return False

    def gone_reason(self) -> str | None:
        """Why the worker is not running any more, or ``None`` while it is.

        A zombie (ended, not yet reaped by its parent) counts as gone: it trains nothing.
        """
        try:
            process = psutil.Process(self.pid)
            if self._is_another(process):
                return f"its process {self.pid} is gone (the pid now belongs to another process)"
            if process.status() == psutil.STATUS_ZOMBIE:
                return f"its process {self.pid} has exited"
        except psutil.NoSuchProcess:
            return f"its process {self.pid} is gone"
        return None

    def _is_another(self, process: psutil.Process) -> bool:
        """Whether ``process``, found at this pid, started at another time than the worker."""
        return abs(process.create_time() - self.started) > _START_TIME_TOLERANCE_S


def group_members(pgid: int) -> list[psutil.Process]:
    """Live (non-zombie) processes of process group ``pgid``."""
    members = []
    for process in psutil.process_iter(["status"]):
        try:
            if os.getpgid(process.pid) == pgid and process.info["status"] != psutil.STATUS_ZOMBIE:
                members.append(process)
        except (ProcessLookupError, psutil.Error, PermissionError):
            continue
    return members


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _reap(pid: int) -> None:
    """Collect ``pid``'s exit status if it is our child, so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _wait_until_empty(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        _reap(pgid)
        if not group_members(pgid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def end_process_group(pgid: int, *, grace: float = 10.0) -> bool:
    """SIGTERM every process of group ``pgid``, SIGKILL whatever is left after ``grace`` seconds.

    SIGTERM first so the worker can record ``cancelled`` and the frameworks can close their
    files; SIGKILL because a trainer stuck in a data loader must not outlive a stop. Returns
    True when no process of the group is left.
    """
    _signal_group(pgid, signal.SIGTERM)
    if _wait_until_empty(pgid, grace):
        return True
    _signal_group(pgid, signal.SIGKILL)
    return _wait_until_empty(pgid, 5.0)
