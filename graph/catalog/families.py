"""What to offer when someone names a family but no size: "resnet" -> resnet18, resnet34, ….

A family is not a model (it has no weights, no input size), so the conversation must ask which
member is meant. The common members of the well-known timm families are a curated choice — timm's
``resnet`` module alone has over a hundred variants, most of them rarely what a newcomer means.
YOLO families are derived from the snapshot: their detection models in n, s, m, … order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from graph.catalog.entry import ModelEntry
from graph.catalog.names import normalise_key

__all__ = ["COMMON_MEMBERS", "family_suggestions"]

COMMON_MEMBERS: Mapping[str, tuple[str, ...]] = {
    "resnet": ("resnet18", "resnet34", "resnet50"),
    "resnext": ("resnext50_32x4d", "resnext101_32x8d"),
    "efficientnet": ("efficientnet_b0", "efficientnet_b1", "efficientnet_b2"),
    "efficientnetv2": ("tf_efficientnetv2_s", "tf_efficientnetv2_m", "tf_efficientnetv2_l"),
    "mobilenet": ("mobilenetv3_small_100", "mobilenetv3_large_100", "mobilenetv2_100"),
    "mobilenetv2": ("mobilenetv2_100", "mobilenetv2_140"),
    "mobilenetv3": ("mobilenetv3_small_100", "mobilenetv3_large_100"),
    "mobilenetv4": ("mobilenetv4_conv_small", "mobilenetv4_conv_medium"),
    "convnext": ("convnext_tiny", "convnext_small", "convnext_base"),
    "convnextv2": ("convnextv2_tiny", "convnextv2_small", "convnextv2_base"),
    "vit": ("vit_tiny_patch16_224", "vit_small_patch16_224", "vit_base_patch16_224"),
    "visiontransformer": ("vit_tiny_patch16_224", "vit_small_patch16_224", "vit_base_patch16_224"),
    "deit": ("deit_tiny_patch16_224", "deit_small_patch16_224", "deit_base_patch16_224"),
    "swin": (
        "swin_tiny_patch4_window7_224",
        "swin_small_patch4_window7_224",
        "swin_base_patch4_window7_224",
    ),
    "regnet": ("regnety_008", "regnety_016", "regnety_032"),
    "densenet": ("densenet121", "densenet169", "densenet201"),
    "vgg": ("vgg11", "vgg16", "vgg19"),
    "inception": ("inception_v3", "inception_v4"),
    "yolo": ("yolo11n", "yolo26n", "yolov8n"),
    "rtdetr": ("rtdetr-l", "rtdetr-x"),
    "detr": ("rtdetr-l", "rtdetr-x"),
}
"""Curated members per family key (normalised); names missing from a snapshot are dropped."""

_SCALE_ORDER = "ntsmcblxe"


def family_suggestions(
    entries: Sequence[ModelEntry], by_name: Mapping[str, Sequence[ModelEntry]]
) -> dict[str, tuple[str, ...]]:
    """Family key -> members to suggest, for the curated families and every YOLO family."""
    families: dict[str, tuple[str, ...]] = {}
    for family, members in COMMON_MEMBERS.items():
        present = tuple(name for name in members if name in by_name)
        if present:
            families[family] = present
    yolo: dict[str, list[ModelEntry]] = {}
    for entry in entries:
        if entry.framework == "ultralytics" and entry.task_type == "object_detection":
            yolo.setdefault(normalise_key(entry.family), []).append(entry)
    for key, detectors in yolo.items():
        if key in families:
            continue
        detectors.sort(key=lambda e: (not e.pretrained, _scale_rank(e.name), e.name))
        families[key] = tuple(e.name for e in detectors[:3])
    return families


def _scale_rank(name: str) -> int:
    found = re.match(r"yolov?\d+([a-z])", name)
    return _SCALE_ORDER.find(found.group(1)) if found else len(_SCALE_ORDER)
