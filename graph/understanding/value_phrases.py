"""Reading configuration values out of a message: "10 epochs", "배치 크기 64", "adamw optimizer".

Each field's words (English and Korean) are declared with its slot (``SlotSpec.words``); the
same table (``FIELD_WORDS``) answers "which field is 'batch size'?" for questions. Numbers are
read as stated — zero, negative and absurd values are passed through so the graph can refuse
them with a reason; only numbers that cannot be represented (non-finite, non-integral for a
count) are left out.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from graph.slot_index import FIELD_WORDS, INTEGER_FIELDS, NUMBER_FIELDS
from graph.understanding.value_scopes import (
    ValueHit,
    affirmed_values,
    corrected_numbers,
    negated,
)

__all__ = [
    "FIELD_WORDS",
    "spell_numbers_as_digits",
    "find_numeric_values",
    "find_numeric_hits",
    "INT_FIELDS",
    "find_named_values",
    "fields_mentioned",
    "parse_number",
    "NUMBER",
]

INT_FIELDS = INTEGER_FIELDS
"""Fields whose values are whole numbers (from the slot declarations)."""
_NUMERIC_FIELDS = tuple(name for name in FIELD_WORDS if name in NUMBER_FIELDS)

NUMBER = (
    r"(?<![A-Za-z0-9_.\-])[-+]?(?:\d{1,3}(?:,\d{3})+|\d{1,40}(?:\.\d{1,40})?|\.\d{1,40})"
    r"(?:[eE][-+]?\d{1,3})?(?![\d]|\.\d)(?!(?<=\b0)[xXbBoO][0-9A-Fa-f])"
)
"""A number as people type it: ``10``, ``-5``, ``3e-4``, ``.001``, ``1,000``; never the digits
inside a word ("yolov8n", "imagenet-10"), nor the ``0`` of a hex, binary or octal literal
("0x20" is not zero; it is left unread rather than guessed)."""

_NUMBER_RE = re.compile(NUMBER)
# What may stand between a field word and its number: "epochs=10", "batch size of 32",
# "에폭은 10", "learning rate should be 0.001".
_GAP = (
    r"(?:\s*(?:[=:~]|->|→|\bis\b|\bare\b|\bof\b|\bto\b|\bat\b|\bas\b|\bbe\b|\bshould\b|\bwill\b"
    r"|\bequal(?:s)?\b|\baround\b|\babout\b|은|는|을|를|이|가|값은|값을|값|만|수는|수를|수|횟수는"
    r"|횟수)\s*){0,4}"
)
_AFTER_NUMBER_KEY = re.compile(r"\s*(?:개의?\s*|번\s*|회\s*)?")
_KEY_THEN_NUMBER = re.compile(_GAP + r"\s*(" + NUMBER + r")", re.IGNORECASE)


@functools.cache
def _field_regex(field: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z])(?:{FIELD_WORDS[field]})(?![A-Za-z])", re.IGNORECASE)


def parse_number(raw: str, *, integer: bool) -> int | float | None:
    """The value of ``raw`` as an int or a finite float, or ``None`` when it has none.

    Integers accept ``1e3`` and ``1,000`` but not ``10.5`` (a count cannot be fractional, and
    guessing would silently change what the user said).
    """
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    if integer:
        if value != value.to_integral_value() or abs(value) > Decimal(10) ** 40:
            return None
        return int(value)
    as_float = float(value)
    return as_float if math.isfinite(as_float) else None


_UNITS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}  # fmt: skip
_SMALL = rf"(?:{'|'.join(_TENS)})(?:[\s\-](?:{'|'.join(_UNITS[1:10])}))?|{'|'.join(_UNITS)}"
_NUMBER_WORDS = re.compile(
    rf"\b(?:(?P<hundreds>a|{'|'.join(_UNITS[1:10])})\s+hundred(?:\s+(?:and\s+)?(?P<rest>{_SMALL}))?"
    rf"|(?P<small>{_SMALL}))\b",
    re.IGNORECASE,
)


def _small_value(words: str) -> int:
    parts = re.split(r"[\s\-]+", words.lower())
    return sum(_TENS.get(part, _UNITS.index(part) if part in _UNITS else 0) for part in parts)


def spell_numbers_as_digits(text: str) -> str:
    """English number words as digits, same length ("fifty epochs" → "50    epochs").

    Keeping the length keeps every offset found earlier valid; "twenty five" is 25, not 20 and 5.
    """

    def digits(found: re.Match[str]) -> str:
        if found.group("small"):
            value = _small_value(found.group("small"))
        else:
            head = found.group("hundreds").lower()
            value = 100 * (1 if head == "a" else _UNITS.index(head))
            value += _small_value(found.group("rest")) if found.group("rest") else 0
        return str(value).ljust(len(found.group()))

    return _NUMBER_WORDS.sub(digits, text)


@dataclass(frozen=True)
class _KeyHit:
    field: str
    start: int
    end: int


def _key_hits(text: str, fields: tuple[str, ...]) -> list[_KeyHit]:
    """Field words in ``text``; overlapping words keep the longest ("warmup epochs")."""
    hits = [
        _KeyHit(field, found.start(), found.end())
        for field in fields
        for found in _field_regex(field).finditer(text)
    ]
    hits.sort(key=lambda hit: (hit.start, -(hit.end - hit.start)))
    kept: list[_KeyHit] = []
    for hit in hits:
        if kept and hit.start < kept[-1].end:
            continue
        kept.append(hit)
    return kept


def find_numeric_hits(text: str) -> list[ValueHit]:
    """Every number tied to a field word, with the span it used, in text order.

    "field number" is tried before "number field", so "epochs 10 batch 32" never reads
    "10 batch". Which of several values for one field counts is decided by ``value_scopes``
    (negated ones never, otherwise the last).
    """
    found_hits: list[ValueHit] = []
    hits = _key_hits(text, _NUMERIC_FIELDS)
    consumed: set[int] = set()
    keyed: set[int] = set()
    for hit in hits:
        after = _KEY_THEN_NUMBER.match(text, hit.end)
        if after is None:
            continue
        number = parse_number(after.group(1), integer=hit.field in INT_FIELDS)
        consumed.add(after.start(1))
        keyed.add(hit.start)
        if number is not None:
            found_hits.append(ValueHit(hit.field, number, hit.start, after.end()))
    for found in _NUMBER_RE.finditer(text):
        if found.start() in consumed:
            continue
        gap = _AFTER_NUMBER_KEY.match(text, found.end())
        key_start = gap.end() if gap else found.end()
        follower = next((h for h in hits if h.start == key_start and h.start not in keyed), None)
        if follower is None:
            continue
        number = parse_number(found.group(), integer=follower.field in INT_FIELDS)
        if number is not None:
            found_hits.append(ValueHit(follower.field, number, found.start(), follower.end))
    return sorted(found_hits, key=lambda hit: hit.start)


def find_numeric_values(text: str) -> tuple[dict[str, int | float], list[tuple[int, int]]]:
    """Field → number for the affirmed values in ``text`` (last wins, negated never), and the
    spans every found value used (negated ones too, so nothing re-reads them)."""
    hits = find_numeric_hits(text)
    taken = [(hit.start, hit.end) for hit in hits]
    for field, raw, start, end in corrected_numbers(text, hits, taken):
        number = parse_number(raw, integer=field in INT_FIELDS)
        if number is not None:
            hits.append(ValueHit(field, number, start, end))
            taken.append((start, end))
    values = {
        field: value
        for field, value in affirmed_values(text, hits).items()
        if isinstance(value, int | float)
    }
    return values, taken


def fields_mentioned(text: str) -> tuple[str, ...]:
    """Field names whose words appear in ``text`` ("what does batch size mean?")."""
    hits = _key_hits(text, tuple(FIELD_WORDS))
    return tuple(dict.fromkeys(hit.field for hit in hits))


_COMMON_OPTIMIZERS = (
    "adamw", "adam", "sgd", "rmsprop", "nadam", "radam", "adamax", "adagrad", "adadelta",
    "adabelief", "lamb", "lion", "musgd", "muon",
)  # fmt: skip
_ANYWHERE_SCHEDULERS = {"cosine": "cosine", "cos": "cosine", "onecycle": "onecycle",
                        "plateau": "plateau", "코사인": "cosine", "multistep": "multistep"}  # fmt: skip
_KOREAN_SCHEDULERS = {"선형": "linear", "계단": "step", "상수": "constant"}


@functools.cache
def _known_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(optimizer names, scheduler names) of every framework, lower case, longest first."""
    try:
        from graph.hyperparameters import OPTIMIZERS, SCHEDULERS
    except ImportError:
        return _COMMON_OPTIMIZERS, ("cosine", "linear", "step", "plateau")
    optimizers = {name.lower() for names in OPTIMIZERS.values() for name in names}
    schedulers = {name.lower() for names in SCHEDULERS.values() for name in names}
    return (
        tuple(sorted(optimizers | set(_COMMON_OPTIMIZERS), key=len, reverse=True)),
        tuple(sorted(schedulers, key=len, reverse=True)),
    )


@functools.cache
def _word(names: tuple[str, ...]) -> re.Pattern[str]:
    alternation = "|".join(re.escape(name) for name in names)
    return re.compile(rf"(?<![A-Za-z0-9_\-])({alternation})(?![A-Za-z0-9_\-])", re.IGNORECASE)


@functools.cache
def _scheduler_words() -> re.Pattern[str]:
    _, schedulers = _known_names()
    names = sorted(set(schedulers) | set(_ANYWHERE_SCHEDULERS), key=len, reverse=True)
    return _word(tuple(names))


def _near_keyword(text: str, start: int, end: int, field: str) -> bool:
    """Whether a field word sits right before or after ``text[start:end]`` (within a few words)."""
    keyword = _field_regex(field)
    before = text[max(0, start - 25) : start]
    after = text[end : end + 25]
    return bool(re.search(rf"(?:{keyword.pattern})\W{{0,3}}(?:\w+\s+)?$", before, re.I)) or bool(
        re.match(rf"^\s*(?:으로|로)?\s*(?:{keyword.pattern})", after, re.I)
    )


def find_named_values(text: str) -> tuple[dict[str, str], list[tuple[int, int]]]:
    """Optimizer and scheduler names: common ones anywhere ("adamw"), rare or ambiguous ones
    ("step", "lars") only next to "optimizer"/"scheduler"."""
    values: dict[str, str] = {}
    used: list[tuple[int, int]] = []
    # Of several names the last one not negated wins ("adam 말고 sgd", "not adam, sgd").
    for found in _word(_known_names()[0]).finditer(text):
        name = found.group(1).lower()
        if name in _COMMON_OPTIMIZERS or _near_keyword(
            text, found.start(), found.end(), "optimizer"
        ):
            if not negated(text, found.start(), found.end()):
                values["optimizer"] = name
            used.append(found.span())
    for found in _scheduler_words().finditer(text):
        name = found.group(1).lower()
        if name in _ANYWHERE_SCHEDULERS or _near_keyword(
            text, found.start(), found.end(), "scheduler"
        ):
            if not negated(text, found.start(), found.end()):
                values["scheduler"] = _ANYWHERE_SCHEDULERS.get(name, name)
            used.append(found.span())
    for korean, name in _KOREAN_SCHEDULERS.items():
        position = text.find(korean)
        if position >= 0 and _near_keyword(text, position, position + len(korean), "scheduler"):
            values.setdefault("scheduler", name)
    if re.search(r"(?<![A-Za-z])cos(?:ine)?[\s_\-]?lr(?![A-Za-z])", text, re.I):
        values.setdefault("scheduler", "cosine")
    return values, used
