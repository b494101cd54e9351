"""Relative changes ("10 more epochs", "halve the batch size") and unclear values, turned into
what a turn can merge or ask.

Why a module of its own: a relative change only has a meaning against the current value, which
the parser does not own; here it becomes an ordinary absolute value that then goes through the
slot's validator like any other (so "double the learning rate" past its range is refused with
the reason). Anything that cannot be turned into exactly one value — no base value yet, a count
that would become fractional, a message stating two readings — becomes one specific question,
and the turn changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from graph.config import TrainingConfig
from graph.patch import Ambiguity, RelativeChange
from graph.replies import say, shown
from graph.slot_index import INTEGER_FIELDS, slot_label
from graph.state import Language

__all__ = ["ResolvedChanges", "resolve_relative", "ask_ambiguity", "INTEGER_FIELDS"]


@dataclass(frozen=True)
class ResolvedChanges:
    """Relative changes as absolute values, or the question to ask instead."""

    values: tuple[tuple[str, int | float], ...] = ()
    """(field, new value) to merge like any stated value."""
    before: tuple[tuple[str, int | float], ...] = ()
    """(field, old value) for the "old → new" reply."""
    question: str | None = None
    """When set, nothing may change this turn: ask this."""


def _apply(change: RelativeChange, base: float) -> float:
    return base + change.amount if change.operation == "add" else base * change.amount


def describe_change(change: RelativeChange, base: float | None, lang: Language) -> str:
    """ "10 more epochs (→ 30)", "에폭 10 덜 (→ 10)", "batch size × 0.5 (→ 16)"."""
    label = slot_label(change.field, lang)
    amount = abs(change.amount)
    if change.operation == "add":
        size = shown(int(amount) if float(amount).is_integer() else amount)
        if lang == "ko":
            text = f"{label} {size} {'더' if change.amount > 0 else '덜'}"
        else:
            text = f"{size} {'more' if change.amount > 0 else 'fewer'} {label}"
    else:
        text = f"{label} × {shown(change.amount)}"
    if base is not None:
        result = _apply(change, base)
        if change.field in INTEGER_FIELDS and float(result).is_integer():
            result = int(result)
        text += f" (→ {shown(result)})"
    return text


def resolve_relative(
    config: TrainingConfig, changes: tuple[RelativeChange, ...], lang: Language
) -> ResolvedChanges:
    """Each change applied to the current value; the question when one cannot be."""
    values: list[tuple[str, int | float]] = []
    before: list[tuple[str, int | float]] = []
    for change in changes:
        base = getattr(config, change.field)
        label = slot_label(change.field, lang)
        if base is None:
            amount = describe_change(change, None, lang)
            return ResolvedChanges(question=say("relative_unset", lang, name=label, amount=amount))
        result = _apply(change, float(base))
        if not math.isfinite(result):
            continue
        if change.field in INTEGER_FIELDS:
            if not float(result).is_integer():
                low, high = math.floor(result), math.ceil(result)
                options = say("option_or", lang).join(
                    say("option_absolute", lang, name=label, value=v) for v in (low, high)
                )
                return ResolvedChanges(question=say("ambiguous", lang, options=options))
            result = int(result)
        values.append((change.field, result))
        before.append((change.field, base))
    return ResolvedChanges(values=tuple(values), before=tuple(before))


def ask_ambiguity(config: TrainingConfig, ambiguity: Ambiguity, lang: Language) -> str:
    """ "Did you mean 10 more epochs (→ 30) or epochs = 10? I changed nothing yet." """
    label = slot_label(ambiguity.field, lang)
    base = getattr(config, ambiguity.field)
    if not ambiguity.values and ambiguity.relative is not None:  # "more epochs": by how much?
        key = "ask_amount_up" if ambiguity.relative.amount > 0 else "ask_amount_down"
        current = say("option_absolute", lang, name=label, value=shown(base)) if base else ""
        now = f" ({current})" if current else ""
        return say(key, lang, name=label, now=now)
    options: list[str] = []
    if ambiguity.relative is not None:
        options.append(
            describe_change(ambiguity.relative, None if base is None else float(base), lang)
        )
    for value in ambiguity.values:
        whole = ambiguity.field in INTEGER_FIELDS and value.is_integer()
        options.append(
            say("option_absolute", lang, name=label, value=shown(int(value) if whole else value))
        )
    return say("ambiguous", lang, options=say("option_or", lang).join(options))


def describe_relative_result(
    resolved: ResolvedChanges, config: TrainingConfig, lang: Language
) -> str:
    """ "epochs 20 → 30, batch size 32 → 16" for the values the merge actually kept."""
    parts = []
    for field, old in resolved.before:
        new = getattr(config, field)
        if new is None or new == old:
            continue
        parts.append(f"{slot_label(field, lang)} {shown(old)} → {shown(new)}")
    return ", ".join(parts)
