"""Running a confirmed ``TrainingJob``: a small launcher interface and a subprocess launcher.

Why an interface: the conversation only needs "start this job and show me its output"; where it
runs (this machine, a queue, a cluster) is a deployment choice. ``SubprocessLauncher`` runs the
job's argv directly (no shell, so paths with spaces or quotes are safe) and streams each output
line as it arrives. ``executable_overrides`` swaps the program at the front of the command —
tests put a fake trainer in place of ``python train.py`` / ``yolo``; deployments can point at a
venv's interpreter or a full path to ``yolo``.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from graph.job import TrainingJob

__all__ = ["Launcher", "LaunchResult", "SubprocessLauncher", "NOT_FOUND_RETURNCODE"]

NOT_FOUND_RETURNCODE = 127
"""Return code reported when the program could not be started (as a POSIX shell does)."""


@dataclass(frozen=True)
class LaunchResult:
    """How a launched job ended."""

    returncode: int
    """The process exit status (negative: killed by that signal; 127: program not found)."""
    output_tail: tuple[str, ...]
    """The last lines of combined stdout/stderr, for the reply when something went wrong."""

    @property
    def ok(self) -> bool:
        """True when the job exited with status 0."""
        return self.returncode == 0


class Launcher(Protocol):
    """Anything that can run a ``TrainingJob`` and report its output and exit status."""

    def launch(
        self, job: TrainingJob, *, on_output: Callable[[str], None] | None = None
    ) -> LaunchResult:
        """Run ``job`` to completion, calling ``on_output`` with each output line as it comes."""
        ...


class SubprocessLauncher:
    """Runs a job's command as a child process on this machine, streaming its output."""

    def __init__(
        self,
        *,
        executable_overrides: Mapping[str, Sequence[str]] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        tail_lines: int = 50,
        timeout_s: float | None = None,
    ) -> None:
        """``executable_overrides`` maps a command prefix (``"python train.py"``, ``"yolo"``)
        to the argv that replaces it; ``env`` is added to this process's environment;
        ``timeout_s`` kills the job when it runs longer."""
        self._overrides = [
            (tuple(shlex.split(prefix)), tuple(replacement))
            for prefix, replacement in (executable_overrides or {}).items()
        ]
        self._overrides.sort(key=lambda pair: -len(pair[0]))  # longest prefix wins
        self._cwd = cwd
        self._env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self._tail_lines = tail_lines
        self._timeout_s = timeout_s

    def argv(self, job: TrainingJob) -> list[str]:
        """The argv that will actually run: the job's command with an override applied."""
        command = job.command
        for prefix, replacement in self._overrides:
            if command[: len(prefix)] == prefix:
                return [*replacement, *command[len(prefix) :]]
        return list(command)

    def launch(
        self, job: TrainingJob, *, on_output: Callable[[str], None] | None = None
    ) -> LaunchResult:
        """Run the job and wait for it; output lines go to ``on_output`` as they are printed."""
        tail: deque[str] = deque(maxlen=self._tail_lines)

        def emit(line: str) -> None:
            tail.append(line)
            if on_output is not None:
                on_output(line)

        argv = self.argv(job)
        try:
            process = subprocess.Popen(
                argv,
                cwd=self._cwd,
                env=self._env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                errors="replace",
                bufsize=1,
            )
        except OSError as exc:
            emit(
                f"could not start {argv[0]!r}: {exc.strerror or exc}. Install the framework "
                "or pass executable_overrides with the program's full path."
            )
            return LaunchResult(NOT_FOUND_RETURNCODE, tuple(tail))
        timer = None
        if self._timeout_s is not None:
            timer = threading.Timer(self._timeout_s, process.kill)
            timer.start()
        try:
            assert process.stdout is not None
            for line in process.stdout:
                emit(line.rstrip("\r\n"))
            returncode = process.wait()
        finally:
            if timer is not None:
                timer.cancel()
            if process.poll() is None:  # the caller's callback raised: do not leave it running
                process.kill()
                process.wait()
        return LaunchResult(returncode, tuple(tail))
