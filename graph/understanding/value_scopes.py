"""Which of the values a message states are meant: negation and self-correction scopes.

"not 10 epochs", "anything but resnet18", "instead of adam", "I don't want yolov8n",
"resnet18 말고", "adam 대신" name a value the user does *not* want; "10 epochs, no wait, 20",
"에폭 10 아 아니다 20", "batch 16… actually make it 32" take a value back and give another. The
rule everywhere: a negated or retracted value is never applied, and of several affirmed values
for one field the last one wins. A bare number right after a correction ("…no wait, 20") takes
the field of the value it corrects.

Spans here are character offsets into the message the finders read, so this module only says
*which* found values count; it never re-reads the text for values itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ValueHit",
    "negated",
    "corrections",
    "corrected_numbers",
    "alternatives",
    "affirmed_values",
    "CORRECTION",
]

NEGATION_BEFORE = re.compile(
    r"(?:\bnot|\bno|\banything\s+but|\banything\s+except|\bexcept|\binstead\s+of|\brather\s+than"
    r"|\bdon'?t\s+(?:want|use|need|like)|\bdo\s+not\s+(?:want|use|need|like)|\bwithout|\bfrom"
    r"|\bthan|\bnot\s+(?:the|a|an))\s*(?:the\s+|a\s+|an\s+)?$",
    re.IGNORECASE,
)
"""Words that, right before a value, say it is not wanted ("not 10 epochs", "from resnet18 to")."""

NEGATION_AFTER = re.compile(
    r"^\s*(?:은|는|을|를|이|가|도)?\s*(?:말고|대신|아니고|아니라|빼고|싫|안\s*돼|안\s*할|제외"
    r"|보다|에서)|^\s*(?:is\s+not|isn'?t|instead\b|is\s+wrong)",
    re.IGNORECASE,
)
"""Words that, right after a value, say it is not wanted ("resnet18 말고", "adam 대신")."""

CORRECTION = re.compile(
    r"(?:[,.;!…]|\s)\s*(?:no\s+wait|wait\s+no|actually\s+no|no\s+actually|actually|scratch\s+that"
    r"|sorry|i\s+mean|make\s+(?:it|that)|change\s+(?:it|that)\s+to|oops|correction"
    r"|no(?=\s*[,.;!…]))\b[,.;!…]?"
    r"|(?:아\s*)?아니다|(?:아\s*)?아니(?:야|요)?(?=[\s,.]|$)|아\s*잠깐|잠깐만?|정정|그게\s*아니라"
    r"|다시\s*말해|아\s*맞다|(?:은|는|이|가)?\s*(?:말고|대신|아니고|아니라)(?=\s)",
    re.IGNORECASE,
)
"""A speaker taking back what came just before: "…, no wait, …", "… 아 아니다 …"."""


@dataclass(frozen=True)
class ValueHit:
    """One value found in the message: the field, the value and where it was written."""

    field: str
    value: object
    start: int
    end: int


def negated(text: str, start: int, end: int) -> bool:
    """Whether the value written at ``text[start:end]`` is negated by the words around it."""
    before = text[max(0, start - 30) : start]
    after = text[end : end + 12]
    return bool(NEGATION_BEFORE.search(before)) or bool(NEGATION_AFTER.match(after))


def corrections(text: str) -> list[tuple[int, int]]:
    """Spans of self-correction markers, in order."""
    return [found.span() for found in CORRECTION.finditer(text)]


def affirmed_values(text: str, hits: Sequence[ValueHit]) -> dict[str, object]:
    """Field → value from ``hits``: negated ones left out, the last affirmed value of each
    field kept — a correction ("10 epochs, no wait, 20 epochs") is simply the later value."""
    values: dict[str, object] = {}
    for hit in sorted(hits, key=lambda hit: hit.start):
        if not negated(text, hit.start, hit.end):
            values[hit.field] = hit.value
    return values


_BARE_AFTER_CORRECTION = re.compile(
    r"\W*(?:(?:make|change|set)\s+(?:it|that)\s+(?:to\s+)?|it\s+to\s+|it\s+|to\s+)?([-+]?(?:\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+))"
    r"\s*(?:으로|로|요|이요|개|번|회)?(?![\w.])",
    re.IGNORECASE,
)


def corrected_numbers(
    text: str, hits: Sequence[ValueHit], taken: Sequence[tuple[int, int]]
) -> list[tuple[str, str, int, int]]:
    """Bare numbers that correct the value just before them: "10 epochs, no wait, 20" gives
    ("epochs", "20", span). Only a number directly after a correction marker counts, and only
    when the marker directly follows a value (so the field it corrects is known)."""
    found: list[tuple[str, str, int, int]] = []
    ordered = sorted(hits, key=lambda hit: hit.start)
    for mark_start, mark_end in corrections(text):
        before = [hit for hit in ordered if hit.end <= mark_start + 1]
        if not before or text[before[-1].end : mark_start].strip(" ,.;!…"):
            continue
        number = _BARE_AFTER_CORRECTION.match(text, mark_end)
        if number is None or any(s <= number.start(1) < e for s, e in taken):
            continue
        found.append((before[-1].field, number.group(1), number.start(1), number.end(1)))
    return found


_ALTERNATIVE = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*(?:,\s*)?(?:or|either|또는|아니면|이나|혹은)\s*"
    r"(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w.])",
    re.IGNORECASE,
)


def alternatives(text: str, hits: Sequence[ValueHit]) -> list[tuple[str, str, str]]:
    """ "10 or 20 epochs", "에폭 10 아니면 20": (field, first, second) — two values offered
    for one field, which the turn must ask about instead of picking one."""
    found: list[tuple[str, str, str]] = []
    for match in _ALTERNATIVE.finditer(text):
        for hit in hits:
            if hit.start <= match.start(1) < hit.end or hit.start <= match.start(2) < hit.end:
                found.append((hit.field, match.group(1), match.group(2)))
                break
    return found
