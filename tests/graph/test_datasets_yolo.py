"""YOLO datasets: data.yaml resolution, label checks, and every planted problem with its count."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from graph.datasets import DatasetReport, inspect_dataset
from graph.datasets.samples import make_sample_dataset
from graph.datasets.yolo import label_path_for


def found(report: DatasetReport) -> dict[str, int]:
    """Problem code -> total occurrences (over splits)."""
    totals: dict[str, int] = {}
    for problem in report.problems:
        totals[problem.code] = totals.get(problem.code, 0) + problem.count
    return totals


def test_valid_dataset_counts_objects_per_class(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "yolo", images_per_class=4)
    report = inspect_dataset(root)
    assert report.format == "yolo" and report.class_names == ("cat", "dog", "bird")
    assert report.num_classes == 3
    assert [(s.name, s.images) for s in report.splits] == [("train", 12), ("val", 6)]
    assert report.split("train").per_class == (("cat", 4), ("dog", 4), ("bird", 4))  # type: ignore[union-attr]
    assert report.problems == ()


def test_the_yaml_file_itself_can_be_given(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "yolo")
    report = inspect_dataset(root / "data.yaml")
    assert report.format == "yolo" and report.total_images == 18 and report.problems == ()


@pytest.mark.parametrize(
    ("variant", "code", "severity"),
    [
        ("missing_label", "label_missing", "warning"),
        ("empty_label", "label_empty", "warning"),
        ("malformed_label", "label_malformed", "error"),
        ("class_out_of_range", "class_id_out_of_range", "error"),
        ("out_of_bounds", "label_out_of_bounds", "error"),
        ("not_an_image", "not_an_image", "error"),
        ("nc_mismatch", "nc_mismatch", "error"),
        ("missing_val_dir", "split_path_missing", "error"),
        ("no_yaml", "yaml_missing", "error"),
    ],
)
def test_each_broken_variant_gives_its_problem(
    tmp_path: Path, variant: str, code: str, severity: str
) -> None:
    report = inspect_dataset(make_sample_dataset(tmp_path, "yolo", broken={variant}))
    problems = [p for p in report.problems if p.code == code]
    assert len(problems) == 1 and problems[0].count == 1 and problems[0].severity == severity
    extra = set(found(report)) - {code}
    if variant == "missing_val_dir":
        assert extra == {"no_images"}  # the val split that points nowhere has no images
    else:
        assert extra == set()


def test_all_label_problems_at_once_are_all_reported(tmp_path: Path) -> None:
    broken = {
        "missing_label",
        "empty_label",
        "malformed_label",
        "class_out_of_range",
        "out_of_bounds",
        "not_an_image",
    }
    report = inspect_dataset(make_sample_dataset(tmp_path, "yolo", broken=broken))
    assert found(report) == {
        "label_missing": 1,
        "label_empty": 1,
        "label_malformed": 1,
        "class_id_out_of_range": 1,
        "label_out_of_bounds": 1,
        "not_an_image": 1,
    }
    out_of_range = next(p for p in report.problems if p.code == "class_id_out_of_range")
    assert "0-2" in out_of_range.message and out_of_range.examples[0].endswith(".txt:1")
    # Images that are not images are not counted; label problems still are images.
    assert report.split("train").images == 11  # type: ignore[union-attr]


def test_malformed_lines_are_counted_per_line(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "yolo")
    label = root / "labels" / "train" / "train_1_000000.txt"
    label.write_text("1 0.5 0.5 0.2 0.2\nx 0.5 0.5 0.2 0.2\n1 0.5 0.5\n1.5 0.1 0.1 0.1 0.1\n\n")
    report = inspect_dataset(root)
    problem = report.errors[0]
    assert (problem.code, problem.count) == ("label_malformed", 3)
    assert problem.examples == (f"{label}:2", f"{label}:3", f"{label}:4")


def test_polygons_and_keypoints_follow_the_yaml(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "yolo")
    label = root / "labels" / "train" / "train_0_000000.txt"
    label.write_text("0 0.1 0.1 0.9 0.1 0.5 0.9\n")  # a triangle: segmentation polygon
    assert inspect_dataset(root).problems == ()
    data = yaml.safe_load((root / "data.yaml").read_text())
    data["kpt_shape"] = [2, 3]
    (root / "data.yaml").write_text(yaml.safe_dump(data))
    label.write_text("0 0.5 0.5 0.2 0.2 0.4 0.4 2 0.6 0.6 1\n")
    report = inspect_dataset(root)
    # Every 5-column box line is now too short, which leaves dog and bird without objects.
    assert found(report) == {"label_malformed": 17, "empty_class": 2}
    assert report.split("train").per_class == (("cat", 1), ("dog", 0), ("bird", 0))  # type: ignore[union-attr]


def test_roboflow_layout_with_parent_relative_paths(tmp_path: Path) -> None:
    make_sample_dataset(tmp_path / "src", "yolo")
    for split in ("train", "val"):
        (tmp_path / split).mkdir()
        (tmp_path / "src" / "images" / split).rename(tmp_path / split / "images")
        (tmp_path / "src" / "labels" / split).rename(tmp_path / split / "labels")
    data = {"train": "../train/images", "val": "../val/images", "nc": 3, "names": ["a", "b", "c"]}
    (tmp_path / "data.yaml").write_text(yaml.safe_dump(data))
    report = inspect_dataset(tmp_path / "data.yaml")
    assert [(s.name, s.images) for s in report.splits] == [("train", 12), ("val", 6)]
    assert report.problems == ()


def test_image_list_files_and_names_as_mapping(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "yolo")
    images = sorted((root / "images" / "train").iterdir())
    (root / "train.txt").write_text("".join(f"./images/train/{p.name}\n" for p in images[::4]))
    data = {"train": "train.txt", "val": "images/val", "names": {0: "cat", 1: "dog", 2: "bird"}}
    (root / "data.yaml").write_text(yaml.safe_dump(data))
    report = inspect_dataset(root)
    assert report.class_names == ("cat", "dog", "bird")
    assert report.split("train").images == 3 and report.problems == ()  # type: ignore[union-attr]


def test_yaml_that_is_not_yaml_is_an_error(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "yolo")
    (root / "data.yaml").write_text("names: [a, b\ntrain: images/train\n")
    report = inspect_dataset(root)
    assert report.format == "yolo" and found(report) == {"yaml_invalid": 1}


def test_label_path_swaps_the_last_images_folder() -> None:
    assert label_path_for("/d/images/train/a.b.jpg") == "/d/labels/train/a.b.txt"
    assert label_path_for("/images/d/images/x.png") == "/images/d/labels/x.txt"
    assert label_path_for("/d/pics/x.png") == "/d/pics/x.txt"
