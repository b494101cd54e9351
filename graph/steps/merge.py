"""Merging a turn's proposed values onto the frozen config, one validated slot at a time.

Each proposed value goes through its slot's validator first; only an accepted value is patched
onto the config, so a refused value never reaches the state (or the checkpoint). When a change
moves what other fields depend on (a new model switches the framework), the dependent values
are checked again under the new rules and the user is told about any that no longer hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from graph.config import HYPERPARAMETER_FIELDS, TrainingConfig
from graph.replies import say, shown
from graph.slot_verdicts import FilesSeen
from graph.slots import SLOT_BY_NAME, SLOTS, SlotContext, show_value
from graph.state import DatasetFacts, Language
from graph.steps import rules

__all__ = [
    "Merge",
    "merge_changes",
    "fill_defaults",
    "describe_items",
    "changed_fields",
    "audit_config",
]


@dataclass(frozen=True)
class Merge:
    """The outcome of applying one turn's values: the new config and what to tell the user."""

    config: TrainingConfig
    """The config after every accepted value."""
    dataset: DatasetFacts | None
    """Inspection findings for ``config.dataset_path``."""
    accepted: tuple[str, ...] = ()
    """Fields whose value changed, in slot order."""
    refused: tuple[str, ...] = ()
    """One reason per refused value (each says what is kept)."""
    warnings: tuple[str, ...] = ()
    """Accepted-but-worth-saying notes, including dependent re-checks."""
    notes: tuple[str, ...] = ()
    """Information to show, such as the dataset summary."""
    filled: tuple[str, ...] = field(default=())
    """Fields filled from framework defaults (``fill_defaults`` only)."""


_ORDER = tuple(slot.name for slot in SLOTS)


def changed_fields(before: TrainingConfig, after: TrainingConfig) -> tuple[str, ...]:
    """Names of the fields whose value differs between two configs, in slot order."""
    return tuple(name for name in _ORDER if getattr(before, name) != getattr(after, name))


def describe_items(config: TrainingConfig, names: tuple[str, ...], lang: Language) -> str:
    """``model resnet18, epochs 10`` — the named fields with their values (or "not set")."""
    parts = []
    for name in names:
        slot = SLOT_BY_NAME[name]
        parts.append(f"{slot.label.in_(lang)} {show_value(getattr(config, name), lang, slot)}")
    return ", ".join(parts)


def merge_changes(
    config: TrainingConfig,
    dataset: DatasetFacts | None,
    stated: Mapping[str, Any],
    lang: Language,
    seen: FilesSeen | None = None,
) -> Merge:
    """Validate and apply every stated value (any slot, in slot order) onto ``config``.

    ``seen`` is what ``inspect_files`` found for the paths the message names (validators never
    read the disk themselves)."""
    start = config
    refused: list[str] = []
    warnings: list[str] = []
    notes: list[str] = []
    for name in _ORDER:
        if name not in stated:
            continue
        value = stated[name]
        if getattr(config, name) == value and name != "dataset_path":
            continue
        verdict = SLOT_BY_NAME[name].validate(
            SlotContext(config, dataset, lang, seen or FilesSeen()), value
        )
        if not verdict.accepted:
            label = SLOT_BY_NAME[name].label.in_(lang)
            refused.append(verdict.reason or say("refused", lang, name=label))
            continue
        try:
            config = config.patch(**dict(verdict.changes))
        except ValidationError as error:
            problem = str(error.errors()[0].get("msg", error))
            label = SLOT_BY_NAME[name].label.in_(lang)
            refused.append(say("invalid_value", lang, name=label, value=value, error=problem))
            continue
        if verdict.dataset is not None:
            dataset = verdict.dataset
        warnings.extend(verdict.warnings)
        notes.extend(verdict.notes)
    config, dropped = _recheck_dependents(start, config, dataset, lang)
    warnings.extend(dropped)
    clash = _compatibility(start, config, dataset, lang)
    if clash:
        warnings.append(clash)
    return Merge(
        config=config,
        dataset=dataset,
        accepted=changed_fields(start, config),
        refused=tuple(refused),
        warnings=tuple(warnings),
        notes=tuple(notes),
    )


def _recheck_dependents(
    before: TrainingConfig, config: TrainingConfig, dataset: DatasetFacts | None, lang: Language
) -> tuple[TrainingConfig, list[str]]:
    """After the framework changed (or became known), re-check every set hyperparameter under
    its rules: values accepted by the generic ranges may not hold for the chosen framework."""
    if before.framework == config.framework or config.framework is None:
        return config, []
    messages: list[str] = []
    for name in HYPERPARAMETER_FIELDS:
        value = getattr(config, name)
        if value is None:
            continue
        verdict = rules.check_value(
            name, value, config=config.patch(**{name: None}), dataset=dataset, lang=lang
        )
        if verdict.accepted:
            if verdict.value != value:
                config = config.patch(**{name: verdict.value})
            continue
        config = config.patch(**{name: None})
        label = SLOT_BY_NAME[name].label.in_(lang)
        messages.append(say("dropped", lang, name=label, value=shown(value), reason=verdict.reason))
    return config, messages


def _compatibility(
    before: TrainingConfig, config: TrainingConfig, dataset: DatasetFacts | None, lang: Language
) -> str | None:
    """A note when the task and the dataset (format or labels) no longer go together."""
    watched = ("framework", "task_type", "dataset_format", "dataset_path")
    if all(getattr(before, name) == getattr(config, name) for name in watched):
        return None
    found = rules.dataset_problem(config, lang, dataset)
    if found is None:
        return None
    text, blocking = found
    return say("compat_blocking" if blocking else "compat", lang, problem=text)


def fill_defaults(config: TrainingConfig, dataset: DatasetFacts | None, lang: Language) -> Merge:
    """Fill every unset hyperparameter with the framework's default; keep the user's own values.

    The defaults are checked like any user value (a default can still earn a warning, e.g. a
    batch larger than a tiny dataset). Without a framework there are no defaults to use.
    """
    defaults = rules.defaults_for(config)
    if defaults is None:
        return Merge(config=config, dataset=dataset, refused=(say("defaults_need_model", lang),))
    filled: list[str] = []
    warnings: list[str] = []
    start = config
    for name in HYPERPARAMETER_FIELDS:
        if getattr(config, name) is not None or name not in defaults:
            continue
        verdict = rules.check_value(name, defaults[name], config=config, dataset=dataset, lang=lang)
        if not verdict.accepted:
            continue
        config = config.patch(**{name: verdict.value})
        filled.append(name)
        warnings.extend(verdict.warnings)
    return Merge(
        config=config,
        dataset=dataset,
        accepted=changed_fields(start, config),
        warnings=tuple(warnings),
        filled=tuple(filled),
    )


def audit_config(config: TrainingConfig, lang: Language = "en") -> tuple[str, ...]:
    """Every domain rule ``config`` breaks, for values that did not come through a turn.

    A turn validates each value as it arrives; a config written directly (``update_state``)
    gets the same rules here: a known trainable model with its own framework and task, and every
    hyperparameter within its framework's range.
    """
    problems: list[str] = []
    if config.model_name is not None:
        model = rules.find_model(config.model_name)
        if model is None or model.name != config.model_name:
            problems.append(f"model_name {config.model_name!r} is not a catalog name")
        elif (config.framework, config.task_type) != (model.framework, model.task_type):
            problems.append(
                f"{model.name} is a {model.framework} {model.task_type} model, not "
                f"{config.framework} {config.task_type}"
            )
    for name in HYPERPARAMETER_FIELDS:
        value = getattr(config, name)
        if value is None:
            continue
        verdict = rules.check_value(
            name, value, config=config.patch(**{name: None}), dataset=None, lang=lang
        )
        if not verdict.accepted:
            problems.append(str(verdict.reason))
    return tuple(problems)
