"""How fast the model catalog loads and answers, against issue 4's targets.

Targets: loading the catalog ≤ 20 ms; a name lookup with normalisation plus close-match
suggestions ≤ 10 ms. Cold figures come from fresh processes (what the first turn of a new
process pays: importing ``graph.catalog``, reading and indexing the snapshot, and the lazily built
indexes of the first suggestion and the first text scan), as wall time and as the process's own
CPU time — the latter stays meaningful when other jobs share the cores; warm figures are medians over many calls in one
process over a mix of spellings, typos and sentences.

    python bench/bench_catalog.py [--runs 15] [--calls 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["cold", "warm", "main"]

ROOT = Path(__file__).resolve().parents[1]

_COLD = """
import json, time
marks = [(time.perf_counter(), time.process_time())]
import graph.catalog
marks.append((time.perf_counter(), time.process_time()))
catalog = graph.catalog.load_catalog()
marks.append((time.perf_counter(), time.process_time()))
catalog.lookup("ResNet-18"); catalog.suggest("resnat18")
marks.append((time.perf_counter(), time.process_time()))
catalog.find_in_text("use yolov8 nano on C:/datasets/coco8")
marks.append((time.perf_counter(), time.process_time()))
phases = [
    "import graph.catalog",
    "load_catalog()",
    "first lookup + suggest (builds trigram index)",
    "first find_in_text (builds stem index)",
]
out = {}
for name, (wall0, cpu0), (wall1, cpu1) in zip(phases, marks, marks[1:]):
    out[name + ", wall"] = wall1 - wall0
    out[name + ", CPU"] = cpu1 - cpu0
print(json.dumps(out))
"""

SPELLINGS = ("ResNet-18", "EfficientNet B0", "YOLOv8 nano", "yolo11n-seg", "ViT-B/16", "rtdetr-l")
TYPOS = ("resnat18", "efficentnet_b0", "convnxt_tiny", "yolov8nn", "resnet")
SENTENCES = (
    "train resnet18 for classification",
    "ResNet18로 학습하고 싶어요",
    "use yolov8n on C:/datasets/coco8 for 10 epochs",
    "actually use efficientnet_b0",
    "batch 32, lr 3e-4, 10 epochs",
    "what's left?",
    "train resnat18 please",
)


def cold(runs: int) -> dict[str, list[float]]:
    """Seconds per phase for ``runs`` fresh interpreter processes (after one warm-up)."""
    phases: dict[str, list[float]] = {}
    for index in range(runs + 1):
        done = subprocess.run(
            [sys.executable, "-c", _COLD], cwd=ROOT, capture_output=True, text=True, check=True
        )
        if index == 0:
            continue  # the first run warms the OS file cache
        for phase, seconds in json.loads(done.stdout).items():
            phases.setdefault(phase, []).append(seconds)
    return phases


def _per_call(
    function: Callable[[str], object], inputs: tuple[str, ...], calls: int
) -> list[float]:
    times = []
    for index in range(calls):
        text = inputs[index % len(inputs)]
        start = time.perf_counter()
        function(text)
        times.append(time.perf_counter() - start)
    return times


def warm(calls: int) -> dict[str, list[float]]:
    """Seconds per call of each catalog operation in an already loaded process."""
    from graph.catalog import load_catalog

    catalog = load_catalog()
    catalog.suggest("warm-up")  # builds the lazy trigram index

    def lookup_and_suggest(text: str) -> object:
        return catalog.lookup(text) or catalog.suggest(text)

    return {
        "lookup (6 spellings)": _per_call(catalog.lookup, SPELLINGS, calls),
        "suggest (5 typos/families)": _per_call(catalog.suggest, TYPOS, calls),
        "lookup + suggest on a typo": _per_call(lookup_and_suggest, TYPOS, calls),
        "find_in_text (7 sentences)": _per_call(catalog.find_in_text, SENTENCES, calls),
        "describe": _per_call(catalog.describe, SPELLINGS, calls),
        "search (detection ≤ 10 M)": _per_call(
            lambda _t: catalog.search(task_type="object_detection", max_params_m=10),
            ("",),
            max(calls // 10, 1),
        ),
    }


def _row(name: str, seconds: list[float], unit: float, label: str) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    median = statistics.median(ordered)
    return f"| {name} | {median * unit:.3g} {label} | {p95 * unit:.3g} {label} | {len(seconds)} |"


def main() -> None:
    """Run both measurements and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes for cold figures")
    parser.add_argument("--calls", type=int, default=2000, help="calls per warm operation")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from graph.catalog import load_catalog

    catalog = load_catalog()
    counts = {fw: sum(e.framework == fw for e in catalog) for fw in catalog.versions}
    print(f"catalog: {len(catalog)} entries {counts}, versions {dict(catalog.versions)}\n")
    print("| operation | median | p95 | n |")
    print("|---|---|---|---|")
    for phase, seconds in cold(args.runs).items():
        print(_row(f"cold: {phase}", seconds, 1e3, "ms"))
    for operation, seconds in warm(args.calls).items():
        print(_row(f"warm: {operation}", seconds, 1e6, "µs"))


if __name__ == "__main__":
    main()
