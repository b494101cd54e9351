"""How fast ``inspect_dataset`` reads 40,000 images, against issue 4's target (≤ 3 s).

Generates the datasets once in a temporary folder with ``graph.datasets.samples`` (real 8×8
PNG bytes, YOLO labels with one box each), then times full inspections — every image's magic
bytes read, every label parsed — and prints a markdown table of the median of ``--runs`` runs.
Figures are with the files in the OS page cache (they were just written); dropping caches needs
privileges we do not take on a shared machine.

    python bench/bench_datasets.py [--images 40000] [--runs 5] [--formats imagefolder yolo coco voc]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from graph.datasets import inspect_dataset  # noqa: E402
from graph.datasets.samples import make_sample_dataset  # noqa: E402

__all__ = ["measure", "main"]

CLASSES = tuple(f"class_{i:02d}" for i in range(10))
TARGET_S = 3.0


def _per_class(images: int) -> int:
    """Images per class in the train split so that train + val (half as many) ≈ ``images``."""
    return round(images / len(CLASSES) / 1.5)


def measure(fmt: str, images: int, runs: int, workdir: Path) -> dict[str, float]:
    """Generate one ``fmt`` dataset of about ``images`` images and time ``runs`` inspections."""
    started = time.perf_counter()
    root = make_sample_dataset(
        workdir / fmt, fmt, classes=CLASSES, images_per_class=_per_class(images)
    )
    generated = time.perf_counter() - started
    times, report = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        report = inspect_dataset(root, time_budget_s=60.0)
        times.append(time.perf_counter() - t0)
    assert report is not None and not report.truncated and report.problems == (), report
    median = statistics.median(times)
    return {
        "images": float(report.total_images),
        "generate_s": generated,
        "median_s": median,
        "min_s": min(times),
        "max_s": max(times),
        "images_per_s": report.total_images / median,
    }


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark, print the markdown table and return it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=40_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--formats",
        nargs="+",
        default=["imagefolder", "yolo"],
        choices=["imagefolder", "yolo", "coco", "voc"],
    )
    args = parser.parse_args(argv)
    lines = [
        f"### Dataset inspection, {args.images:,} images (median of {args.runs} runs)",
        "",
        "| format | images | median s | min s | max s | images/s | target | generate s |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    with tempfile.TemporaryDirectory(prefix="trainchat-bench-datasets-") as tmp:
        for fmt in args.formats:
            r = measure(fmt, args.images, args.runs, Path(tmp))
            verdict = "ok" if r["median_s"] <= TARGET_S else "MISSED"
            lines.append(
                f"| {fmt} | {int(r['images']):,} | {r['median_s']:.3f} | {r['min_s']:.3f} | "
                f"{r['max_s']:.3f} | {r['images_per_s']:,.0f} | ≤ {TARGET_S:g} s {verdict} | "
                f"{r['generate_s']:.1f} |"
            )
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
