"""Every number a message states — in digits, English words or Korean words — for evidence.

The merge policy keeps a language model's number only when the message states it; a model that
reads "스무 번" as 20 or "twenty" as 20 is right, and must not be refused as "not in your
message". This module only *finds* numbers for that check; which field a number belongs to is
the offline parser's job (``graph.understanding.value_phrases``).

Korean has two number systems: native words (하나/한, 둘/두, … 열, 스물/스무, 서른, … 아흔)
and Sino-Korean (일, 이, 삼, … 십, 백, 천, 만). Short native words double as everyday words
("네" is also "yes", "세" in "세 번" is three), so a native word below ten counts only before a
counter ("세 번", "두 개"); a Sino-Korean number counts only with a place word (이십, 삼백,
2천), because a lone "이" or "사" is a particle or a noun far more often than a number.
"""

from __future__ import annotations

import re

from graph.understanding.value_phrases import NUMBER, parse_number, spell_numbers_as_digits

__all__ = ["numbers_in", "korean_numbers"]

_NATIVE_TENS = {"열": 10, "스물": 20, "스무": 20, "서른": 30, "마흔": 40, "쉰": 50,
                "예순": 60, "일흔": 70, "여든": 80, "아흔": 90}  # fmt: skip
_NATIVE_UNITS = {"하나": 1, "한": 1, "둘": 2, "두": 2, "셋": 3, "세": 3, "석": 3, "넷": 4,
                 "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9}  # fmt: skip
_SINO_DIGITS = {"일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9}
_SINO_PLACES = {"십": 10, "백": 100, "천": 1000}

_COUNTER = r"(?:\s*(?:번|개|회|에폭|에포크|장|명|가지|배치|픽셀|클래스))"
_AFTER = r"(?=$|[^가-힣]|번|개|회|에폭|에포크|장|명|가지|으?로|쯤|정도|까지|은|는|을|를|이|가|만)"
_NATIVE = re.compile(
    rf"(?<![가-힣])(?:(?P<tens>{'|'.join(_NATIVE_TENS)})\s?(?P<unit>{'|'.join(_NATIVE_UNITS)})?{_AFTER}"
    rf"|(?P<alone>{'|'.join(_NATIVE_UNITS)})(?={_COUNTER}))"
)
_SINO = re.compile(
    r"(?<![가-힣\d])(?P<number>(?:[일이삼사오육칠팔구]?천)?(?:[일이삼사오육칠팔구]?백)?"
    r"(?:[일이삼사오육칠팔구]?십)?[일이삼사오육칠팔구]?)" + _AFTER
)
_DIGITS_WITH_PLACE = re.compile(r"(\d+(?:\.\d+)?)\s*(만|천|백)(?![가-힣]{2})")


def _sino_value(word: str) -> int | None:
    if not any(place in word for place in _SINO_PLACES):
        return None  # a lone digit syllable is a particle or a noun, not evidence
    total, digit = 0, 0
    for syllable in word:
        if syllable in _SINO_DIGITS:
            digit = _SINO_DIGITS[syllable]
        else:
            total += (digit or 1) * _SINO_PLACES[syllable]
            digit = 0
    return total + digit


def korean_numbers(text: str) -> list[float]:
    """Numbers written in Korean words in ``text`` ("스무 번" → 20, "열두" → 12, "이십" → 20,
    "2천" → 2000, "1만" → 10000)."""
    found: list[float] = []
    for match in _NATIVE.finditer(text):
        if match.group("alone"):
            found.append(_NATIVE_UNITS[match.group("alone")])
            continue
        unit = match.group("unit")
        found.append(_NATIVE_TENS[match.group("tens")] + (_NATIVE_UNITS[unit] if unit else 0))
    for match in _SINO.finditer(text):
        word = match.group("number")
        value = _sino_value(word) if word else None
        if value is not None:
            found.append(value)
    for match in _DIGITS_WITH_PLACE.finditer(text):
        places = {"만": 10_000, "천": 1000, "백": 100}
        found.append(float(match.group(1)) * places[match.group(2)])
    return found


_NUMBER_RE = re.compile(NUMBER)


def numbers_in(text: str) -> list[float]:
    """Every number stated in ``text``: digits ("3e-4", "1,000"), English words ("twenty
    four") and Korean words (see ``korean_numbers``)."""
    found: list[float] = []
    for match in _NUMBER_RE.finditer(spell_numbers_as_digits(text)):
        value = parse_number(match.group(), integer=False)
        if value is not None:
            found.append(float(value))
    found.extend(korean_numbers(text))
    return found
