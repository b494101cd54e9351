"""The type checker's view of one value per slot.

At run time ``TrainingConfig`` (``graph.config``) and ``FieldChanges`` (``graph.patch``) are built
with ``pydantic.create_model`` from the declarations in ``graph.slot_specs``, so a new slot needs no
edit anywhere else to work. A type checker cannot see fields made that way; this class, read only
under ``TYPE_CHECKING``, spells them out once for both models, and
``tests/graph/test_slot_specs.py`` fails when it says something the declarations do not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import BaseModel

    from graph.slot_specs import DatasetFormat, Framework, TaskType

    class SlotValues(BaseModel):
        """One optional value per slot, in declaration order (``SLOT_SPECS``)."""

        model_name: str | None = None
        framework: Framework | None = None
        task_type: TaskType | None = None
        pretrained: bool | None = None
        weights: str | None = None
        dataset_path: str | None = None
        dataset_format: DatasetFormat | None = None
        num_classes: int | None = None
        epochs: int | None = None
        batch_size: int | None = None
        learning_rate: float | None = None
        optimizer: str | None = None
        image_size: int | None = None
        weight_decay: float | None = None
        momentum: float | None = None
        scheduler: str | None = None
        warmup_epochs: float | None = None
        patience: int | None = None
        seed: int | None = None
