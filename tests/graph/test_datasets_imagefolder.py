"""Image-folder datasets: layouts, counts, and every planted problem found with its count."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.datasets import DatasetReport, inspect_dataset
from graph.datasets.samples import JPEG_BYTES, make_sample_dataset


def found(report: DatasetReport) -> dict[str, int]:
    """Problem code -> total occurrences (over splits)."""
    totals: dict[str, int] = {}
    for problem in report.problems:
        totals[problem.code] = totals.get(problem.code, 0) + problem.count
    return totals


def test_split_layout_is_counted_per_split_and_class(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "imagefolder", images_per_class=6, image_kind="jpg")
    report = inspect_dataset(root)
    assert report.exists and report.format == "imagefolder"
    assert report.class_names == ("bird", "cat", "dog") and report.num_classes == 3
    assert [(s.name, s.images) for s in report.splits] == [("train", 18), ("val", 9)]
    assert report.split("val") is not None
    assert report.split("val").per_class == (("bird", 3), ("cat", 3), ("dog", 3))  # type: ignore[union-attr]
    assert report.problems == () and not report.truncated


@pytest.mark.parametrize("val_name", ["valid", "validation"])
def test_validation_synonyms_count_as_validation(tmp_path: Path, val_name: str) -> None:
    root = make_sample_dataset(tmp_path, "imagefolder", splits=("train", val_name, "test"))
    report = inspect_dataset(root)
    assert [s.name for s in report.splits] == ["train", val_name, "test"]
    assert "no_validation_split" not in found(report)


def test_flat_class_folders_are_one_split_without_validation(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "imagefolder", splits=("train",))
    flat = tmp_path / "flat"
    (root / "train").rename(flat)
    (flat / "dog" / "labels.csv").write_text("a,b")
    report = inspect_dataset(flat)
    assert report.format == "imagefolder"
    assert [(s.name, s.images) for s in report.splits] == [("all", 12)]
    assert found(report) == {"no_validation_split": 1, "non_image_files": 1}
    assert not report.errors


def test_every_planted_problem_is_reported_once(tmp_path: Path) -> None:
    root = make_sample_dataset(
        tmp_path,
        "imagefolder",
        broken={"not_an_image", "empty_class", "class_mismatch", "imbalance", "stray_files"},
    )
    report = inspect_dataset(root)
    assert found(report) == {
        "not_an_image": 1,
        "class_mismatch": 1,
        "images_outside_classes": 1,
        "non_image_files": 1,
        "empty_class": 2,  # the empty "zebra" folder, in train and in val
        "class_imbalance": 1,
    }
    assert {p.code for p in report.errors} == {"not_an_image", "class_mismatch"}
    mismatch = next(p for p in report.problems if p.code == "class_mismatch")
    assert "val lacks bird" in mismatch.message
    bad = next(p for p in report.problems if p.code == "not_an_image")
    assert bad.split == "train" and bad.examples[0].endswith("broken.jpg")
    imbalance = next(p for p in report.problems if p.code == "class_imbalance")
    assert "'cat' has 48" in imbalance.message and "'bird' has 4" in imbalance.message
    # Errors come first, so a reply that shows the top lines shows what blocks training.
    assert [p.severity for p in report.problems][:2] == ["error", "error"]


def test_not_an_image_counts_every_bad_file(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "imagefolder")
    for i in range(7):
        (root / "train" / "dog" / f"fake_{i}.png").write_bytes(b"GIF8 not really")
    (root / "val" / "cat" / "real.jpeg").write_bytes(JPEG_BYTES)
    report = inspect_dataset(root)
    problem = report.errors[0]
    assert (problem.code, problem.count, len(problem.examples)) == ("not_an_image", 7, 5)
    assert report.split("val").images == 7  # type: ignore[union-attr]


def test_a_split_without_images_is_an_error(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "imagefolder")
    for image in (root / "val").rglob("*.png"):
        image.unlink()
    report = inspect_dataset(root)
    assert found(report) == {"no_images": 1}
    assert report.errors[0].split == "val"


def test_summary_names_format_classes_splits_and_problems(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "imagefolder", broken={"not_an_image"})
    report = inspect_dataset(root)
    text = report.summary()
    assert "imagefolder format, 3 classes (bird, cat, dog)" in text
    assert "train: 12 images · val: 6 images" in text
    assert "1 error(s), 0 warning(s)" in text and "not images" in text
    korean = report.summary("ko")
    assert "클래스 3개" in korean and "오류 1건" in korean and "이미지가 아닙니다" in korean
