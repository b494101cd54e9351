"""Lookups derived from the slot declarations: by name, by kind, and who is required when.

Why a module apart from ``graph.slot_specs``: that module is the declarations and nothing else,
so the one place a new slot is written stays a list a reviewer can read; every list the rest of
the code used to repeat by hand (the hyperparameters, the whole-number fields, the required
fields, the parser's words) is computed here from it, once, at import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from graph.slot_specs import SLOT_SPECS, SlotSpec

__all__ = [
    "SPEC_BY_NAME",
    "CONFIG_FIELDS",
    "HYPERPARAMETER_SPECS",
    "HYPERPARAMETER_FIELDS",
    "NUMBER_FIELDS",
    "INTEGER_FIELDS",
    "RELATIVE_FIELDS",
    "FIELD_WORDS",
    "REQUIRED_HYPERPARAMETERS",
    "is_required",
    "missing_for_job",
]

SPEC_BY_NAME: Mapping[str, SlotSpec] = MappingProxyType({spec.name: spec for spec in SLOT_SPECS})
"""The declaration of each ``TrainingConfig`` field."""

CONFIG_FIELDS: tuple[str, ...] = tuple(SPEC_BY_NAME)
"""Every field name, in declaration order."""

HYPERPARAMETER_SPECS: Mapping[str, SlotSpec] = MappingProxyType(
    {spec.name: spec for spec in SLOT_SPECS if spec.is_hyperparameter}
)
"""The training hyperparameters, in declaration order."""

HYPERPARAMETER_FIELDS: tuple[str, ...] = tuple(HYPERPARAMETER_SPECS)
"""Their names."""

NUMBER_FIELDS: tuple[str, ...] = tuple(spec.name for spec in SLOT_SPECS if spec.is_number)
"""Fields holding a number (read next to their words, changed relatively, asked about)."""

INTEGER_FIELDS: frozenset[str] = frozenset(spec.name for spec in SLOT_SPECS if spec.type is int)
"""Fields holding whole numbers: "10.5 epochs" is not read as 10, a relative change must land
on a whole number."""


def _more_specific_first(specs: tuple[SlotSpec, ...]) -> tuple[str, ...]:
    """Names with a field whose label holds another field's words first ("warm-up epochs"
    before "epochs"), so the longer phrase claims its words before the shorter one does."""

    def shadows(spec: SlotSpec) -> bool:
        return any(
            other is not spec and other.words and re.search(other.words, spec.label.en, re.I)
            for other in specs
        )

    return tuple(spec.name for spec in sorted(specs, key=lambda spec: not shadows(spec)))


RELATIVE_FIELDS: tuple[str, ...] = _more_specific_first(
    tuple(spec for spec in SLOT_SPECS if spec.relative)
)
"""Fields "10 more" / "halve it" can change, more specific words first (a seed has no
"more")."""

FIELD_WORDS: Mapping[str, str] = MappingProxyType(
    {
        name: SPEC_BY_NAME[name].words
        for name in _more_specific_first(tuple(spec for spec in SLOT_SPECS if spec.words))
    }
)
"""Words for each field the offline parser knows by name (regular expressions,
case-insensitive), more specific first."""

REQUIRED_HYPERPARAMETERS: tuple[str, ...] = tuple(
    name for name, spec in HYPERPARAMETER_SPECS.items() if spec.requirement == "required"
)
"""The hyperparameters the conversation asks for, in order; a bare number answers the first
missing one."""


def slot_label(name: str, lang: str = "en") -> str:
    """A slot as people say it ("learning rate", "학습률"), never the identifier: its declared
    label; an undeclared name is shown with spaces."""
    spec = SPEC_BY_NAME.get(name)
    return spec.label.in_(lang) if spec is not None else name.replace("_", " ")


def is_required(spec: SlotSpec, *, framework: str | None, inspected: bool) -> bool:
    """Whether ``spec`` must have a value before the job can be confirmed.

    ``inspected`` says whether dataset inspection found the folder and determined this slot's
    value (a path on another machine cannot be inspected); see ``Requirement``.
    """
    if spec.requirement in ("required", "optional"):
        return spec.requirement == "required"
    if spec.requirement == "classes" and framework == "timm":
        return True
    return inspected


def missing_for_job(values: Mapping[str, object]) -> tuple[str, ...]:
    """The required fields without a value, for a job built with no dataset inspection."""
    framework = values.get("framework")
    return tuple(
        spec.name
        for spec in SLOT_SPECS
        if values.get(spec.name) is None
        and is_required(spec, framework=str(framework) if framework else None, inspected=False)
    )
