"""How long ``trainchat`` takes to start and to answer one offline turn, as a user feels it.

Targets (issue 6): ``trainchat --help`` adds ≤ 0.3 s over a bare ``python -c pass``;
``trainchat say`` with the offline parser completes in ≤ 1.5 s. Each command runs as a fresh
process (that is what a user or script pays); the table shows median and p95 wall time.

    python bench/bench_cli.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["measure", "main"]


def _trainchat() -> list[str]:
    script = Path(sys.executable).with_name("trainchat")
    found = str(script) if script.exists() else shutil.which("trainchat")
    return [found] if found else [sys.executable, "-m", "agent.cli"]


def measure(
    command: list[str], runs: int, env: dict[str, str], cwd: str
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (user+sys) seconds of ``runs`` runs of ``command``, after a warm-up.

    CPU time is reported too because this machine is shared: wall time includes waiting for a
    core, CPU time is what the command itself costs.
    """
    walls, cpus = [], []
    for index in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()}")
        if index:  # the first run warms the OS file cache
            walls.append(elapsed)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def main() -> None:
    """Run every measurement and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    work = tempfile.mkdtemp(prefix="bench-cli-")
    env = {k: v for k, v in os.environ.items() if k not in ("GOOGLE_API_KEY", "GEMINI_API_KEY")}
    env["TRAINCHAT_DB"] = f"sqlite:///{work}/bench.db"
    env["TRAINCHAT_HOME"] = work
    tc = _trainchat()
    seed = subprocess.run([*tc, "say", "train resnet18 for image classification", "--llm", "offline"], env=env, cwd=work, capture_output=True, text=True)  # fmt: skip
    if seed.returncode != 0:
        raise SystemExit(f"could not start the benchmark conversation: {seed.stderr.strip()}")
    cases = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("trainchat --help", [*tc, "--help"]),
        ("trainchat say --json (offline, SQLite)", [*tc, "say", "what's left?", "--json", "--llm", "offline"]),
        ("trainchat show --json", [*tc, "show", "--json"]),
        ("trainchat history --json", [*tc, "history", "--json"]),
    ]  # fmt: skip
    results = {}
    for name, command in cases:
        walls, cpus = measure(command, runs, env, work)
        walls.sort()
        p95 = walls[min(len(walls) - 1, int(0.95 * len(walls)))]
        results[name] = (statistics.median(walls), p95, statistics.median(cpus))
    base_wall, _, base_cpu = results["python -c pass"]
    load = os.getloadavg()[0]
    print(f"runs per command: {runs} after one warm-up; {os.cpu_count()} cores, load {load:.1f}\n")
    print("| command | wall median | wall p95 | CPU median | wall over bare python |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, (median, p95, cpu) in results.items():
        print(
            f"| `{name}` | {median * 1000:.0f} ms | {p95 * 1000:.0f} ms | {cpu * 1000:.0f} ms "
            f"| {(median - base_wall) * 1000:+.0f} ms |"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
