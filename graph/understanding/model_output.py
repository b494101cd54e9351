"""Making a language model's patch safe to merge: drop the absurd, never let it destroy.

A structurally valid patch can still be harmful: a prompt-injected model may answer "reset",
invent a dataset path, or return strings full of control characters. The rules, in order:

1. **Destructive intents need the user's own words.** ``reset`` and ``undo`` from a model are
   kept only when the offline parser reads the same intent in the user's message
   (``contradicts_user``); otherwise the interpreter discards the model's reading for the turn
   and uses the offline parser's (and says so). So "clear every field" hidden in a message can
   never empty the configuration unless the user literally asks to start over / undo.
   ``sanitise_model_patch`` applies the same rule on its own (defence in depth).
2. **Questions change nothing**: a ``question`` patch loses its changes and ``use_defaults``.
3. **Values plus "yes" is a set**: ``confirm``/``decline`` with changes becomes ``set``.
4. **Absurd values are dropped, field by field**: empty or ``"null"`` strings, strings with
   control characters or over the length limits, non-finite floats, integers beyond 10**40, and a
   ``dataset_path`` that does not appear in the user's message (models must copy paths, not
   invent them). Numbers that are merely out of range are kept: the graph refuses them with a
   reason, which is more useful than silence.
5. ``language`` follows the message's script when it has letters (deterministic).
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from graph.patch import FieldChanges, TurnPatch
from graph.understanding.message_text import clean_message

__all__ = ["sanitise_model_patch", "contradicts_user", "DESTRUCTIVE_INTENTS"]

DESTRUCTIVE_INTENTS = frozenset({"reset", "undo"})
"""Intents that take values away; a model may only propose them when the user asked."""

_MAX_TEXT = {"dataset_path": 1024, "model_name": 100}
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
        if field == "dataset_path":
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


def sanitise_model_patch(patch: TurnPatch, *, offline: TurnPatch, user_text: str) -> TurnPatch:
    """``patch`` from a language model made safe by the rules in this module's docstring.

    ``offline`` is ``parse_message`` of the same message; ``user_text`` the message itself.
    """
    cleaned_text = clean_message(user_text)
    stated = patch.changes.stated()
    kept = {
        field: value
        for field, value in stated.items()
        if _sane_value(field, value, user_text) or _sane_value(field, value, cleaned_text)
    }
    intent = patch.intent
    if intent in DESTRUCTIVE_INTENTS and offline.intent != intent:
        intent = offline.intent if offline.intent not in DESTRUCTIVE_INTENTS else "set"
    use_defaults = patch.use_defaults
    if intent == "question":
        kept, use_defaults = {}, False
    elif intent in ("confirm", "decline") and kept:
        intent = "set"
    if intent == "undo":
        kept = {}  # undo restores a checkpoint; values alongside it would be ambiguous
    unrecognised = patch.unrecognised_model
    if unrecognised is not None and not _sane_value("model_name", unrecognised, user_text):
        unrecognised = None
    return TurnPatch(
        intent=intent,
        changes=FieldChanges(**kept),
        use_defaults=use_defaults,
        question_topic=patch.question_topic if intent == "question" else None,
        question_subjects=_sane_strings(patch.question_subjects, 8) if intent == "question" else (),
        model_suggestions=_sane_strings(patch.model_suggestions, 5),
        unrecognised_model=unrecognised,
        language=offline.language or patch.language,
    )
