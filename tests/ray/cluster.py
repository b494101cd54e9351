"""A real Ray head on 127.0.0.1 for the tests and the benchmark, inside a network namespace.

Why a namespace: a Ray head binds the machine's own address as well as loopback. Run inside
``unshare -n`` with only ``lo`` up, it is reachable from nowhere else and collides with nothing
else on the machine; inside ``unshare -p`` as well, ``ray stop`` sees only this head's processes,
and when the namespace's first process ends the kernel ends every process left in it
(``--kill-child`` ends that one if the outer test is killed). So no Ray process outlives a test.

Everything that talks to the head (the agent, the worker, the test) runs inside the same
namespace; PostgreSQL and MariaDB on the host's loopback are not reachable from there, which is
why most cluster tests use a SQLite file (head and agent share the machine, as the issue allows)
and the PostgreSQL one reaches the server through its unix socket (a file, which the namespace
does not hide).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "NAMESPACE_ENV",
    "LocalRayHead",
    "namespace_problem",
    "in_network_namespace",
    "ray_processes_of",
]

NAMESPACE_ENV = "TRAINCHAT_RAY_NAMESPACE"
"""Set (to the Ray temp dir prefix) inside the namespace the cluster scenarios run in."""


def namespace_problem() -> str | None:
    """Why a network + PID namespace cannot be made here (not root, no ``unshare``); or None."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs unshare(1) and ip(8) to isolate the Ray head"
    probe = subprocess.run(
        ["unshare", "-n", "-p", "-f", "--mount-proc", "sh", "-c", "ip link set lo up"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return f"cannot create a network namespace: {probe.stderr.strip() or probe.returncode}"
    return None


def in_network_namespace(argv: list[str]) -> list[str]:
    """``argv`` run in new network and PID namespaces with only loopback up.

    ``sh`` stays the namespace's first process (no ``exec``): it reaps the processes Ray leaves
    orphaned, which a pytest in that place would leave as zombies ``ray stop`` waits on."""
    return [
        "unshare", "-n", "-p", "-f", "--mount-proc", "--kill-child",
        "sh", "-c", 'ip link set lo up && "$@"', "sh", *argv,
    ]  # fmt: skip


def _ray_command() -> str:
    beside = Path(sys.executable).with_name("ray")
    return str(beside) if beside.exists() else "ray"


def ray_processes_of(marker: str) -> list[str]:
    """Command lines of live processes whose command line mentions ``marker`` (the head's temp
    dir): what a stopped head must not leave behind."""
    import psutil

    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        try:
            if process.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            line = " ".join(process.info["cmdline"] or ())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if marker in line and process.pid != os.getpid():
            found.append(f"{process.pid}: {line[:160]}")
    return found


@dataclass
class LocalRayHead:
    """``ray start --head`` on 127.0.0.1 with the dashboard (the Jobs API) on loopback."""

    num_cpus: int = 2
    """CPUs the head offers (no GPUs: this machine has none)."""
    port: int = 26379
    """GCS port (free: the namespace has nothing else)."""
    dashboard_port: int = 28265
    """Jobs API / dashboard port."""
    temp_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tcray-")))
    """Ray's session folder (short: Ray's socket paths must fit 107 bytes)."""

    @property
    def address(self) -> str:
        """The Jobs API address ``RayRunControl`` takes."""
        return f"http://127.0.0.1:{self.dashboard_port}"

    def start(self) -> None:
        """Start the head and wait until the Jobs API answers."""
        env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
        subprocess.run(
            [
                _ray_command(), "start", "--head",
                "--node-ip-address", "127.0.0.1",
                "--port", str(self.port),
                "--dashboard-host", "127.0.0.1",
                "--dashboard-port", str(self.dashboard_port),
                "--num-cpus", str(self.num_cpus), "--num-gpus", "0",
                "--temp-dir", str(self.temp_dir),
                "--include-dashboard", "true",
                "--disable-usage-stats",
            ],
            check=True, env=env, capture_output=True, text=True,
        )  # fmt: skip
        from agent.training.ray_cluster import RayClusterError, connect

        deadline = time.monotonic() + 60
        while True:
            try:
                connect(self.address, timeout_s=2)
                return
            except RayClusterError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def stop(self) -> None:
        """``ray stop --force``: every process of this head ends; then its session folder goes."""
        subprocess.run(
            [_ray_command(), "stop", "--force"], capture_output=True, text=True, timeout=120
        )
        shutil.rmtree(self.temp_dir, ignore_errors=True)
