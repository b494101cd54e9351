"""Changes stated relative to the current value, in English and Korean.

"10 more epochs", "add 5 epochs", "double the batch size", "halve the learning rate", "cut the
batch in half", "3x bigger image size", "increase lr by 20%", "에폭 10 더", "배치 두 배로",
"학습률 반으로", "에폭 절반", "에폭 5 줄여". The parser cannot know the current value, so it
reports *what* to do (add N, multiply by N); the turn applies it and validates the result.

A phrase that can be read two ways is reported as an ``Ambiguity`` instead, never guessed:
"increase epochs 10" (by 10, or to 10?), and "increase epochs to 10" when epochs is already 20
(to 10 is a decrease; maybe "by 10" was meant).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection
from dataclasses import dataclass

from graph.patch import Ambiguity, RelativeChange
from graph.slot_index import FIELD_WORDS, RELATIVE_FIELDS
from graph.understanding.value_phrases import parse_number

__all__ = ["RelativeReading", "find_relative_changes", "RELATIVE_FIELDS"]


_N = r"(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+)"
_UP = r"(?:increase|raise|bump(?:\s+up)?|grow|extend|boost|lengthen)"
_DOWN = r"(?:decrease|reduce|lower|cut|drop|shrink|shorten|trim)"
_THE = r"(?:\s+(?:the|my|our))?"
_P = r"(?:\s*(?:을|를|은|는|이|가|도))?"  # a Korean particle after the field word
_UNIT = r"(?:\s*(?:개|번|회|에폭|에포크|epochs?))?"
_KO_UP = r"(?:늘려|늘리|늘림|증가|올려|올리|높여|높이|키워|키우)"
_KO_DOWN = r"(?:줄여|줄이|줄임|감소|내려|내리|낮춰|낮추)"
_MULTIPLIERS = {"double": 2.0, "triple": 3.0, "quadruple": 4.0, "halve": 0.5}
_KO_TIMES = {"두": 2.0, "세": 3.0, "네": 4.0, "다섯": 5.0}
_TRIGGER = re.compile(
    r"more|fewer|less|extra|additional|add|plus|\+|increase|decrease|raise|reduce|lower|bump"
    r"|grow|cut|drop|shrink|double|triple|quadruple|halve|half|twice|times|bigger|larger|smaller"
    r"|higher|longer|shorter|%|더|덜|늘|줄|올려|올리|내려|낮춰|높여|키워|배|반|절반|증가|감소",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RelativeReading:
    """What the message says relative to current values, and the spans it used."""

    changes: tuple[RelativeChange, ...] = ()
    ambiguities: tuple[Ambiguity, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()


@functools.cache
def _patterns(field: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """(pattern, kind) for one field; kinds say how the captured number is used."""
    f = rf"(?<![A-Za-z])(?:{FIELD_WORDS[field]})(?![A-Za-z])"
    table = (
        # English: adding and taking away
        (rf"{_N}\s*(?:more|extra|additional)\s+{f}", "add"),
        (rf"{_N}\s+{f}\s+more\b", "add"),
        (rf"{_N}\s*(?:fewer|less)\s+{f}", "sub"),
        (rf"\badd\s+(?:another\s+)?{_N}(?:\s+more)?\s+{f}", "add"),
        (rf"\badd\s+{_N}\s+to{_THE}\s+{f}", "add"),
        (rf"{f}\s*(?:\+|\bplus\s+){_N}", "add"),
        (rf"\b{_UP}{_THE}\s+{f}\s+by\s+{_N}\s*(?:%|percent)", "pct_up"),
        (rf"\b{_DOWN}{_THE}\s+{f}\s+by\s+{_N}\s*(?:%|percent)", "pct_down"),
        (rf"\b{_UP}{_THE}\s+{f}\s+by\s+{_N}", "add"),
        (rf"\b{_DOWN}{_THE}\s+{f}\s+by\s+{_N}", "sub"),
        (rf"\b{_UP}{_THE}\s+{f}\s+to\s+{_N}", "up_to"),
        (rf"\b{_DOWN}{_THE}\s+{f}\s+to\s+{_N}", "down_to"),
        (rf"\b{_UP}{_THE}\s+{f}\s+{_N}(?!\s*(?:%|x\b|×|times))", "up_unclear"),
        (rf"\b{_DOWN}{_THE}\s+{f}\s+{_N}(?!\s*(?:%|x\b|×|times))", "down_unclear"),
        # English: multiplying
        (rf"\b(double|triple|quadruple|halve)\s*(?:the\s+|my\s+)?{f}", "word_times"),
        (rf"{f}\s+(?:should\s+be\s+)?(doubled|tripled|quadrupled|halved)", "word_times"),
        (rf"\b(?:cut|split){_THE}\s+{f}\s+in\s+half", "half"),
        (rf"\bhalf\s+(?:the|of\s+the)\s+{f}", "half"),
        (rf"\btwice\s+(?:the|as\s+many|as\s+much|as\s+big)\s+{f}", "twice"),
        (rf"{f}\s+{_N}\s*(?:x|×|times)\s*(?:bigger|larger|more|higher|longer)", "times"),
        (rf"{_N}\s*(?:x|×|times)\s*(?:bigger|larger|more|higher|longer)\s+{f}", "times"),
        (rf"{f}\s+{_N}\s*(?:x|×|times)\s*(?:smaller|lower|less|shorter)", "divide"),
        (rf"{_N}\s*(?:x|×|times)\s*(?:smaller|lower|less|shorter)\s+{f}", "divide"),
        # Korean: 더 / 덜 / 늘려 / 줄여 / N배 / 반으로 / 절반 / N%
        (rf"{f}{_P}\s*{_N}\s*%\s*(?:만큼\s*)?(?:더\s*)?{_KO_UP}", "pct_up"),
        (rf"{f}{_P}\s*{_N}\s*%\s*(?:만큼\s*)?(?:덜\s*)?{_KO_DOWN}", "pct_down"),
        (rf"{f}{_P}\s*{_N}\s*(?:으로|로)\s*{_KO_UP}", "up_to"),
        (rf"{f}{_P}\s*{_N}\s*(?:으로|로)\s*{_KO_DOWN}", "down_to"),
        (rf"{f}{_P}\s*{_N}{_UNIT}\s*(?:만큼\s*)?더", "add"),
        (rf"{f}{_P}\s*{_N}{_UNIT}\s*(?:만큼\s*)?덜", "sub"),
        (rf"{f}{_P}\s*{_N}{_UNIT}\s*(?:만큼\s*)?{_KO_UP}", "add"),
        (rf"{f}{_P}\s*{_N}{_UNIT}\s*(?:만큼\s*)?{_KO_DOWN}", "sub"),
        (rf"{_N}\s*{f}\s*(?:만큼\s*)?더", "add"),
        (rf"{f}{_P}\s*(두|세|네|다섯)\s*배", "ko_times"),
        (rf"{f}{_P}\s*{_N}\s*배", "times"),
        (rf"{f}{_P}\s*(?:반으로|절반(?:으로|만)?|반만)", "half"),
        # A direction without an amount ("more epochs", "에폭 좀 늘려"): asked, never guessed.
        (rf"\b(?:more|a\s+few\s+more|a\s+bit\s+more)\s+{f}", "up_amount"),
        (rf"\b(?:fewer|less)\s+{f}", "down_amount"),
        (rf"\b{_UP}{_THE}\s+{f}(?!\s*(?:by|to|\d))", "up_amount"),
        (rf"\b{_DOWN}{_THE}\s+{f}(?!\s*(?:by|to|in|\d))", "down_amount"),
        (rf"{f}{_P}\s*(?:좀\s*|조금\s*|더\s*)*{_KO_UP}", "up_amount"),
        (rf"{f}{_P}\s*(?:좀\s*|조금\s*)*(?:덜|{_KO_DOWN})", "down_amount"),
    )
    # ASCII word boundaries, so "add 5 epochs로" or "double the batch는" still match.
    return tuple((re.compile(pattern, re.IGNORECASE | re.ASCII), kind) for pattern, kind in table)


def _number(raw: str) -> float | None:
    value = parse_number(raw, integer=False)
    return None if value is None else float(value)


def _reading(
    field: str, kind: str, raw: str, current: float | None
) -> RelativeChange | Ambiguity | float | None:
    """The change (or ambiguity, or plain absolute value) one matched phrase states."""
    if kind in ("up_amount", "down_amount"):  # the amount is what the question asks for
        sign = 1.0 if kind == "up_amount" else -1.0
        relative = RelativeChange(field=field, operation="add", amount=sign)
        return Ambiguity(field=field, values=(), relative=relative)
    if kind in ("half", "twice", "word_times", "ko_times"):
        factor = {"half": 0.5, "twice": 2.0}.get(kind)
        if kind == "word_times":
            factor = _MULTIPLIERS[raw.lower().removesuffix("d").removesuffix("e") + "e"]
        if kind == "ko_times":
            factor = _KO_TIMES[raw]
        assert factor is not None
        return RelativeChange(field=field, operation="multiply", amount=factor)
    amount = _number(raw)
    if amount is None or amount == 0 and kind in ("times", "divide"):
        return None
    if kind == "add":
        return RelativeChange(field=field, operation="add", amount=amount)
    if kind == "sub":
        return RelativeChange(field=field, operation="add", amount=-amount)
    if kind == "times":
        return RelativeChange(field=field, operation="multiply", amount=amount)
    if kind == "divide":
        return RelativeChange(field=field, operation="multiply", amount=1 / amount)
    if kind in ("pct_up", "pct_down"):
        factor = 1 + amount / 100 if kind == "pct_up" else 1 - amount / 100
        return RelativeChange(field=field, operation="multiply", amount=factor)
    relative = RelativeChange(
        field=field,
        operation="add",
        amount=amount if kind.startswith("up") else -amount,
    )
    if kind.endswith("unclear"):
        return Ambiguity(field=field, values=(amount,), relative=relative)
    # "increase … to N": an absolute value, unless it goes the other way from where it is.
    contradicts = current is not None and (
        (kind == "up_to" and amount < current) or (kind == "down_to" and amount > current)
    )
    if contradicts:
        return Ambiguity(field=field, values=(amount,), relative=relative)
    return amount


def find_relative_changes(
    text: str,
    current: dict[str, float | None] | None = None,
    fields: Collection[str] | None = None,
) -> tuple[RelativeReading, dict[str, float]]:
    """Relative changes, ambiguities and plain "increase … to N" values in ``text``.

    ``current`` holds the current values (for "increase to N" pointing the wrong way); ``fields``
    (the field words the message mentions, when known) limits the search to those fields, which
    keeps a turn cheap. Returns the reading and the absolute values stated through a verb.
    """
    if not _TRIGGER.search(text):
        return RelativeReading(), {}
    current = current or {}
    changes: list[RelativeChange] = []
    ambiguities: list[Ambiguity] = []
    spans: list[tuple[int, int]] = []
    absolute: dict[str, float] = {}
    for field in RELATIVE_FIELDS:
        if fields is not None and field not in fields:
            continue
        for pattern, kind in _patterns(field):
            for found in pattern.finditer(text):
                if any(found.start() < end and start < found.end() for start, end in spans):
                    continue
                raw = found.group(1) if found.groups() else ""
                reading = _reading(field, kind, raw, current.get(field))
                if reading is None:
                    continue
                spans.append(found.span())
                if isinstance(reading, RelativeChange):
                    changes.append(reading)
                elif isinstance(reading, Ambiguity):
                    ambiguities.append(reading)
                else:
                    absolute[field] = reading
    return RelativeReading(tuple(changes), tuple(ambiguities), tuple(spans)), absolute
