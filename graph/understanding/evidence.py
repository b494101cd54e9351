"""Whether the user's own words back a language model's value, and what to do when they do not.

A model may only *change* what the user mentioned. Two failures are guarded here:

* **Overwrites without evidence.** A hallucinating or prompt-injected model answers "batch size
  24" with ``{"batch_size": 24, "model_name": "yolov8n", "epochs": 1}``. A value for a field
  that is already set is kept only when the message supports it: the offline parser read that
  field in this message, or the value itself appears in the text (strings compared case-,
  space-, ``-`` and ``_``-insensitively; numbers by value, "3e-4" equals 0.0003), or it is the
  framework/task the (supported) model choice implies. Otherwise it is dropped and named in
  ``OverwriteReview.ignored`` so the reply can say so. Unset fields stay model-driven: filling
  an empty slot destroys nothing, and the model may read phrasing the rules cannot.
* **Omissions.** A model that leaves out a value the offline parser reads with certainty (an
  explicit "batch size 24") would lose what the user said; ``fill_from_offline`` puts it back,
  the model's value winning where both have one.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph.config import TrainingConfig
from graph.patch import TurnPatch
from graph.understanding.message_text import clean_message
from graph.understanding.value_phrases import NUMBER, parse_number, spell_numbers_as_digits

__all__ = [
    "OverwriteReview",
    "has_evidence",
    "review_overwrites",
    "fill_from_offline",
    "ignored_line",
]

_FOLD = re.compile(r"[\s_\-]+")
_NUMBER_RE = re.compile(NUMBER)
_MODEL_IMPLIES = ("framework", "task_type")


def _fold(text: str) -> str:
    """``"EfficientNet B0"`` and ``"efficientnet_b0"`` both become ``"efficientnetb0"``."""
    return _FOLD.sub("", text.casefold())


def _numbers_in(text: str) -> list[float]:
    """Every number written in ``text``, digits or English words ("twenty four" is 24)."""
    found: list[float] = []
    for match in _NUMBER_RE.finditer(spell_numbers_as_digits(text)):
        value = parse_number(match.group(), integer=False)
        if value is not None:
            found.append(float(value))
    return found


def _same_number(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)


def _value_in_text(value: Any, text: str) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        folded = _fold(value)
        return bool(folded) and folded in _fold(text)
    if isinstance(value, int | float):
        return any(_same_number(float(value), seen) for seen in _numbers_in(text))
    return False


def has_evidence(field: str, value: Any, *, offline: TurnPatch, user_text: str) -> bool:
    """Whether the message supports ``field = value``: the offline parser read ``field`` in it,
    or ``value`` is written in it (see the module docstring for how values are compared)."""
    if field in offline.changes.stated():
        return True
    return _value_in_text(value, user_text) or _value_in_text(value, clean_message(user_text))


@functools.cache
def _implied_by_model(name: str) -> Mapping[str, str]:
    """The framework and task a catalog model brings with it (empty when unknown)."""
    try:
        from graph.catalog import load_catalog

        entry = load_catalog().lookup(name)
    except Exception:  # no catalog, no implication: the value then needs its own evidence
        return {}
    if entry is None or not entry.trainable_here:
        return {}
    return {"framework": entry.framework, "task_type": entry.task_type}


def _unchanged(current: Any, value: Any) -> bool:
    if isinstance(current, str) and isinstance(value, str):
        return _fold(current) == _fold(value)
    return bool(current == value)


@dataclass(frozen=True)
class OverwriteReview:
    """The model's values that may be merged, and the overwrites that were refused."""

    kept: Mapping[str, Any]
    """Values for unset fields, and supported values for set ones."""
    ignored: Mapping[str, Any]
    """Field → value the model proposed for an already-set field without evidence."""


def review_overwrites(
    proposed: Mapping[str, Any],
    *,
    config: TrainingConfig,
    offline: TurnPatch,
    user_text: str,
) -> OverwriteReview:
    """Split ``proposed`` into values to keep and overwrites the message does not support.

    A proposed value equal to the current one changes nothing and is dropped silently (a model
    echoing the configuration back is not a change, and should not be reported as refused).
    """
    kept: dict[str, Any] = {}
    ignored: dict[str, Any] = {}
    model_name = proposed.get("model_name")
    implied: Mapping[str, str] = {}
    # The model choice is decided first: the framework and task it implies ride on it.
    ordered = sorted(proposed, key=lambda name: name != "model_name")
    for field in ordered:
        value = proposed[field]
        current = getattr(config, field, None)
        supported = (
            current is None  # filling an empty slot destroys nothing
            or has_evidence(field, value, offline=offline, user_text=user_text)
            or (field in _MODEL_IMPLIES and implied.get(field) == value)
        )
        if supported:
            kept[field] = value
        elif not _unchanged(current, value):
            ignored[field] = value
        if field == "model_name" and field in kept and isinstance(model_name, str):
            implied = _implied_by_model(model_name)
    return OverwriteReview(kept=kept, ignored=ignored)


def fill_from_offline(changes: Mapping[str, Any], certain: TurnPatch) -> dict[str, Any]:
    """``changes`` plus every value ``certain`` (the offline parser's step-free reading, no
    guessed bare answers) has for a field the model left empty; the model's values win."""
    return {**certain.changes.stated(), **changes}


def _label(field: str, language: str) -> str:
    try:
        from graph.slots import SLOT_BY_NAME
    except ImportError:  # pragma: no cover - the slots ship with the graph
        return field.replace("_", " ")
    slot = SLOT_BY_NAME.get(field)
    return slot.label.in_(language) if slot is not None else field.replace("_", " ")


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def ignored_line(
    ignored: Mapping[str, Any], *, config: TrainingConfig, language: str | None, name: str
) -> str | None:
    """One line telling the user which proposed changes were not made, why, and what was kept
    (so a user who did mean it knows to say the value), in English or Korean."""
    if not ignored:
        return None
    lang = "ko" if language == "ko" else "en"

    def items(values: Mapping[str, Any]) -> str:
        return ", ".join(
            f"{_label(field, lang)} {_shown(value)}" for field, value in values.items()
        )

    proposed = items(ignored)
    kept = items({field: getattr(config, field) for field in ignored})
    if lang == "ko":
        who = "언어 모델" if name == "the language model" else name
        return (
            f"{who}이(가) {proposed}(으)로 바꾸자고 했지만 메시지에 없는 값이라 "
            f"{kept} 그대로 두었어요."
        )
    line = f"{name} proposed {proposed}, which your message does not state, so I kept {kept}."
    return line[0].upper() + line[1:]
