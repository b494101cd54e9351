"""The hyperparameters as the checks read them: a view of the slot declarations.

Why this is a view and not a table: each hyperparameter is declared once, with its range,
flag, key and each framework's default, in ``graph.slot_specs`` (as a ``SlotSpec`` asked at the
hyperparameters step), and the framework names in ``graph.frameworks``. The checks, the "what
does it mean?" answers, the exported command and the trainers read them through the names
below, which keep their old spelling so callers need not know where the facts moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from graph.frameworks import (
    FRAMEWORKS,
    OPTIMIZERS,
    SCHEDULER_ALIASES,
    SCHEDULERS,
    TIMM_OPTIMIZERS,
    ULTRALYTICS_OPTIMIZERS,
    is_adaptive_optimizer,
)
from graph.slot_index import HYPERPARAMETER_SPECS
from graph.slot_specs import SlotSpec

__all__ = [
    "FRAMEWORKS",
    "TIMM_OPTIMIZERS",
    "ULTRALYTICS_OPTIMIZERS",
    "OPTIMIZERS",
    "SCHEDULERS",
    "SCHEDULER_ALIASES",
    "HYPERPARAMETERS",
    "DEFAULTS",
    "is_adaptive_optimizer",
]

HYPERPARAMETERS: Mapping[str, SlotSpec] = HYPERPARAMETER_SPECS
"""Every hyperparameter, keyed by its ``TrainingConfig`` field name, in declaration order."""

DEFAULTS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        framework: MappingProxyType(
            {name: spec.default_for(framework) for name, spec in HYPERPARAMETERS.items()}
        )
        for framework in FRAMEWORKS
    }
)
"""Framework -> hyperparameter -> that framework's own default, as declared."""
