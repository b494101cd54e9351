"""The Ray cluster scenarios against a real head, run inside a network + PID namespace.

The scenarios themselves are ``scenarios_ray.py``; this test makes the namespace (only loopback
up: the head binds nothing the machine shares), runs them there with pytest, and checks after the
namespace is gone that no process of that head is left.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.ray.cluster import (
    NAMESPACE_ENV,
    in_network_namespace,
    namespace_problem,
    ray_processes_of,
)

SCENARIOS = Path(__file__).with_name("scenarios_ray.py")
SELECT_ENV = "TRAINCHAT_RAY_SCENARIOS"
"""A pytest ``-k`` expression: run only these scenarios (while working on one; a head per run)."""


def unexplained_skips(output: str) -> list[str]:
    """Skip lines of the scenarios' ``-rs`` summary that are not allowed here: every skip but
    a database server that is missing outside CI (``tests.databases.require_service``)."""
    skips = [line for line in output.splitlines() if line.startswith("SKIPPED")]
    return [line for line in skips if "is not reachable" not in line]


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_ray_cluster_scenarios_in_a_network_namespace() -> None:
    pytest.importorskip("ray")
    problem = namespace_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    marker = f"tcray-{uuid.uuid4().hex[:8]}-"
    env = {**os.environ, NAMESPACE_ENV: marker, "RAY_USAGE_STATS_ENABLED": "0"}
    # the jobs' entrypoint is `python -m agent.training.ray_entry`: this Python, not PATH's
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    command = [
        sys.executable, "-m", "pytest", str(SCENARIOS), "-q", "-rs", "-p", "no:cacheprovider",
        "-o", "addopts=", "--timeout", "600",
    ]  # fmt: skip
    if os.environ.get(SELECT_ENV):
        command += ["-k", os.environ[SELECT_ENV]]
    try:
        result = subprocess.run(
            in_network_namespace(command),
            env=env,
            capture_output=True,
            text=True,
            timeout=1150,
        )
    finally:
        leftovers = ray_processes_of(marker)
    print(result.stdout[-8000:], result.stderr[-4000:])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and unexplained_skips(result.stdout) == []
    assert leftovers == [], leftovers
