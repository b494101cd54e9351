"""The training configuration the conversation fills in: one frozen model, patched, never mutated.

Every field is optional until confirmation. ``TrainingConfig.patch`` returns a *new* validated
config; the old one is untouched, which is what makes the origin bug (a dict mutated in place and
never persisted) impossible here. Domain rules (catalog names, dataset formats per task,
per-framework hyperparameter ranges) are enforced by the graph's nodes before a patch is applied;
this model only guarantees types and basic sanity so that no nonsense can be constructed at all.

The fields are not written here: they are built from the slot declarations
(``graph.slot_specs``), one field per ``SlotSpec`` with its type and its basic bounds, so a new
slot is a field without an edit to this file. The ``TYPE_CHECKING`` class below is only what the
type checker reads: its fields come from the one written-out view, ``graph.slot_values``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from graph.slot_index import CONFIG_FIELDS, HYPERPARAMETER_FIELDS
from graph.slot_specs import SLOT_SPECS, DatasetFormat, Framework, SlotSpec, TaskType

__all__ = [
    "Framework",
    "TaskType",
    "DatasetFormat",
    "ConfigBehaviour",
    "TrainingConfig",
    "CONFIG_FIELDS",
    "HYPERPARAMETER_FIELDS",
]


class ConfigBehaviour(BaseModel):
    """What every ``TrainingConfig`` can do, whatever its fields: frozen, patched, queried."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_assignment=True)

    def patch(self, **changes: Any) -> TrainingConfig:
        """Return a new config with ``changes`` applied and validated; ``self`` is unchanged.

        Raises ``pydantic.ValidationError`` naming the offending field when a value is invalid,
        so a bad value can never replace a good one.
        """
        return self.model_validate({**self.model_dump(), **changes})  # type: ignore[return-value]

    def filled(self) -> dict[str, Any]:
        """The fields that have a value, in declaration order."""
        return {name: value for name, value in self.model_dump().items() if value is not None}

    def missing(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """Which of ``names`` have no value yet."""
        return tuple(name for name in names if getattr(self, name) is None)


def _field(spec: SlotSpec) -> Any:
    """``(type | None, Field(None, …bounds))``: unset until the conversation fills it."""
    bounds: dict[str, Any] = dict(spec.bounds)
    return (spec.type | None, Field(default=None, description=spec.label.en, **bounds))


if TYPE_CHECKING:
    from graph.slot_values import SlotValues

    class TrainingConfig(ConfigBehaviour, SlotValues):
        """The type checker's view of the config built from ``SLOT_SPECS``."""

else:
    TrainingConfig = create_model(
        "TrainingConfig",
        __base__=ConfigBehaviour,
        __module__=__name__,
        __doc__='A training job\'s configuration as agreed so far; ``None`` means "not given yet".',
        **{spec.name: _field(spec) for spec in SLOT_SPECS},
    )
