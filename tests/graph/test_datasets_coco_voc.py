"""COCO and Pascal VOC datasets: valid trees, and every planted problem found with its count."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from graph.datasets import DatasetReport, inspect_dataset
from graph.datasets.samples import make_sample_dataset


def found(report: DatasetReport) -> dict[str, int]:
    """Problem code -> total occurrences (over splits)."""
    totals: dict[str, int] = {}
    for problem in report.problems:
        totals[problem.code] = totals.get(problem.code, 0) + problem.count
    return totals


def test_coco_valid(tmp_path: Path) -> None:
    report = inspect_dataset(make_sample_dataset(tmp_path, "coco", image_kind="jpg"))
    assert report.format == "coco" and report.class_names == ("cat", "dog", "bird")
    assert [(s.name, s.images) for s in report.splits] == [("train", 12), ("val", 6)]
    assert report.split("val").per_class == (("cat", 2), ("dog", 2), ("bird", 2))  # type: ignore[union-attr]
    assert report.problems == ()


def test_coco_every_planted_problem(tmp_path: Path) -> None:
    broken = {
        "missing_image",
        "annotation_missing_image",
        "annotation_missing_category",
        "bad_bbox",
        "not_an_image",
        "empty_category",
    }
    report = inspect_dataset(make_sample_dataset(tmp_path, "coco", broken=broken))
    assert found(report) == {
        "image_file_missing": 1,
        "not_an_image": 1,
        "annotation_image_missing": 1,
        "annotation_category_missing": 1,
        "bbox_invalid": 1,
        "empty_class": 2,  # "zebra" has no annotations in train nor in val
    }
    dangling = next(p for p in report.problems if p.code == "annotation_image_missing")
    assert dangling.examples == ("annotation 90001",) and dangling.split == "train"
    assert report.num_classes == 4 and report.split("train").images == 10  # type: ignore[union-attr]


def test_coco_invalid_json_is_an_error_and_the_other_split_still_counts(tmp_path: Path) -> None:
    report = inspect_dataset(make_sample_dataset(tmp_path, "coco", broken={"invalid_json"}))
    assert found(report) == {"json_invalid": 1, "no_validation_split": 1}
    assert [s.name for s in report.splits] == ["train"]


def test_coco_categories_differing_between_splits(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "coco")
    val = root / "annotations" / "instances_val.json"
    doc = json.loads(val.read_text())
    doc["categories"] = doc["categories"][:2]
    doc["annotations"] = [a for a in doc["annotations"] if a["category_id"] <= 2]
    val.write_text(json.dumps(doc))
    report = inspect_dataset(root)
    assert found(report) == {"class_mismatch": 1}
    assert "val lacks bird" in report.errors[0].message


def test_coco_roboflow_layout_and_single_json_path(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path / "src", "coco")
    for split in ("train", "val"):
        shutil.move(root / "annotations" / f"instances_{split}.json", root / split)
        (root / split / f"instances_{split}.json").rename(root / split / "_annotations.coco.json")
    (root / "annotations").rmdir()
    report = inspect_dataset(root)
    assert [(s.name, s.images) for s in report.splits] == [("train", 12), ("val", 6)]
    single = inspect_dataset(root / "train" / "_annotations.coco.json")
    assert single.format == "coco" and single.total_images == 12


def test_voc_valid_with_imagesets(tmp_path: Path) -> None:
    report = inspect_dataset(make_sample_dataset(tmp_path, "voc"))
    assert report.format == "voc" and report.class_names == ("bird", "cat", "dog")
    assert [(s.name, s.images) for s in report.splits] == [("train", 12), ("val", 6)]
    assert report.problems == ()


def test_voc_every_planted_problem(tmp_path: Path) -> None:
    broken = {
        "missing_image",
        "invalid_xml",
        "missing_annotation",
        "bad_bbox",
        "split_entry_missing",
        "not_an_image",
    }
    report = inspect_dataset(make_sample_dataset(tmp_path, "voc", broken=broken))
    assert found(report) == {
        "image_file_missing": 1,
        "xml_invalid": 1,
        "annotation_missing": 1,
        "bbox_invalid": 1,
        "split_entry_missing": 1,
        "not_an_image": 1,
    }
    entry = next(p for p in report.problems if p.code == "split_entry_missing")
    assert entry.examples == ("ghost_000001",) and entry.message.count("train.txt") == 1


@pytest.mark.parametrize("variant", ["bad_bbox", "invalid_xml", "missing_image"])
def test_voc_single_variants(tmp_path: Path, variant: str) -> None:
    report = inspect_dataset(make_sample_dataset(tmp_path, "voc", broken={variant}))
    code = {"bad_bbox": "bbox_invalid", "invalid_xml": "xml_invalid"}.get(
        variant, "image_file_missing"
    )
    assert found(report) == {code: 1}


def test_voc_without_imagesets_is_one_split(tmp_path: Path) -> None:
    root = make_sample_dataset(tmp_path, "voc")
    shutil.rmtree(root / "ImageSets")
    report = inspect_dataset(root)
    assert [(s.name, s.images) for s in report.splits] == [("all", 18)]
    assert found(report) == {"no_validation_split": 1}


def test_voc_inside_vocdevkit(tmp_path: Path) -> None:
    make_sample_dataset(tmp_path / "VOCdevkit" / "VOC2012", "voc")
    report = inspect_dataset(tmp_path)
    assert report.format == "voc" and report.total_images == 18 and report.problems == ()
