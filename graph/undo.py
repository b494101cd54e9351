"""The undo history: for each change of the configuration, the values it replaced.

``undo`` walks back through up to ``UNDO_DEPTH`` earlier configurations. Keeping each of them
whole stored ~20 full configurations again in every checkpoint (470 bytes compressed, most of
a turn's growth after the messages); a change usually touches one or two fields, so each step
keeps only the fields it changed, with their values before the change. Applying the steps
newest first to the current configuration gives back exactly the earlier configurations.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from graph.config import CONFIG_FIELDS, TrainingConfig

__all__ = ["ConfigValue", "ConfigChange", "changes_between", "earlier_configs"]

ConfigValue = str | int | float | None
"""What a ``TrainingConfig`` field holds."""


class ConfigChange(BaseModel):
    """One change of the configuration, as the values it replaced: enough to undo it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    before: tuple[tuple[str, ConfigValue], ...]
    """(field, value before the change) for every field the change touched, in field order."""

    @classmethod
    def between(cls, old: TrainingConfig, new: TrainingConfig) -> ConfigChange:
        """The change that turned ``old`` into ``new``."""
        return cls(
            before=tuple(
                (name, getattr(old, name))
                for name in CONFIG_FIELDS
                if getattr(old, name) != getattr(new, name)
            )
        )

    def undo(self, config: TrainingConfig) -> TrainingConfig:
        """``config`` with this change reverted (validated: the values were valid before)."""
        return TrainingConfig.model_validate({**config.model_dump(), **dict(self.before)})


def changes_between(
    earlier: Sequence[TrainingConfig], current: TrainingConfig
) -> tuple[ConfigChange, ...]:
    """The undo steps for a history of whole configurations, oldest first, ending at
    ``current`` (how a thread stored before the undo history kept changes reads today)."""
    following = [*earlier[1:], current]
    return tuple(
        ConfigChange.between(old, new) for old, new in zip(earlier, following, strict=True)
    )


def earlier_configs(
    changes: Sequence[ConfigChange], current: TrainingConfig
) -> tuple[TrainingConfig, ...]:
    """The configurations ``undo`` would restore, oldest first (the newest is one undo away)."""
    configs: list[TrainingConfig] = []
    config = current
    for change in reversed(changes):
        config = change.undo(config)
        configs.append(config)
    configs.reverse()
    return tuple(configs)
