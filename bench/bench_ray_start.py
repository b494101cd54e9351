"""Submit-to-first-epoch on a local Ray head against a local run of the same job.

What ``--on ray`` costs a user before training starts: ``trainchat run --on ray`` returning (it
connects, checks the cluster's nodes and the database, submits), the worker reporting
``running`` (Ray places the job, starts the entrypoint, the worker imports and opens the
state), and the first epoch stored in the conversation. The same job is started with plain
``trainchat run`` (a local worker) alternately, run by run, so the machine's load falls on both
alike. Milestones are measured by ``bench.bench_run_start.measure_once`` for both sides.

The head is real (``ray start --head`` on 127.0.0.1, 2 CPUs), started and stopped by this
command inside a network + PID namespace (see ``tests/ray/cluster.py``): run it as root, from
the repository root.

    python -m bench.bench_ray_start [--runs 3] [--trainers scripted ultralytics] [--write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

__all__ = ["main"]

SECTION = "ray-start"
_MILESTONES = ("returned", "running", "first_epoch")
NOTE = (
    "Where Ray's extra time goes: Ray starts the job's supervisor (a Ray worker process) befo"
    "re the entrypoint; the entrypoint shim (`agent.training.ray_entry`: job document, databa"
    "se check from the node, log copy) is one more Python start before the worker; `trainchat"
    " run --on ray` itself imports Ray's client and asks the cluster for its nodes and jobs b"
    "efore submitting; and on this 2-core machine the head's own processes (GCS, raylet, dash"
    "board) compete with the training for the cores. On a real cluster the last item goes awa"
    "y (the head is elsewhere) and the rest is a fixed cost of seconds, not per epoch. All fi"
    "gures are wall time on a machine shared with other sessions (see the load average): comp"
    "are the two sides of a row, not rows of different runs."
)
"""What the figures mean, printed under the table."""


def _cell(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def _measure(trainers: list[str], runs: int) -> list[list[Any]]:
    """Both sides, alternated, inside the namespace with a head of our own."""
    from bench.bench_run_start import measure_once
    from tests.ray.cluster import NAMESPACE_ENV, LocalRayHead

    os.environ["SCRIPTED_EPOCH_S"] = "0"  # the head's workers inherit it, as local ones do
    os.environ["OMP_NUM_THREADS"] = "1"
    head = LocalRayHead(temp_dir=Path(tempfile.mkdtemp(prefix=os.environ[NAMESPACE_ENV])))
    rows: list[list[Any]] = []
    try:
        head.start()
        ray_args = ("--on", "ray", "--address", head.address)
        with tempfile.TemporaryDirectory(prefix="bench-ray-start-") as tmp:
            for trainer in trainers:
                samples: dict[str, list[dict[str, float]]] = {"local": [], "ray": []}
                for index in range(runs):
                    samples["local"].append(measure_once(trainer, Path(tmp), index))
                    samples["ray"].append(measure_once(trainer, Path(tmp), index, ray_args))
                for where in ("local", "ray"):
                    cells = [_cell([s[key] for s in samples[where]]) for key in _MILESTONES]
                    rows.append([trainer, where, *cells])
                    print(rows[-1], file=sys.stderr)
                extra = [
                    ray["first_epoch"] - local["first_epoch"]
                    for local, ray in zip(samples["local"], samples["ray"], strict=True)
                ]
                rows.append([trainer, "ray − local", "", "", _cell(extra)])
    finally:
        head.stop()
    return rows


def _section(rows: list[list[Any]], trainers: list[str], runs: int) -> str:
    from bench.report import markdown_table

    command = f"python -m bench.bench_ray_start --runs {runs} --trainers {' '.join(trainers)}"
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load = os.getloadavg()[0]
    table = markdown_table(
        ["trainer", "where", "command returned", "worker running", "first epoch stored"], rows
    )
    return "\n".join(
        [
            f"Command: `{command}` (as root: it makes its own network namespace) — {stamp}, "
            f"{os.cpu_count()} cores shared with other sessions (load average {load:.1f} at the "
            f"end), Python {sys.version.split()[0]}.",
            "",
            "Seconds from starting `trainchat run` (local) or `trainchat run --on ray --address "
            "<local head>` to each milestone, median (min–max) of the runs, the two sides "
            "alternated run by run on fresh SQLite threads. `scripted` is the worker machinery "
            "alone (no framework, no sleep); `ultralytics` is yolov8n detect from scratch, 64 px, "
            "batch 4, on a generated YOLO dataset, one torch thread. The last row of each "
            "trainer is what Ray adds before the first epoch, run by run.",
            "",
            table,
            "",
            NOTE,
        ]
    )


def main(argv: list[str] | None = None) -> str:
    """Measure (inside a namespace of its own), print the section, and with ``--write`` put it
    in BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--trainers",
        nargs="+",
        default=["scripted", "ultralytics"],
        choices=["scripted", "timm", "ultralytics"],
    )
    parser.add_argument("--write", action="store_true", help="rewrite the BENCHMARKS.md section")
    args = parser.parse_args(argv)
    from tests.ray.cluster import NAMESPACE_ENV, in_network_namespace, namespace_problem

    if not os.environ.get(NAMESPACE_ENV):
        problem = namespace_problem()
        if problem is not None:
            raise SystemExit(f"bench_ray_start: {problem}")
        env = {
            **os.environ,
            NAMESPACE_ENV: "tcray-bench-",
            "RAY_USAGE_STATS_ENABLED": "0",
            "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))),
        }
        again = [sys.executable, "-m", "bench.bench_ray_start", *(argv or sys.argv[1:])]
        result = subprocess.run(in_network_namespace(again), env=env, cwd=ROOT)
        raise SystemExit(result.returncode)
    rows = _measure(args.trainers, args.runs)
    body = _section(rows, args.trainers, args.runs)
    print(body)
    if args.write:
        from bench.report import write_section

        write_section(ROOT / "BENCHMARKS.md", SECTION, body)
    return body


if __name__ == "__main__":
    main()
