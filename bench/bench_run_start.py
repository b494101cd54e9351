"""Time from ``trainchat run`` to the first epoch reported in the conversation.

What a user waits for after typing ``trainchat run``: the command returning (it only starts a
worker), the worker reporting ``running`` (Python, LangGraph and the agent imported, the state
opened), and the first epoch's metrics stored (the framework imported, data and model built,
one epoch trained). Three trainers:

* ``scripted`` — ``tests.fixtures.scripted_trainer`` with no sleep: the worker machinery alone
  (spawn, imports, two checkpoints), i.e. what we add before any framework starts;
* ``timm`` — resnet18 from scratch, 64 px, batch 4, on ``tests.training.datasets``' tiny
  imagefolder;
* ``ultralytics`` — yolov8n detect from scratch (from its YAML, no download), 64 px, batch 4,
  on the same module's tiny YOLO dataset.

Each run is a fresh ``trainchat run`` process on a fresh SQLite thread; the bench polls the
stored state every 20 ms. Median (min–max) of ``--runs`` runs, one torch thread per worker.

    python -m bench.bench_run_start [--runs 3] [--trainers scripted timm ultralytics] [--write]
"""

from __future__ import annotations

import argparse
import os
import resource
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

__all__ = ["measure_once", "main"]

POLL_S = 0.02
TIMEOUT_S = 600.0


def _trainchat() -> list[str]:
    script = Path(sys.executable).with_name("trainchat")
    return [str(script)] if script.exists() else [sys.executable, "-m", "agent.cli"]


def _job_turns(trainer: str, data_root: Path) -> list[str]:
    from tests.training.datasets import make_dataset  # the trainers' tiny generated datasets

    if trainer == "ultralytics":
        data = make_dataset(data_root / "yolo", "detect")
        model = "train yolov8n for object detection"
        settings = "1 epochs, batch size 4, learning rate 0.01"
    else:
        data = make_dataset(data_root / "imagefolder", "classify")
        model = "train resnet18 for image classification"
        settings = "1 epochs, batch size 4, learning rate 0.001"
    return [model, f"my dataset is in {data}", settings, "from scratch", "image size 64", "yes"]


def measure_once(
    trainer: str, workdir: Path, index: int, run_args: tuple[str, ...] = ()
) -> dict[str, float]:
    """One ``trainchat run [run_args]`` on a freshly confirmed thread: seconds to each milestone
    (``run_args`` such as ``--on ray --address URL`` train it elsewhere)."""
    from agent import create_agent
    from agent.training.reporting import stored_run

    db = f"sqlite:///{workdir / 'bench.db'}"
    thread_id = f"{trainer}-{index}" + ("-" + "-".join(run_args[1:2]) if run_args else "")
    config = {"configurable": {"thread_id": thread_id}}
    agent = create_agent(db=db, llm="offline")
    for text in _job_turns(trainer, workdir / "data"):
        out = agent.invoke({"messages": [{"role": "user", "content": text}]}, config)
    if out["step"] != "done":
        raise SystemExit(f"{trainer}: the job was not confirmed: {out['messages'][-1].content}")
    env = {
        **os.environ,
        "TRAINCHAT_DB": db,
        "TRAINCHAT_RUNS_DIR": str(workdir / "runs"),
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))),
    }
    if trainer == "scripted":
        env.update(TRAINCHAT_TRAINER="tests.fixtures.scripted_trainer:train", SCRIPTED_EPOCH_S="0")
    else:
        env.pop("TRAINCHAT_TRAINER", None)
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    result = subprocess.run(
        [*_trainchat(), "run", "--thread", thread_id, *run_args],
        env=env,
        capture_output=True,
        text=True,
    )
    returned = time.perf_counter() - began
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(f"{trainer}: trainchat run failed: {result.stderr.strip()}")
    running = first_epoch = None
    while time.perf_counter() - began < TIMEOUT_S:
        run = stored_run(agent.get_state(config).values)
        now = time.perf_counter() - began
        if run is not None and running is None and run.status != "queued":
            running = now
        if run is not None and run.epoch >= 1:
            first_epoch = now
            break
        if run is not None and not run.active:
            raise SystemExit(f"{trainer}: run ended {run.status} before an epoch: {run.error}")
        time.sleep(POLL_S)
    if first_epoch is None:
        raise SystemExit(f"{trainer}: no epoch within {TIMEOUT_S:.0f} s")
    while (run := stored_run(agent.get_state(config).values)) is not None and run.active:
        time.sleep(0.2)  # let it end before the next run starts (one worker at a time)
    return {
        "returned": returned,
        "cpu": cpu,
        "running": running or first_epoch,
        "first_epoch": first_epoch,
    }


def _cell(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def main(argv: list[str] | None = None) -> str:
    """Measure, print the markdown section, and with ``--write`` put it in BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--trainers",
        nargs="+",
        default=["scripted", "timm", "ultralytics"],
        choices=["scripted", "timm", "ultralytics"],
    )
    parser.add_argument("--write", action="store_true", help="rewrite the BENCHMARKS.md section")
    args = parser.parse_args(argv)
    from bench.report import markdown_table, write_section

    rows: list[list[Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-run-start-") as tmp:
        for trainer in args.trainers:
            samples = [measure_once(trainer, Path(tmp), i) for i in range(args.runs)]
            rows.append(
                [trainer]
                + [
                    _cell([s[key] for s in samples])
                    for key in ("returned", "cpu", "running", "first_epoch")
                ]
            )
            print(rows[-1], file=sys.stderr)
    load = os.getloadavg()[0]
    command = "python -m bench.bench_run_start --runs {} --trainers {}".format(
        args.runs, " ".join(args.trainers)
    )
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    body = "\n".join(
        [
            f"Command: `{command}` — {stamp}, {os.cpu_count()} cores shared with other sessions "
            f"(load average {load:.1f} at the end), Python {sys.version.split()[0]}.",
            "",
            "Seconds from starting `trainchat run` (a fresh process) to: the command returning; "
            "the worker's `running` stored in the conversation; the first epoch's metrics stored. "
            "The CPU time of the `trainchat run` process is shown too: on a shared machine wall "
            "time includes waiting for a core. "
            f"Median (min–max) of {args.runs} runs, one torch thread per worker.",
            "",
            markdown_table(
                [
                    "trainer",
                    "`trainchat run` returns",
                    "its CPU time",
                    "`running` stored",
                    "first epoch stored",
                ],
                rows,
            ),
        ]
    )
    print(body)
    if args.write:
        write_section(ROOT / "BENCHMARKS.md", "run-start", body)
    return body


if __name__ == "__main__":
    main()
