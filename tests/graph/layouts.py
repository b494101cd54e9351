"""Tiny datasets laid out the way Ultralytics and Roboflow document them, for the fit rules.

Ultralytics (docs.ultralytics.com/datasets/{detect,segment,pose,obb}): a ``data.yaml`` with
``path``/``train``/``val``/``names`` beside ``images/{train,val}`` and ``labels/{train,val}``;
one ``.txt`` per image, one object per row — ``class x y w h`` (boxes), ``class x1 y1 … xn yn``
(polygons), ``class x y w h px1 py1 v1 …`` under ``kpt_shape`` (pose), ``class x1 y1 … x4 y4``
(OBB). Roboflow's YOLO export puts ``train/images``, ``train/labels``, ``valid/…`` next to a
``data.yaml`` whose paths start with ``../``; its COCO export puts ``_annotations.coco.json``
in each of ``train/``, ``valid/``, ``test/`` with an extra umbrella category (id 0, named after
the project, ``supercategory: "none"``) that every real class names as its supercategory.
Pascal VOC unpacks as ``VOCdevkit/VOC2012/{Annotations,JPEGImages,ImageSets/Main}``.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from graph.datasets.samples import JPEG_BYTES

__all__ = ["ultralytics_yolo", "roboflow_yolo", "roboflow_coco", "vocdevkit", "ROWS"]

ROWS: dict[str, str] = {
    "boxes": "0 0.5 0.5 0.4 0.4\n1 0.3 0.3 0.2 0.2\n",
    "polygons": "0 0.1 0.1 0.5 0.1 0.5 0.5 0.3 0.6 0.1 0.5\n1 0.6 0.6 0.9 0.6 0.8 0.9\n",
    "keypoints": "0 0.5 0.5 0.4 0.4 0.4 0.4 2 0.6 0.4 2 0.5 0.6 1\n",
    "obb": "0 0.78 0.74 0.78 0.75 0.77 0.75 0.77 0.74\n1 0.2 0.2 0.4 0.2 0.4 0.4 0.2 0.4\n",
}
"""One label file's rows for each kind (keypoints: ``kpt_shape: [3, 3]``)."""


def _images_and_labels(images: Path, labels: Path, rows: str, count: int = 3) -> None:
    images.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (images / f"img{index}.jpg").write_bytes(JPEG_BYTES)
        (labels / f"img{index}.txt").write_text(rows)


def ultralytics_yolo(root: Path, kind: str, *, kpt_shape: bool | None = None) -> Path:
    """coco8 / coco8-seg / coco8-pose / dota8 style: ``kind`` picks the label rows.

    ``kpt_shape`` defaults to "only for keypoints"; ``False`` writes pose rows without it, the
    broken case a pose model must refuse.
    """
    for split in ("train", "val"):
        _images_and_labels(root / "images" / split, root / "labels" / split, ROWS[kind])
    data: dict[str, object] = {"path": str(root), "train": "images/train", "val": "images/val"}
    data["names"] = {0: "person", 1: "car"} if kind != "keypoints" else {0: "person"}
    if kpt_shape if kpt_shape is not None else kind == "keypoints":
        data["kpt_shape"] = [3, 3]
        data["flip_idx"] = [1, 0, 2]
    (root / "data.yaml").write_text(yaml.safe_dump(data))
    return root


def roboflow_yolo(root: Path, kind: str) -> Path:
    """A Roboflow "YOLOv8" export: ``train|valid|test/{images,labels}`` and ``../`` paths."""
    for split in ("train", "valid", "test"):
        _images_and_labels(root / split / "images", root / split / "labels", ROWS[kind])
    data = {"train": "../train/images", "val": "../valid/images", "test": "../test/images",
            "nc": 2, "names": ["helmet", "head"]}  # fmt: skip
    (root / "data.yaml").write_text(yaml.safe_dump(data))
    return root


def roboflow_coco(root: Path, *, segmentation: bool = False, keypoints: bool = False) -> Path:
    """A Roboflow COCO export: per-split ``_annotations.coco.json`` with the umbrella category."""
    categories = [
        {"id": 0, "name": "hard-hats", "supercategory": "none"},
        {"id": 1, "name": "head", "supercategory": "hard-hats"},
        {"id": 2, "name": "helmet", "supercategory": "hard-hats"},
    ]
    for split in ("train", "valid", "test"):
        folder = root / split
        folder.mkdir(parents=True, exist_ok=True)
        images, annotations = [], []
        for index in range(3):
            name = f"{split}_{index}.jpg"
            (folder / name).write_bytes(JPEG_BYTES)
            images.append({"id": index, "file_name": name, "width": 8, "height": 8})
            for ann_index, category in enumerate((1, 2)):
                annotation: dict[str, object] = {
                    "id": index * 2 + ann_index, "image_id": index, "category_id": category,
                    "bbox": [1, 1, 4, 4], "area": 16, "iscrowd": 0,
                    "segmentation": [[1, 1, 5, 1, 5, 5, 1, 5]] if segmentation else [],
                }  # fmt: skip
                if keypoints:
                    annotation["keypoints"] = [2, 2, 2, 3, 3, 2]
                    annotation["num_keypoints"] = 2
                annotations.append(annotation)
        document = {"info": {}, "licenses": [], "categories": categories, "images": images,
                    "annotations": annotations}  # fmt: skip
        (folder / "_annotations.coco.json").write_text(json.dumps(document))
    return root


def vocdevkit(root: Path, year: str = "VOC2012") -> Path:
    """``VOCdevkit/VOC2012/...`` as the official tar unpacks; returns the VOCdevkit folder."""
    base = root / "VOCdevkit" / year
    (base / "Annotations").mkdir(parents=True)
    (base / "JPEGImages").mkdir(parents=True)
    (base / "ImageSets" / "Main").mkdir(parents=True)
    stems = [f"2012_{index:06d}" for index in range(4)]
    for stem, name in zip(stems, ("cat", "dog", "cat", "dog"), strict=True):
        (base / "JPEGImages" / f"{stem}.jpg").write_bytes(JPEG_BYTES)
        (base / "Annotations" / f"{stem}.xml").write_text(
            f"<annotation><filename>{stem}.jpg</filename><size><width>8</width><height>8</height>"
            f"<depth>3</depth></size><object><name>{name}</name><difficult>0</difficult>"
            f"<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>6</xmax><ymax>6</ymax></bndbox>"
            f"</object></annotation>"
        )
    (base / "ImageSets" / "Main" / "train.txt").write_text("\n".join(stems[:2]) + "\n")
    (base / "ImageSets" / "Main" / "val.txt").write_text("\n".join(stems[2:]) + "\n")
    return root / "VOCdevkit"
