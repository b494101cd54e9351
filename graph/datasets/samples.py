"""Small real datasets on disk — valid, or broken in one named way — for tests, bench and demos.

Why generated rather than checked in: every test gets a fresh tree in its own temporary folder,
the benchmark scales the same code to 40,000 images, and each ``broken`` variant plants exactly
one occurrence of one problem, so tests can assert the exact codes and counts inspection finds.
Images are real bytes: an 8×8 PNG made with ``zlib`` and an 8×8 JPEG encoded once by Pillow.
"""

from __future__ import annotations

import base64
import json
import os
import struct
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml

__all__ = ["make_sample_dataset", "BROKEN_VARIANTS", "png_bytes", "JPEG_BYTES"]

JPEG_BYTES: bytes = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERX"
    "RTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj"
    "Y2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAIAAgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAA"
    "AAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAk"
    "M2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKT"
    "lJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QA"
    "HwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdh"
    "cRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hp"
    "anN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk"
    "5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDLoooriPpj/9k="
)
"""An 8×8 red baseline JPEG (Pillow 13, quality 50)."""


def png_bytes(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    """A valid truecolour PNG of one colour, built from its chunks (no imaging library)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


PNG_BYTES = png_bytes()
NOT_AN_IMAGE = b"this is a text file wearing an image extension\n"

BROKEN_VARIANTS: dict[str, frozenset[str]] = {
    "imagefolder": frozenset(
        {"not_an_image", "empty_class", "class_mismatch", "imbalance", "stray_files"}
    ),
    "yolo": frozenset(
        {
            "missing_label", "empty_label", "malformed_label", "class_out_of_range",
            "out_of_bounds", "not_an_image", "nc_mismatch", "missing_val_dir", "no_yaml",
        }
    ),
    "coco": frozenset(
        {
            "missing_image", "annotation_missing_image", "annotation_missing_category",
            "bad_bbox", "not_an_image", "invalid_json", "empty_category",
        }
    ),
    "voc": frozenset(
        {
            "missing_image", "invalid_xml", "missing_annotation", "bad_bbox",
            "split_entry_missing", "not_an_image",
        }
    ),
}  # fmt: skip
"""Per format, the names ``broken=`` accepts; each plants one occurrence of one problem."""


def make_sample_dataset(
    root: str | os.PathLike[str],
    format: str,
    *,
    classes: Sequence[str] = ("cat", "dog", "bird"),
    images_per_class: int = 4,
    splits: Sequence[str] = ("train", "val"),
    broken: Iterable[str] = (),
    image_kind: str = "png",
) -> Path:
    """Write a ``format`` dataset under ``root`` and return the path to give ``inspect_dataset``.

    ``images_per_class`` images per class in the first split, half as many (at least one) in
    the others. ``broken`` names variants from ``BROKEN_VARIANTS[format]``; an unknown name
    raises ``ValueError`` listing the accepted ones.
    """
    wanted = frozenset(broken)
    if format not in BROKEN_VARIANTS:
        raise ValueError(f"unknown format {format!r}; expected one of {sorted(BROKEN_VARIANTS)}")
    unknown = wanted - BROKEN_VARIANTS[format]
    if unknown:
        allowed = sorted(BROKEN_VARIANTS[format])
        raise ValueError(f"unknown broken variant(s) {sorted(unknown)} for {format}; use {allowed}")
    base = Path(root)
    base.mkdir(parents=True, exist_ok=True)
    image = JPEG_BYTES if image_kind == "jpg" else PNG_BYTES
    ext = ".jpg" if image_kind == "jpg" else ".png"
    plan = _Plan(tuple(classes), images_per_class, tuple(splits), image, ext)
    writer = {"imagefolder": _imagefolder, "yolo": _yolo, "coco": _coco, "voc": _voc}[format]
    return writer(base, plan, wanted)


class _Plan:
    def __init__(
        self,
        classes: tuple[str, ...],
        per_class: int,
        splits: tuple[str, ...],
        image: bytes,
        ext: str,
    ) -> None:
        self.classes, self.splits, self.image, self.ext = classes, splits, image, ext
        self.per_class = per_class

    def count(self, split_index: int) -> int:
        return self.per_class if split_index == 0 else max(1, self.per_class // 2)

    def items(self) -> Iterable[tuple[int, str, int, int, str]]:
        """(split index, split, class index, image number, stem) for every image."""
        for s, split in enumerate(self.splits):
            for c in range(len(self.classes)):
                for i in range(self.count(s)):
                    yield s, split, c, i, f"{split}_{c}_{i:06d}"


def _slots(plan: _Plan, order: Sequence[str], broken: frozenset[str]) -> dict[tuple[int, int], str]:
    """Give each wanted variant its own training image (class, number), never number 0."""
    free = [(c, i) for i in range(1, plan.count(0)) for c in range(len(plan.classes))]
    wanted = [variant for variant in order if variant in broken]
    if len(wanted) > len(free):
        raise ValueError(f"images_per_class too small to plant {len(wanted)} broken variants")
    return dict(zip(free, wanted, strict=False))


def _imagefolder(base: Path, plan: _Plan, broken: frozenset[str]) -> Path:
    for s, split in enumerate(plan.splits):
        for c, name in enumerate(plan.classes):
            if "class_mismatch" in broken and s > 0 and c == len(plan.classes) - 1:
                continue
            folder = base / split / name
            folder.mkdir(parents=True, exist_ok=True)
            extra = plan.count(s) * 11 if "imbalance" in broken and s == 0 and c == 0 else 0
            for i in range(plan.count(s) + extra):
                (folder / f"{name}_{i:06d}{plan.ext}").write_bytes(plan.image)
        if "empty_class" in broken:
            (base / split / "zebra").mkdir(parents=True, exist_ok=True)
    first = base / plan.splits[0] / plan.classes[0]
    if "not_an_image" in broken:
        (first / "broken.jpg").write_bytes(NOT_AN_IMAGE)
    if "stray_files" in broken:
        (first / "notes.txt").write_text("not an image")
        (base / plan.splits[0] / f"loose{plan.ext}").write_bytes(plan.image)
    return base


def _yolo(base: Path, plan: _Plan, broken: frozenset[str]) -> Path:
    slots = _slots(plan, [variant for variant, _ in _YOLO_PLANTS], broken)
    plants = dict(_YOLO_PLANTS)
    for s, split, c, i, stem in plan.items():
        images, labels = base / "images" / split, base / "labels" / split
        if i == 0 and c == 0:
            images.mkdir(parents=True, exist_ok=True)
            labels.mkdir(parents=True, exist_ok=True)
        variant = slots.get((c, i)) if s == 0 else None
        line = f"{c} 0.5 0.5 0.25 0.25\n"
        if variant is not None:
            line = plants[variant].format(nc=len(plan.classes))
        bad_image = line == "<image>"
        (images / f"{stem}{plan.ext}").write_bytes(NOT_AN_IMAGE if bad_image else plan.image)
        if line == "<none>":
            continue
        if bad_image:
            line = f"{c} 0.5 0.5 0.25 0.25\n"
        (labels / f"{stem}.txt").write_text(line)
    data: dict[str, object] = {"train": f"images/{plan.splits[0]}"}
    if len(plan.splits) > 1:
        data["val"] = f"images/{plan.splits[1]}"
        if "missing_val_dir" in broken:
            data["val"] = "images/validation_missing"
    data["nc"] = len(plan.classes) + (1 if "nc_mismatch" in broken else 0)
    data["names"] = list(plan.classes)
    if "no_yaml" not in broken:
        (base / "data.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return base


_YOLO_PLANTS = (
    ("missing_label", "<none>"),
    ("empty_label", ""),
    ("malformed_label", "0 0.5 0.5 oops 0.25\n"),
    ("class_out_of_range", "{nc} 0.5 0.5 0.25 0.25\n"),
    ("out_of_bounds", "0 1.5 0.5 0.25 0.25\n"),
    ("not_an_image", "<image>"),
)


def _coco(base: Path, plan: _Plan, broken: frozenset[str]) -> Path:
    (base / "annotations").mkdir(parents=True, exist_ok=True)
    categories = [{"id": c + 1, "name": name} for c, name in enumerate(plan.classes)]
    if "empty_category" in broken:
        categories.append({"id": len(plan.classes) + 1, "name": "zebra"})
    docs: dict[str, dict[str, list[dict[str, object]]]] = {}
    slots = _slots(plan, ("missing_image", "not_an_image"), broken)
    for s, split, c, i, stem in plan.items():
        folder = base / split
        folder.mkdir(exist_ok=True)
        doc = docs.setdefault(split, {"images": [], "annotations": [], "categories": categories})
        image_id = len(doc["images"]) + 1
        name = f"{stem}{plan.ext}"
        doc["images"].append({"id": image_id, "file_name": name, "width": 8, "height": 8})
        variant = slots.get((c, i)) if s == 0 else None
        if variant != "missing_image":
            bad = variant == "not_an_image"
            (folder / name).write_bytes(NOT_AN_IMAGE if bad else plan.image)
        ann: dict[str, object] = {"id": len(doc["annotations"]) + 1, "image_id": image_id}
        ann.update(category_id=c + 1, bbox=[1, 1, 4, 4])
        doc["annotations"].append(ann)
    train = docs[plan.splits[0]]["annotations"]
    if "annotation_missing_image" in broken:
        train.append({"id": 90001, "image_id": 99999, "category_id": 1, "bbox": [1, 1, 4, 4]})
    if "annotation_missing_category" in broken:
        train.append({"id": 90002, "image_id": 1, "category_id": 999, "bbox": [1, 1, 4, 4]})
    if "bad_bbox" in broken:
        train.append({"id": 90003, "image_id": 1, "category_id": 1, "bbox": [1, 1, 0, 4]})
    for s, (split, doc) in enumerate(docs.items()):
        text = json.dumps(doc)
        if "invalid_json" in broken and s == len(docs) - 1:
            text = text[: len(text) // 2]
        (base / "annotations" / f"instances_{split}.json").write_text(text)
    return base


def _voc(base: Path, plan: _Plan, broken: frozenset[str]) -> Path:
    ann, img = base / "Annotations", base / "JPEGImages"
    sets = base / "ImageSets" / "Main"
    for folder in (ann, img, sets):
        folder.mkdir(parents=True, exist_ok=True)
    ids: dict[str, list[str]] = {}
    order = ("bad_bbox", "invalid_xml", "missing_image", "not_an_image")
    slots = _slots(plan, order, broken)
    for s, split, c, i, stem in plan.items():
        ids.setdefault(split, []).append(stem)
        variant = slots.get((c, i)) if s == 0 else None
        box = (1, 1, 0, 4) if variant == "bad_bbox" else (1, 1, 6, 6)
        xml = _voc_xml(stem, plan.classes[c], box)
        if variant == "invalid_xml":
            xml = xml[: len(xml) // 2]
        (ann / f"{stem}.xml").write_text(xml)
        if variant != "missing_image":
            bad = variant == "not_an_image"
            (img / f"{stem}.jpg").write_bytes(NOT_AN_IMAGE if bad else JPEG_BYTES)
    if "missing_annotation" in broken:
        (img / "unlabelled_000001.jpg").write_bytes(JPEG_BYTES)
    if "split_entry_missing" in broken:
        ids[plan.splits[0]].append("ghost_000001")
    for split, stems in ids.items():
        (sets / f"{split}.txt").write_text("\n".join(stems) + "\n")
    return base


def _voc_xml(stem: str, name: str, box: tuple[int, int, int, int]) -> str:
    xmin, ymin, xmax, ymax = box
    return (
        f"<annotation><filename>{stem}.jpg</filename>"
        "<size><width>8</width><height>8</height><depth>3</depth></size>"
        f"<object><name>{name}</name><difficult>0</difficult><bndbox><xmin>{xmin}</xmin>"
        f"<ymin>{ymin}</ymin><xmax>{xmax}</xmax><ymax>{ymax}</ymax></bndbox></object>"
        "</annotation>\n"
    )
