"""Making a language model's patch safe to merge: drop the absurd, never let it destroy.

A structurally valid patch can still be harmful: a prompt-injected model may answer "reset",
invent a dataset path, or return strings full of control characters. The rules, in order:

1. **Destructive intents need the user's own words.** ``reset`` and ``undo`` from a model are
   kept only when the offline parser reads the same intent in the user's message
   (``contradicts_user``); otherwise the interpreter discards the model's reading for the turn
   and uses the offline parser's (and says so). So "clear every field" hidden in a message can
   never empty the configuration unless the user literally asks to start over / undo.
   ``sanitise_model_patch`` applies the same rule on its own (defence in depth).
2. **A question that also sets a value sets it**: "What does weight decay do? Set it to 0.05
   anyway." read as ``question`` with ``weight_decay: 0.05`` keeps the value (with evidence,
   like any value); the graph applies it and then answers.
3. **"Yes" with values applies them, then confirms**: ``confirm`` with changes stays
   ``confirm`` (the graph applies the values, then confirms, or asks again if one was
   refused); ``decline`` with changes becomes ``set`` ("no, batch 32" is a correction).
4. **Absurd values are dropped, field by field**: empty or ``"null"`` strings, strings with
   control characters or over the length limits, non-finite floats, integers beyond 10**40, and a
   ``dataset_path`` that does not appear in the user's message (models must copy paths, not
   invent them). Numbers that are merely out of range are kept: the graph refuses them with a
   reason, which is more useful than silence.
5. ``language`` follows the message's script when it has letters (deterministic).
6. **The user's plain words win; every value needs evidence**
   (``graph.understanding.evidence``): given ``certain`` (the offline parser's step-free
   reading), a value the user stated plainly replaces a different model value
   (``ReviewedPatch.kept_from_user``) and is filled in where the model left it out; given the
   current ``config``, a model value — for a set or an empty field — is kept only when the
   message supports it, and the refused ones are reported in ``ReviewedPatch.ignored``.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.config import TrainingConfig
from graph.patch import Ambiguity, FieldChanges, RelativeChange, TurnPatch
from graph.understanding.evidence import review_overwrites, user_wins
from graph.understanding.message_text import clean_message

__all__ = [
    "ReviewedPatch",
    "review_model_patch",
    "sanitise_model_patch",
    "contradicts_user",
    "settled",
    "unclear_fields",
    "DESTRUCTIVE_INTENTS",
]

DESTRUCTIVE_INTENTS = frozenset({"reset", "undo"})
"""Intents that take values away; a model may only propose them when the user asked."""

_MAX_TEXT = {"dataset_path": 1024, "weights": 1024, "model_name": 100}
_DEFAULT_MAX_TEXT = 64
_MAX_INT = 10**40


def _printable(value: str) -> bool:
    return not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in value)


def _unify(path: str) -> str:
    """Case and separator folded, so "C:\\data" and "c:/data" compare equal."""
    return path.replace("\\", "/").casefold()


def _sane_value(field: str, value: Any, user_text: str) -> bool:
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped or stripped.lower() in ("null", "none", "nil", "undefined", "n/a"):
            return False
        if len(value) > _MAX_TEXT.get(field, _DEFAULT_MAX_TEXT) or not _printable(value):
            return False
        if field in ("dataset_path", "weights"):
            return _unify(stripped.strip("\"'`")) in _unify(user_text)
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int):
        return abs(value) < _MAX_INT
    return True


def _sane_strings(values: tuple[str, ...], limit: int) -> tuple[str, ...]:
    kept = tuple(v for v in values if v.strip() and len(v) <= 100 and _printable(v))
    return kept[:limit]


def contradicts_user(patch: TurnPatch, *, offline: TurnPatch) -> bool:
    """Whether ``patch`` takes values away (reset/undo) although the user's words do not."""
    return patch.intent in DESTRUCTIVE_INTENTS and offline.intent != patch.intent


def unclear_fields(
    relative: Iterable[RelativeChange], ambiguities: Iterable[Ambiguity]
) -> set[str]:
    """Fields stated relatively ("10 more epochs") or unclearly ("10 or 20 epochs"): they get
    no absolute value in the same patch (the graph computes or asks instead)."""
    return {change.field for change in relative} | {item.field for item in ambiguities}


def settled(patch: TurnPatch) -> TurnPatch:
    """The offline parser's own reading in the form the graph merges, by the rules a model's
    patch gets too: no absolute value for an unclear field (rule of #10, above), and no
    catalog suggestions (the graph's matcher names them, for every reader alike)."""
    stated = patch.changes.stated()
    unclear = unclear_fields(patch.relative_changes, patch.ambiguities) & stated.keys()
    if not unclear and not patch.model_suggestions:
        return patch
    kept = {name: value for name, value in stated.items() if name not in unclear}
    return patch.model_copy(update={"changes": FieldChanges(**kept), "model_suggestions": ()})


@dataclass(frozen=True)
class ReviewedPatch:
    """A model's patch made safe, and the overwrites it proposed that were refused."""

    patch: TurnPatch
    """What the graph merges."""
    ignored: Mapping[str, Any]
    """Field → value the model proposed without evidence in the message; dropped, and worth
    one line in the reply."""
    kept_from_user: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    """Field → (model value, user value) where the user's plain words replaced the model's."""


def sanitise_model_patch(
    patch: TurnPatch,
    *,
    offline: TurnPatch,
    user_text: str,
    config: TrainingConfig | None = None,
    certain: Callable[[], TurnPatch] | None = None,
) -> TurnPatch:
    """``patch`` from a language model made safe by the rules in this module's docstring.

    ``offline`` is ``parse_message`` of the same message; ``user_text`` the message itself;
    ``config`` and ``certain`` enable rule 6 (see ``review_model_patch``).
    """
    return review_model_patch(
        patch, offline=offline, user_text=user_text, config=config, certain=certain
    ).patch


def review_model_patch(
    patch: TurnPatch,
    *,
    offline: TurnPatch,
    user_text: str,
    config: TrainingConfig | None = None,
    certain: Callable[[], TurnPatch] | None = None,
) -> ReviewedPatch:
    """``sanitise_model_patch`` that also reports the refused overwrites.

    ``config`` is the configuration before this turn (without it, set fields are not
    protected); ``certain`` returns the offline parser's reading without step-dependent guesses
    (``parse_message(text)``), called when the full reading found any value.
    """
    cleaned_text = clean_message(user_text)
    stated = patch.changes.stated()
    kept = {
        name: value
        for name, value in stated.items()
        if _sane_value(name, value, user_text) or _sane_value(name, value, cleaned_text)
    }
    intent = patch.intent
    if intent in DESTRUCTIVE_INTENTS and offline.intent != intent:
        intent = offline.intent if offline.intent not in DESTRUCTIVE_INTENTS else "set"
    conflicts: dict[str, tuple[Any, Any]] = {}
    # The step-free reading is parsed only when the full one read a value at all.
    plain = certain() if certain is not None and offline.changes.stated() else None
    if plain is not None and intent not in DESTRUCTIVE_INTENTS:
        # A question keeps only the values the model itself gave ("what do 20 epochs mean?"
        # sets nothing); its differing values still yield to the user's plain words.
        kept, conflicts = user_wins(kept, plain, user_text, fill=intent != "question")
    ignored: Mapping[str, Any] = {}
    if config is not None:
        review = review_overwrites(
            kept, config=config, offline=offline, user_text=user_text, plain=plain
        )
        kept, ignored = dict(review.kept), review.ignored
    use_defaults = patch.use_defaults
    if intent == "decline" and kept:
        intent = "set"
    if intent == "undo":
        kept = {}  # undo restores a checkpoint; values alongside it would be ambiguous
    unrecognised = patch.unrecognised_model
    if unrecognised is not None and not _sane_value("model_name", unrecognised, user_text):
        unrecognised = None
    # Relative changes and unclear values (#10): the offline reading of the user's own words
    # wins, and a field stated relatively or unclearly never also gets an absolute value.
    relative = offline.relative_changes or patch.relative_changes
    ambiguities = offline.ambiguities or patch.ambiguities
    for name in unclear_fields(relative, ambiguities):
        kept.pop(name, None)
    reviewed = TurnPatch(
        intent=intent,
        changes=FieldChanges(**kept),
        use_defaults=use_defaults,
        question_topic=patch.question_topic if intent == "question" else None,
        question_subjects=_sane_strings(patch.question_subjects, 8) if intent == "question" else (),
        model_suggestions=(),  # the catalog's matcher suggests names; the model never saw them
        unrecognised_model=unrecognised,
        language=offline.language or patch.language,
        relative_changes=relative if intent != "question" else (),
        ambiguities=ambiguities if intent != "question" else (),
        other_domain_model=offline.other_domain_model or patch.other_domain_model,
        other_domain_kind=offline.other_domain_kind or patch.other_domain_kind,
        new_job=offline.new_job or patch.new_job,
    )
    if intent in DESTRUCTIVE_INTENTS:
        ignored, conflicts = {}, {}  # nothing is merged this turn, so nothing was refused
    return ReviewedPatch(patch=reviewed, ignored=ignored, kept_from_user=conflicts)
