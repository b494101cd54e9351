"""Tiny generated datasets every trainer test (and the worker's end-to-end tests) trains on.

Why generated: no dataset may be downloaded here, and a few dozen small images make a real
framework run finish in seconds on a CPU. Each class is a coloured square on a noisy
background, so the labels are learnable, not noise. The layouts are the ones the conversation's
dataset inspection accepts: imagefolder ``train/`` + ``val/`` (timm and ultralytics classify)
and YOLO ``data.yaml`` + ``images/`` + ``labels/`` (detect, segment, pose, obb).

Import path: ``tests.training.datasets``.
"""

from __future__ import annotations

import random
from pathlib import Path

import yaml
from PIL import Image, ImageDraw

__all__ = [
    "CLASSES",
    "YOLO_TASKS",
    "make_imagefolder",
    "make_yolo",
    "make_dataset",
]

CLASSES: tuple[str, ...] = ("red", "green", "blue")
"""Class names, one colour each."""
_COLOURS = {"red": (220, 40, 40), "green": (40, 200, 60), "blue": (40, 70, 220)}
YOLO_TASKS: tuple[str, ...] = ("detect", "segment", "pose", "obb")
"""YOLO-format tasks ``make_yolo`` builds labels for."""


def _image(
    rng: random.Random, size: int, colour: tuple[int, int, int]
) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A noisy background with one filled square; returns the image and the square's box."""
    image = Image.effect_noise((size, size), 40).convert("RGB")
    side = rng.randint(size // 3, size // 2)
    x0, y0 = rng.randint(0, size - side - 1), rng.randint(0, size - side - 1)
    box = (x0, y0, x0 + side, y0 + side)
    ImageDraw.Draw(image).rectangle(box, fill=colour)
    return image, box


def make_imagefolder(
    root: Path, *, train_per_class: int = 4, val_per_class: int = 2, size: int = 32, seed: int = 0
) -> Path:
    """``root/train/<class>/*.png`` and ``root/val/<class>/*.png``; returns ``root``."""
    rng = random.Random(seed)
    for split, count in (("train", train_per_class), ("val", val_per_class)):
        for name in CLASSES:
            folder = root / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for index in range(count):
                image, _ = _image(rng, size, _COLOURS[name])
                image.save(folder / f"{name}_{index}.png")
    return root


def _label(task: str, class_id: int, box: tuple[int, int, int, int], size: int) -> str:
    x0, y0, x1, y1 = (v / size for v in box)
    corners = (x0, y0, x1, y0, x1, y1, x0, y1)  # clockwise from top-left
    if task == "detect":
        values: tuple[float, ...] = ((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0)
    elif task in ("segment", "obb"):
        values = corners
    elif task == "pose":
        keypoints: list[float] = []
        for i in range(0, 8, 2):
            keypoints += [corners[i], corners[i + 1], 2.0]  # visible
        values = ((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0, *keypoints)
    else:
        raise ValueError(f"no YOLO labels for task {task!r}; use one of {YOLO_TASKS}")
    return " ".join([str(class_id), *(f"{v:.6f}" for v in values)])


def make_yolo(
    root: Path,
    task: str = "detect",
    *,
    train_images: int = 8,
    val_images: int = 4,
    size: int = 64,
    seed: int = 0,
) -> Path:
    """A YOLO dataset for ``task``: ``root/data.yaml``, ``images/{train,val}``,
    ``labels/{train,val}``; returns ``root`` (the folder a user would give)."""
    rng = random.Random(seed)
    for split, count in (("train", train_images), ("val", val_images)):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
        for index in range(count):
            class_id = index % len(CLASSES)
            image, box = _image(rng, size, _COLOURS[CLASSES[class_id]])
            image.save(root / "images" / split / f"{index}.png")
            label = _label(task, class_id, box, size)
            (root / "labels" / split / f"{index}.txt").write_text(label + "\n")
    data: dict[str, object] = {
        "path": str(root.resolve()),
        "train": "images/train",
        "val": "images/val",
        "names": dict(enumerate(CLASSES)),
    }
    if task == "pose":
        data["kpt_shape"] = [4, 3]
        data["flip_idx"] = [1, 0, 3, 2]  # a horizontal flip swaps left and right corners
    (root / "data.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return root


def make_dataset(root: Path, task: str, **sizes: int) -> Path:
    """The dataset an ultralytics ``task`` (or ``classify`` for timm) trains on."""
    if task == "classify":
        return make_imagefolder(root, **sizes)
    return make_yolo(root, task, **sizes)
