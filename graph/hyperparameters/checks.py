"""Accept, normalise, refuse or warn about one proposed value; defaults and explanations.

Why a module of its own: this is the logic that reads the declarations in ``specs`` and the
texts in ``messages``; it holds no data of its own, so a rule change is reviewed here without
scrolling past the tables.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from graph.config import TrainingConfig
from graph.hyperparameters.messages import message
from graph.hyperparameters.specs import (
    DEFAULTS,
    FRAMEWORKS,
    HYPERPARAMETERS,
    SCHEDULER_ALIASES,
    is_adaptive_optimizer,
)
from graph.slot_index import slot_label
from graph.slot_specs import SlotSpec

__all__ = [
    "HyperparameterCheck",
    "check_hyperparameter",
    "framework_defaults",
    "describe_hyperparameter",
]


def framework_defaults(
    framework: str, *, pretrained_input_size: int | None = None
) -> Mapping[str, Any]:
    """Every hyperparameter's default as ``framework`` itself would use it (read-only mapping).

    timm takes the image size from the model, so pass the catalog's ``pretrained_input_size``
    (224 is used otherwise, the size of most timm checkpoints). Raises ``ValueError`` for an
    unknown framework, naming the known ones.
    """
    if framework not in DEFAULTS:
        raise ValueError(f"unknown framework {framework!r}; expected one of {FRAMEWORKS}")
    values = dict(DEFAULTS[framework])
    if framework == "timm" and pretrained_input_size is not None:
        values["image_size"] = pretrained_input_size
    return MappingProxyType(values)


def describe_hyperparameter(name: str, lang: str = "en") -> str:
    """A one-line answer to "what does <name> mean?", with each framework's default.

    Raises ``KeyError`` naming the known hyperparameters when ``name`` is not one of them.
    """
    spec = HYPERPARAMETERS.get(name)
    if spec is None:
        raise KeyError(f"unknown hyperparameter {name!r}; known: {', '.join(HYPERPARAMETERS)}")
    text = spec.description.in_(lang) if spec.description else spec.question.in_(lang)
    defaults = ", ".join(f"{fw} {DEFAULTS[fw][name]}" for fw in FRAMEWORKS)
    label = "기본값" if lang == "ko" else "Defaults"
    return f"{text} ({label}: {defaults})"


@dataclass(frozen=True)
class HyperparameterCheck:
    """The verdict on one proposed value: accepted (maybe with warnings) or refused with why."""

    accepted: bool
    """True when the value may be applied to the config."""
    value: Any | None
    """The normalised value to store (``"adamw"``, ``32`` from ``"32"``); None when refused."""
    reason: str | None
    """Why it was refused: what was wrong, the allowed range, and that the old value is kept."""
    warnings: tuple[str, ...] = ()
    """Accepted-but-unusual notes to show the user."""


def _refuse(
    reason: str, name: str, config: TrainingConfig | None, lang: str
) -> HyperparameterCheck:
    previous = getattr(config, name, None) if config is not None else None
    if previous is None:
        tail = message("nothing_changed", lang)
    else:
        tail = message("kept", lang, previous=previous)
    return HyperparameterCheck(False, None, f"{reason} {tail}", ())


def _to_number(value: Any, kind: type) -> int | float | None:
    """Parse ``value`` into ``kind`` or return None; bools and non-integral ints are refused."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "")
        try:
            value = float(text)
        except ValueError:
            return None
    if not isinstance(value, int | float) or value != value:  # NaN never equals itself
        return None
    if kind is int:
        return int(value) if float(value).is_integer() else None
    return float(value)


def _match_name(value: str, allowed: tuple[str, ...]) -> str | None:
    lowered = {name.lower(): name for name in allowed}
    return lowered.get(value.strip().lower())


def _suggest(value: str, allowed: tuple[str, ...]) -> list[str]:
    """Close names, compared case-insensitively, shown in the framework's own spelling."""
    canonical = {name.lower(): name for name in allowed}
    close = difflib.get_close_matches(value.strip().lower(), list(canonical), n=3, cutoff=0.6)
    return [canonical[name] for name in close]


def _check_name(
    spec: SlotSpec,
    value: Any,
    framework: str | None,
    config: TrainingConfig | None,
    lang: str,
    table: Mapping[str, tuple[str, ...]],
) -> HyperparameterCheck | str:
    """Resolve an optimizer/scheduler name to its canonical spelling, or return the refusal."""
    if not isinstance(value, str) or not value.strip():
        return _refuse(
            message("not_a_name", lang, name=slot_label(spec.name, lang), value=value),
            spec.name,
            config,
            lang,
        )
    text = value.strip()
    if spec.name == "scheduler":
        text = SCHEDULER_ALIASES.get(text.lower(), text)
    frameworks: tuple[str, ...] = (
        (framework,) if framework is not None and framework in table else FRAMEWORKS
    )
    prefix = ""
    if spec.name == "optimizer" and text.lower().startswith("lookahead_") and "timm" in frameworks:
        prefix, text = "lookahead_", text[len("lookahead_") :]
        frameworks = ("timm",)
    for fw in frameworks:
        found = _match_name(text, table[fw])
        if found is not None:
            return prefix + found
    allowed = tuple(name for fw in frameworks for name in table[fw])
    close = _suggest(text, allowed)
    hint = message("did_you_mean", lang, names=", ".join(close)) if close else ""
    where = framework if framework in table else "timm/ultralytics"
    shown = ", ".join(allowed[:12]) + (", …" if len(allowed) > 12 else "")
    reason = message(
        "unknown_name",
        lang,
        name=slot_label(spec.name, lang),
        value=value,
        framework=where,
        allowed=shown,
    )
    return _refuse(f"{reason}{hint}", spec.name, config, lang)


def _warnings(
    name: str,
    value: Any,
    framework: str | None,
    config: TrainingConfig | None,
    dataset_images: int | None,
    pretrained_input_size: int | None,
    lang: str,
) -> tuple[str, ...]:
    """Notes for accepted-but-unusual values, including clashes with what is already set."""
    notes: list[str] = []
    optimizer = value if name == "optimizer" else getattr(config, "optimizer", None)
    lr = value if name == "learning_rate" else getattr(config, "learning_rate", None)
    adaptive = bool(optimizer) and is_adaptive_optimizer(str(optimizer))
    if name in ("learning_rate", "optimizer") and adaptive and lr is not None and lr > 1e-2:
        notes.append(message("adam_high_lr", lang, lr=lr, optimizer=optimizer))
    if framework == "ultralytics" and name in ("learning_rate", "momentum", "optimizer"):
        auto = optimizer is None or str(optimizer).lower() == "auto"
        if auto and (name != "optimizer" or lr is not None or config is None):
            notes.append(message("auto_ignores_lr", lang))
    if name == "batch_size" and dataset_images is not None and value > dataset_images:
        notes.append(message("batch_over_dataset", lang, batch=value, images=dataset_images))
    if (
        name == "image_size"
        and pretrained_input_size is not None
        and value != pretrained_input_size
    ):
        notes.append(message("size_differs", lang, size=value, pretrained=pretrained_input_size))
    epochs = config.epochs if config is not None else None
    if name == "warmup_epochs" and epochs is not None and value >= epochs:
        notes.append(message("warmup_over_epochs", lang, warmup=value, epochs=epochs))
    return tuple(notes)


def check_hyperparameter(
    name: str,
    value: Any,
    *,
    framework: str | None,
    config: TrainingConfig | None = None,
    dataset_images: int | None = None,
    pretrained_input_size: int | None = None,
    lang: str = "en",
) -> HyperparameterCheck:
    """Decide whether ``value`` may become ``name``, normalising it, before it touches a config.

    ``framework=None`` applies the generic ranges only (names from either framework are
    accepted). ``config`` supplies the value kept on refusal and the other fields that cross
    checks need (optimizer vs learning rate, epochs vs warm-up). ``lang`` is ``"en"`` or ``"ko"``
    for the reason and warnings. Raises ``KeyError`` for a name that is not a hyperparameter.
    """
    spec = HYPERPARAMETERS.get(name)
    if spec is None:
        raise KeyError(f"unknown hyperparameter {name!r}; known: {', '.join(HYPERPARAMETERS)}")
    normalised: Any
    if spec.type is str:
        resolved = _check_name(spec, value, framework, config, lang, spec.choices or {})
        if isinstance(resolved, HyperparameterCheck):
            return resolved
        normalised = resolved
    else:
        number = _to_number(value, spec.type)
        kind_key = "whole_number" if spec.type is int else "number"
        if name == "warmup_epochs" and framework == "timm":
            number = _to_number(value, int)  # timm's --warmup-epochs is type=int
            kind_key = "whole_number"
        low, high = spec.minimum or 0, spec.maximum or 0
        too_low = number is not None and (number <= low if spec.exclusive_minimum else number < low)
        if number is None or too_low or number > high:
            reason = message(
                "out_of_range", lang, name=slot_label(name, lang), kind=message(kind_key, lang),
                range=spec.range_text(lang), value=value,
            )  # fmt: skip
            return _refuse(reason, name, config, lang)
        if name == "image_size" and framework == "ultralytics" and number % 32:
            up = (int(number) // 32 + 1) * 32
            reason = message("multiple_of_32", lang, value=value, down=up - 32, up=up)
            return _refuse(reason, name, config, lang)
        normalised = number
    notes = _warnings(
        name, normalised, framework, config, dataset_images, pretrained_input_size, lang
    )
    return HyperparameterCheck(True, normalised, None, notes)
