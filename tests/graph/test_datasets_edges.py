"""Inspection at the edges: missing or refused paths, loops, permissions, budgets, layouts,
and the task/format compatibility rules."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.datasets import (
    ROOTS_ENV,
    DatasetReport,
    check_compatibility,
    compatible_formats,
    inspect_dataset,
)
from graph.datasets.samples import make_sample_dataset


def found(report: DatasetReport) -> dict[str, int]:
    """Problem code -> total occurrences (over splits)."""
    totals: dict[str, int] = {}
    for problem in report.problems:
        totals[problem.code] = totals.get(problem.code, 0) + problem.count
    return totals


def test_missing_path_says_it_is_not_on_this_machine(tmp_path: Path) -> None:
    report = inspect_dataset(r"C:\datasets\cls\imagenet-10")
    assert not report.exists and report.format is None and found(report) == {"path_not_found": 1}
    assert "not found on this machine" in report.summary()
    assert "이 컴퓨터에서 찾을 수 없습니다" in report.summary("ko")


def test_home_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    make_sample_dataset(tmp_path / "cls", "imagefolder")
    report = inspect_dataset("~/cls")
    assert report.path == str(tmp_path / "cls") and report.format == "imagefolder"


def test_file_that_is_not_a_dataset(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    assert found(inspect_dataset(tmp_path / "notes.txt")) == {"not_a_directory": 1}


def test_unknown_layout_is_one_error_without_noise(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print()")
    (tmp_path / "README.md").write_text("# hi")
    report = inspect_dataset(tmp_path)
    assert report.exists and report.format is None and found(report) == {"unknown_layout": 1}
    assert "Found 0 loose image(s) and 1 folder(s)" in report.errors[0].message


def test_empty_folder_is_unknown_layout(tmp_path: Path) -> None:
    assert found(inspect_dataset(tmp_path)) == {"unknown_layout": 1}


def test_roots_confine_inspection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    make_sample_dataset(allowed / "cls", "imagefolder")
    make_sample_dataset(outside / "cls", "imagefolder")
    (allowed / "escape").symlink_to(outside)
    monkeypatch.setenv(ROOTS_ENV, os.pathsep.join([str(allowed), str(tmp_path / "other")]))
    assert inspect_dataset(allowed / "cls").format == "imagefolder"
    for refused in (outside / "cls", allowed / "escape" / "cls", allowed / ".." / "outside"):
        report = inspect_dataset(refused)
        assert found(report) == {"path_outside_roots": 1}
        assert not report.exists and report.format is None and report.splits == ()
        assert "TRAINCHAT_DATASET_ROOTS" in report.errors[0].message
        assert "not inspected (outside the allowed folders)" in report.summary()


def test_symlink_loop_is_skipped_and_reported(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "imagefolder")
    (root / "train" / "dog" / "self").symlink_to(root / "train" / "dog")
    (root / "val" / "cat" / "up").symlink_to(root / "val")
    report = inspect_dataset(root)
    assert found(report) == {"symlink_loop": 2}
    loop = next(p for p in report.problems if p.code == "symlink_loop")
    assert loop.examples == (
        str(root / "train" / "dog" / "self"),
        str(root / "val" / "cat" / "up" / "cat"),
    )
    assert report.split("train").per_class == (("bird", 4), ("cat", 4), ("dog", 4))  # type: ignore[union-attr]
    # "up" leads to val/, whose other class folders are not a loop: they count once more.
    assert report.split("val").per_class == (("bird", 2), ("cat", 6), ("dog", 2))  # type: ignore[union-attr]


def test_dangling_symlink_is_not_a_crash(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "imagefolder")
    (root / "train" / "cat" / "gone.png").symlink_to(tmp_path / "nowhere.png")
    report = inspect_dataset(root)
    assert report.format == "imagefolder" and report.split("train").images == 12  # type: ignore[union-attr]
    assert found(report) == {"broken_symlink": 1}
    assert report.warnings[0].examples == (str(root / "train" / "cat" / "gone.png"),)


SETPRIV = shutil.which("setpriv")


@pytest.mark.skipif(
    SETPRIV is None or not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="root reads everything; needs root and setpriv to drop CAP_DAC_OVERRIDE",
)
def test_unreadable_folder_and_file_are_reported_as_permission_denied(tmp_path: Path) -> None:
    """Root ignores permission bits, so the inspection runs in a child process whose root has
    lost CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH (``setpriv``): real EACCES, no mock."""
    root = make_sample_dataset(tmp_path / "cls", "imagefolder")
    (root / "train" / "dog").chmod(0o000)
    secret = root / "val" / "cat" / "cat_000000.png"
    secret.chmod(0o000)
    script = (
        "import json, sys; from graph.datasets import inspect_dataset; "
        "r = inspect_dataset(sys.argv[1]); "
        "print(json.dumps([[p.code, p.count, list(p.examples)] for p in r.problems]))"
    )
    drop = "-dac_override,-dac_read_search"
    try:
        out = subprocess.run(
            [str(SETPRIV), f"--bounding-set={drop}", f"--inh-caps={drop}", "--"]
            + [sys.executable, "-c", script, str(root)],
            cwd=Path(__file__).resolve().parents[2],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    finally:
        (root / "train" / "dog").chmod(0o755)
        secret.chmod(0o644)
    problems = json.loads(out.stdout)
    assert [p[:2] for p in problems] == [["permission_denied", 2]]
    assert sorted(problems[0][2]) == sorted([str(root / "train" / "dog"), str(secret)])


def test_entry_budget_truncates_with_a_clear_problem(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "imagefolder", images_per_class=40)
    report = inspect_dataset(root, max_entries=50)
    assert report.truncated and found(report).get("inspection_truncated") == 1
    assert "max_entries=50" in next(p.message for p in report.warnings if p.code.startswith("insp"))
    assert report.total_images < 180
    assert "counts are partial" in report.summary()


def test_time_budget_truncates(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "yolo", images_per_class=20)
    report = inspect_dataset(root, time_budget_s=0.0)
    assert report.truncated and "time budget" in report.warnings[0].message


@pytest.mark.parametrize(
    ("framework", "task", "formats"),
    [
        ("timm", "image_classification", ("imagefolder",)),
        ("timm", "object_detection", ()),
        ("ultralytics", "image_classification", ("imagefolder",)),
        ("ultralytics", "object_detection", ("yolo", "coco", "voc")),
        ("ultralytics", "instance_segmentation", ("yolo", "coco")),
        ("ultralytics", "oriented_detection", ("yolo",)),
    ],
)
def test_compatible_formats(framework: str, task: str, formats: tuple[str, ...]) -> None:
    assert compatible_formats(framework, task) == formats


@pytest.mark.parametrize(
    ("framework", "task", "fmt", "expected"),
    [
        ("timm", "image_classification", "imagefolder", None),
        ("ultralytics", "object_detection", "yolo", None),
        ("ultralytics", "object_detection", "coco", ("needs_conversion", "warning")),
        ("ultralytics", "object_detection", "voc", ("needs_conversion", "warning")),
        ("ultralytics", "object_detection", "imagefolder", ("format_task_mismatch", "error")),
        ("timm", "image_classification", "yolo", ("format_task_mismatch", "error")),
        ("ultralytics", "image_classification", "coco", ("format_task_mismatch", "error")),
        ("timm", "object_detection", "coco", ("format_task_mismatch", "error")),
        ("ultralytics", "oriented_detection", "voc", ("format_task_mismatch", "error")),
        (None, None, "yolo", None),
        ("ultralytics", "object_detection", None, None),
    ],
)
def test_check_compatibility(
    framework: str | None, task: str | None, fmt: str | None, expected: tuple[str, str] | None
) -> None:
    problem = check_compatibility(framework, task, fmt)
    assert (None if problem is None else (problem.code, problem.severity)) == expected
    if problem is not None:
        assert problem.message and problem.message_ko


def test_detector_with_classification_dataset_says_why() -> None:
    problem = check_compatibility("ultralytics", "object_detection", "imagefolder")
    assert problem is not None and "class labels only" in problem.message


@pytest.mark.slow
def test_forty_thousand_images_within_three_seconds(tmp_path: Path) -> None:
    classes = [f"class_{i}" for i in range(10)]
    root = make_sample_dataset(tmp_path, "imagefolder", classes=classes, images_per_class=2667)
    report = inspect_dataset(root)
    assert report.total_images == 40_000 and report.problems == ()
    assert report.elapsed_s <= 3.0


JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False)
    | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
COCO_KEYS = st.sampled_from(["id", "image_id", "category_id", "bbox", "file_name", "name"])


@settings(max_examples=40, deadline=None)
@given(
    images=st.lists(st.dictionaries(COCO_KEYS, JSONISH, max_size=4), max_size=3),
    annotations=st.lists(st.dictionaries(COCO_KEYS, JSONISH, max_size=5), max_size=3),
    categories=st.lists(st.dictionaries(COCO_KEYS, JSONISH, max_size=3) | JSONISH, max_size=3),
)
def test_garbage_coco_never_breaks_inspection(
    images: list[object], annotations: list[object], categories: list[object]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "annotations").mkdir()
        doc = {"images": images, "annotations": annotations, "categories": categories}
        (Path(tmp) / "annotations" / "instances_train.json").write_text(json.dumps(doc))
        report = inspect_dataset(tmp)
        assert report.format == "coco" and "inspection_failed" not in found(report)


@settings(max_examples=40, deadline=None)
@given(
    data=st.dictionaries(
        st.sampled_from(["names", "nc", "train", "val", "path", "kpt_shape"]), JSONISH
    )
)
def test_garbage_data_yaml_never_breaks_inspection(data: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        make_sample_dataset(tmp, "yolo", images_per_class=2)
        (Path(tmp) / "data.yaml").write_text(yaml.safe_dump(data))
        report = inspect_dataset(tmp)
        assert report.format == "yolo" and "inspection_failed" not in found(report)
