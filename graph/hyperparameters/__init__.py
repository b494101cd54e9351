"""Hyperparameters declared once, with each framework's own defaults, names and limits.

Why one table: the conversation, the "what does batch size mean?" answers, the "use the
defaults" reply and the exported command all read the same declarations, so a flag name or a
range can never disagree between them.

The declarations live in ``specs`` (per framework, with their sources), the accept/refuse/warn
logic in ``checks`` and the English/Korean texts in ``messages``; this package re-exports the
public names so callers keep importing from ``graph.hyperparameters``.
"""

from __future__ import annotations

from graph.hyperparameters.checks import (
    HyperparameterCheck,
    check_hyperparameter,
    describe_hyperparameter,
    framework_defaults,
)
from graph.hyperparameters.messages import message as message
from graph.hyperparameters.specs import (
    FRAMEWORKS,
    HYPERPARAMETERS,
    OPTIMIZERS,
    SCHEDULERS,
    is_adaptive_optimizer,
)
from graph.hyperparameters.specs import TIMM_OPTIMIZERS as TIMM_OPTIMIZERS
from graph.hyperparameters.specs import ULTRALYTICS_OPTIMIZERS as ULTRALYTICS_OPTIMIZERS

__all__ = [
    "HyperparameterCheck",
    "HYPERPARAMETERS",
    "FRAMEWORKS",
    "OPTIMIZERS",
    "SCHEDULERS",
    "check_hyperparameter",
    "framework_defaults",
    "describe_hyperparameter",
    "is_adaptive_optimizer",
]
