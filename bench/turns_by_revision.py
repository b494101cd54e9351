"""The turn bench (``bench.bench_turns``) on several revisions, interleaved in one run.

One command: ``python -m bench.turns_by_revision 89ef7ef 271e76b . --rounds 5``. Each revision
is exported once (``git archive``; ``.`` is this working tree as it is) into a temporary folder;
then every round runs the 9-turn script of ``bench.bench_turns`` on each revision in its own
process (in memory and on SQLite), the order of the revisions rotating from round to round, so
background load on a shared machine falls on all of them alike. Prints the median over the
rounds of each figure: the wall-clock p50 per turn, and the CPU time per turn.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

__all__ = ["main"]

_DRIVER = """
import json, statistics, sys, tempfile, time
from pathlib import Path
from agent import create_agent
from bench.bench_turns import SCRIPT, _memory
from graph.datasets.samples import make_sample_dataset

conversations = int(sys.argv[1])
figures = {}
with tempfile.TemporaryDirectory() as folder:
    data = str(make_sample_dataset(Path(folder) / "data", "yolo"))
    texts = [text.format(dataset=data) for text in SCRIPT]
    backends = (
        ("InMemorySaver", lambda: create_agent(checkpointer=_memory(), llm="offline")),
        ("SQLite", lambda: create_agent(f"sqlite:///{folder}/b.db", llm="offline")),
    )
    for label, make in backends:
        agent = make()
        wall, cpu = [], []
        for number in range(-1, conversations):
            config = {"configurable": {"thread_id": f"{label}-{number}"}}
            for text in texts:
                started, used = time.perf_counter(), time.process_time()
                agent.invoke({"messages": [{"role": "user", "content": text}]}, config)
                if number >= 0:  # the first conversation warms up
                    wall.append(time.perf_counter() - started)
                    cpu.append(time.process_time() - used)
        figures[f"{label} p50 ms"] = statistics.median(wall) * 1000
        figures[f"{label} CPU ms/turn"] = statistics.mean(cpu) * 1000
print(json.dumps(figures))
"""
"""Runs inside each revision's tree: ``bench.bench_turns``'s script and in-memory saver, the
revision's own ``create_agent``; wall-clock p50 and the process's CPU time per turn (mean), which
a busy shared machine disturbs much less than the wall clock."""


def _export(revision: str, into: Path) -> Path:
    """The tree of ``revision`` (or this working tree for ``.``) as a folder to run from."""
    if revision == ".":
        return Path.cwd()
    folder = into / revision
    archive = subprocess.run(["git", "archive", revision], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def _round(folder: Path, conversations: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(folder)}
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(conversations)],
        cwd=folder, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> None:
    """Run the rounds and print the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("revisions", nargs="+", help="git revisions; '.' is this working tree")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--conversations", type=int, default=10, help="per backend per round")
    args = parser.parse_args(argv)
    results: dict[str, list[dict[str, float]]] = {revision: [] for revision in args.revisions}
    with tempfile.TemporaryDirectory() as temporary:
        folders = {revision: _export(revision, Path(temporary)) for revision in args.revisions}
        for number in range(args.rounds):
            shift = number % len(args.revisions)
            for revision in args.revisions[shift:] + args.revisions[:shift]:
                results[revision].append(_round(folders[revision], args.conversations))
                print(f"round {number + 1} {revision}: {results[revision][-1]}", file=sys.stderr)
    labels = list(results[args.revisions[0]][0])
    print("| revision | " + " | ".join(labels) + " |")
    print("|---|" + "---:|" * len(labels))
    for revision, rounds in results.items():
        cells = [f"{statistics.median(r[label] for r in rounds):.2f}" for label in labels]
        print(f"| {revision} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
