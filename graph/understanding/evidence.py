"""Whether the user's own words back a language model's value, and what to do when they do not.

The merge policy (issue #15): **the user's plain words win**, and a model may only propose what
the message states.

* **The user's certain reading wins.** Where the offline parser's step-free reading of the
  message is certain of a value ("batch size 16"), a model's different value for that field
  ("batch_size": 64) is not applied; ``user_wins`` puts the user's value back and reports the
  conflict so the reply can say which value it kept.
* **Every value needs evidence** — for a set field *and* for an empty one. A value is supported
  when the offline parser read that field in this message, or the value itself appears in the
  text (strings compared case-, space-, ``-`` and ``_``-insensitively; numbers by value in
  digits, English or Korean words — "3e-4" is 0.0003, "twenty" and "스무" are 20,
  ``graph.understanding.number_words``), or it is the framework/task the (supported) model
  choice implies. A number the offline parser already gave to another field ("warmup 3
  epochs" is warm-up 3) is not evidence for a second field unless it is written twice. Closed
  vocabularies (framework, task, dataset format, pretrained yes/no) may fill an *empty* slot
  without a literal match: translating "객체 탐지" into ``object_detection`` is what the model
  is for, and the graph validates the name. Anything else is dropped and named in
  ``OverwriteReview.ignored``.
* **Omissions.** A model that leaves out a value the offline parser reads with certainty (an
  explicit "batch size 24") would lose what the user said; ``user_wins`` puts it back.
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
from graph.replies import shown
from graph.slot_index import slot_label
from graph.understanding.message_text import clean_message
from graph.understanding.number_words import numbers_in
from graph.understanding.value_phrases import NUMBER, parse_number

__all__ = [
    "OverwriteReview",
    "has_evidence",
    "review_overwrites",
    "fill_from_offline",
    "user_wins",
    "same_value",
    "stated_plainly",
    "ignored_line",
]

_FOLD = re.compile(r"[\s_\-]+")
_MODEL_IMPLIES = ("framework", "task_type")
_CLOSED_VOCABULARY = frozenset({"framework", "task_type", "dataset_format", "pretrained"})
"""Fields whose value is a name from a fixed list the graph validates: a model may fill an
empty one from a paraphrase ("객체 탐지" → object_detection) without a literal match."""


def _fold(text: str) -> str:
    """``"EfficientNet B0"`` and ``"efficientnet_b0"`` both become ``"efficientnetb0"``."""
    return _FOLD.sub("", text.casefold())


def _same_number(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)


def _value_in_text(value: Any, text: str) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        folded = _fold(value)
        return bool(folded) and folded in _fold(text)
    if isinstance(value, int | float):
        return any(_same_number(float(value), seen) for seen in numbers_in(text))
    return False


def _spoken_for(field: str, value: Any, plain: TurnPatch | None, user_text: str) -> bool:
    """Whether every occurrence of the number ``value`` in the message is already the plain
    (step-free) reading's value for *other* fields, so it is not evidence for ``field``. The
    step's guess for a bare number ("64" as the next missing field) claims nothing."""
    if plain is None or isinstance(value, bool) or not isinstance(value, int | float):
        return False
    claims = sum(
        1
        for other, seen in plain.changes.stated().items()
        if other != field and isinstance(seen, int | float) and same_value(seen, value)
    )
    if not claims:
        return False
    written = sum(1 for seen in numbers_in(user_text) if _same_number(float(value), seen))
    return written <= claims


def has_evidence(
    field: str, value: Any, *, offline: TurnPatch, user_text: str, plain: TurnPatch | None = None
) -> bool:
    """Whether the message supports ``field = value``: the offline parser read ``field`` in it,
    or ``value`` is written in it and not already another field's in ``plain``, the step-free
    reading (see the module docstring for how values are compared)."""
    if field in offline.changes.stated():
        return True
    if _spoken_for(field, value, plain, user_text):
        return False
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


def same_value(a: Any, b: Any) -> bool:
    """Equal as the user would judge it: names folded ("ResNet18" is "resnet18"), numbers by
    value (16 is 16.0)."""
    if isinstance(a, str) and isinstance(b, str):  # "C:\\data" is "c:/data" too
        return _fold(a.replace("\\", "/")) == _fold(b.replace("\\", "/"))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return _same_number(float(a), float(b))
    return bool(a == b)


@dataclass(frozen=True)
class OverwriteReview:
    """The model's values that may be merged, and the ones that were refused."""

    kept: Mapping[str, Any]
    """Values with evidence in the message (or filling an empty closed-vocabulary slot)."""
    ignored: Mapping[str, Any]
    """Field → value the model proposed without evidence (set or empty field)."""


def review_overwrites(
    proposed: Mapping[str, Any],
    *,
    config: TrainingConfig,
    offline: TurnPatch,
    user_text: str,
    plain: TurnPatch | None = None,
) -> OverwriteReview:
    """Split ``proposed`` into values to keep and values the message does not support.

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
            has_evidence(field, value, offline=offline, user_text=user_text, plain=plain)
            or (field in _MODEL_IMPLIES and implied.get(field) == value)
            or (current is None and field in _CLOSED_VOCABULARY)
        )
        if supported:
            kept[field] = value
        elif current is None or not same_value(current, value):
            ignored[field] = value
        if field == "model_name" and field in kept and isinstance(model_name, str):
            implied = _implied_by_model(model_name)
    return OverwriteReview(kept=kept, ignored=ignored)


_DIGITS = re.compile(NUMBER)


def stated_plainly(value: Any, text: str) -> bool:
    """Whether ``value`` is *written* in ``text``: a number in digits ("16", "3e-4"), a name
    as a (folded) substring. Number words do not count here ("one in a thousand" must not make
    the offline reading of "one" certain)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        for match in _DIGITS.finditer(text):
            seen = parse_number(match.group(), integer=False)
            if seen is not None and _same_number(float(value), float(seen)):
                return True
        return False
    return _value_in_text(value, text)


def user_wins(
    changes: Mapping[str, Any], certain: TurnPatch, user_text: str, *, fill: bool = True
) -> tuple[dict[str, Any], dict[str, tuple[Any, Any]]]:
    """``changes`` with the values of ``certain`` (the offline parser's step-free reading)
    put in: added where the model left the field out, and *replacing* the model's value where
    the two differ and the user's value is written plainly in the message ("batch size 16"
    against a model's 64); ``fill=False`` only replaces, never adds. Returns the merged values and, per replaced field,
    ``(model value, user value)``."""
    merged = dict(changes)
    conflicts: dict[str, tuple[Any, Any]] = {}
    for field, value in certain.changes.stated().items():
        if field not in merged:
            if fill:
                merged[field] = value
        elif not same_value(merged[field], value) and stated_plainly(value, user_text):
            conflicts[field] = (merged[field], value)
            merged[field] = value
    return merged, conflicts


def fill_from_offline(changes: Mapping[str, Any], certain: TurnPatch) -> dict[str, Any]:
    """``changes`` plus every value ``certain`` has; where both have one and the user wrote
    it plainly, the user's reading wins (``user_wins`` also reports which)."""
    return user_wins(changes, certain, "")[0]


def ignored_line(
    ignored: Mapping[str, Any],
    *,
    config: TrainingConfig,
    language: str | None,
    name: str,
    kept_from_user: Mapping[str, tuple[Any, Any]] | None = None,
) -> str | None:
    """One line telling the user which proposed values were not applied, why, and what was
    kept (so a user who did mean it knows to say the value), in English or Korean.

    ``ignored``: values without evidence (the field keeps its current value, or stays unset);
    ``kept_from_user``: field → (model value, user value) where the user's words won.
    """
    conflicts = kept_from_user or {}
    if not ignored and not conflicts:
        return None
    lang = "ko" if language == "ko" else "en"

    def items(values: Mapping[str, Any]) -> str:
        return ", ".join(
            f"{slot_label(field, lang)} {shown(value)}" for field, value in values.items()
        )

    who = "언어 모델" if lang == "ko" and name == "the language model" else name
    parts: list[str] = []
    if conflicts:
        read = items({field: pair[0] for field, pair in conflicts.items()})
        said = items({field: pair[1] for field, pair in conflicts.items()})
        if lang == "ko":
            parts.append(
                f"{who}은(는) {read}(으)로 읽었지만 메시지에 {said}(이)라고 적혀 있어 {said}(으)로 했어요."
            )
        else:
            parts.append(f"{who} read {read}, but your message says {said}, so I used {said}.")
    was_set = {
        field: value for field, value in ignored.items() if getattr(config, field) is not None
    }
    was_empty = {field: value for field, value in ignored.items() if field not in was_set}
    if was_set:
        proposed = items(was_set)
        kept = items({field: getattr(config, field) for field in was_set})
        if lang == "ko":
            parts.append(
                f"{who}이(가) {proposed}(으)로 바꾸자고 했지만 메시지에 없는 값이라 "
                f"{kept} 그대로 두었어요."
            )
        else:
            parts.append(
                f"{who} proposed {proposed}, which your message does not state, so I kept {kept}."
            )
    if was_empty:
        proposed = items(was_empty)
        if lang == "ko":
            parts.append(
                f"{who}이(가) {proposed}을(를) 제안했지만 메시지에 없는 값이라 비워 두었어요."
            )
        else:
            parts.append(
                f"{who} proposed {proposed}, which your message does not state, so I left it unset."
            )
    line = " ".join(parts)
    return line[0].upper() + line[1:]
