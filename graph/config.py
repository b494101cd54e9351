"""The training configuration the conversation fills in: one frozen model, patched, never mutated.

Every field is optional until confirmation. ``TrainingConfig.patch`` returns a *new* validated
config; the old one is untouched, which is what makes the origin bug (a dict mutated in place and
never persisted) impossible here. Domain rules (catalog names, dataset formats per task,
per-framework hyperparameter ranges) are enforced by the graph's nodes before a patch is applied;
this model only guarantees types and basic sanity so that no nonsense can be constructed at all.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Framework",
    "TaskType",
    "DatasetFormat",
    "TrainingConfig",
    "CONFIG_FIELDS",
    "HYPERPARAMETER_FIELDS",
]

Framework = Literal["timm", "ultralytics"]
TaskType = Literal[
    "image_classification",
    "object_detection",
    "instance_segmentation",
    "pose_estimation",
    "oriented_detection",
]
DatasetFormat = Literal["imagefolder", "yolo", "coco", "voc"]


class TrainingConfig(BaseModel):
    """A training job's configuration as agreed so far; ``None`` means "not given yet"."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_assignment=True)

    framework: Framework | None = None
    """Training library: timm for classification, ultralytics for YOLO-family tasks."""
    model_name: str | None = None
    """Canonical catalog name, e.g. ``resnet18``, ``efficientnet_b0``, ``yolov8n``."""
    task_type: TaskType | None = None
    """What the model learns to do; follows from the model unless the user says otherwise."""
    pretrained: bool | None = None
    """Start from the catalog's pretrained weights; ``None`` means the default, yes. Declared
    with the model fields (before the dataset) so it is not a framework hyperparameter."""
    weights: str | None = None
    """A local weights file to start from instead ("use weights /path/best.pt")."""
    dataset_path: str | None = None
    """Where the data lives, as the user gave it (it may be on another machine)."""
    dataset_format: DatasetFormat | None = None
    """Layout of the dataset, detected by inspection or given by the user."""
    num_classes: int | None = Field(default=None, ge=1)
    """Number of classes, usually read from the dataset."""
    epochs: int | None = Field(default=None, ge=1)
    """Full passes over the training set."""
    batch_size: int | None = Field(default=None, ge=1)
    """Images per optimisation step."""
    learning_rate: float | None = Field(default=None, gt=0)
    """Initial learning rate (ultralytics calls it ``lr0``)."""
    optimizer: str | None = None
    """Optimizer name from the framework's own list."""
    image_size: int | None = Field(default=None, ge=1)
    """Square input size in pixels."""
    weight_decay: float | None = Field(default=None, ge=0)
    """L2 penalty applied by the optimizer."""
    momentum: float | None = Field(default=None, ge=0)
    """SGD momentum (or Adam beta1 in ultralytics)."""
    scheduler: str | None = None
    """Learning-rate schedule name."""
    warmup_epochs: float | None = Field(default=None, ge=0)
    """Epochs of learning-rate warm-up."""
    patience: int | None = Field(default=None, ge=0)
    """Epochs without improvement before early stopping."""
    seed: int | None = Field(default=None, ge=0)
    """Random seed for reproducibility."""

    def patch(self, **changes: Any) -> TrainingConfig:
        """Return a new config with ``changes`` applied and validated; ``self`` is unchanged.

        Raises ``pydantic.ValidationError`` naming the offending field when a value is invalid,
        so a bad value can never replace a good one.
        """
        return self.model_validate({**self.model_dump(), **changes})

    def filled(self) -> dict[str, Any]:
        """The fields that have a value, in declaration order."""
        return {name: value for name, value in self.model_dump().items() if value is not None}

    def missing(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """Which of ``names`` have no value yet."""
        return tuple(name for name in names if getattr(self, name) is None)


CONFIG_FIELDS: tuple[str, ...] = tuple(TrainingConfig.model_fields)
"""Every field name, in declaration order."""

HYPERPARAMETER_FIELDS: tuple[str, ...] = CONFIG_FIELDS[CONFIG_FIELDS.index("epochs") :]
"""The hyperparameters: everything after the dataset fields."""
