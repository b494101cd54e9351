"""The two value types the catalog hands out: a model's facts and a mention found in text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from graph.frameworks import FRAMEWORKS

__all__ = ["CatalogFramework", "ModelEntry", "ModelMatch", "FRAMEWORK_PREFERENCE"]

CatalogFramework = Literal["timm", "ultralytics", "torchvision"]

FRAMEWORK_PREFERENCE: tuple[CatalogFramework, ...] = ("timm", "ultralytics", "torchvision")
"""Which library wins when a name exists in several: only timm and ultralytics can train here
(``TrainingConfig.framework``), so torchvision is the last resort; timm and ultralytics never
share a name (YOLO/RT-DETR exist only in ultralytics)."""


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """One buildable model of one library, as recorded in the catalog snapshot."""

    name: str
    """Canonical name as the library spells it: ``resnet18``, ``efficientnet_b0``, ``yolo11n-seg``."""
    framework: CatalogFramework
    """Library that builds it: ``timm``, ``ultralytics`` or ``torchvision``."""
    task_type: str
    """What it does: ``image_classification``, ``object_detection``, ``instance_segmentation``,
    ``pose_estimation`` or ``oriented_detection`` (the ``TrainingConfig.task_type`` values)."""
    family: str
    """Model family (timm module, ultralytics family, torchvision module): ``resnet``, ``yolov8``."""
    params_m: float | None
    """Parameters in millions, when the library publishes them; ``None`` otherwise."""
    input_size: int | None
    """Side of the square input the default pretrained weights expect, in pixels."""
    num_classes: int | None
    """Size of the default pretrained head (1000 for ImageNet, 80 for COCO)."""
    licence: str | None
    """Licence of the default pretrained weights (or of the code when weights have none)."""
    pretrained: bool
    """Whether the library publishes pretrained weights for this name."""
    pretrained_tags: tuple[str, ...]
    """Pretrained weight tags, default first (timm tags, ultralytics asset files, torchvision
    ``Weights`` members)."""

    @property
    def trainable_here(self) -> bool:
        """True when ``TrainingConfig.framework`` accepts this entry's library."""
        return self.framework in FRAMEWORKS


@dataclass(frozen=True, slots=True)
class ModelMatch:
    """A model mention found in free text: a known entry, or a near miss with suggestions."""

    entry: ModelEntry | None
    """The model the text names; ``None`` for a typo or a bare family name ("resnet")."""
    text: str
    """The span of the user's text that matched, as they wrote it."""
    suggestions: tuple[str, ...]
    """Close canonical names to offer ("did you mean resnet18?"); empty for an exact match."""
