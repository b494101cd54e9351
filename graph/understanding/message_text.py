"""Cleaning a raw user message before any rule reads it, and telling its language.

Why a separate step: every rule downstream assumes printable text of bounded length. Control
characters, NUL bytes and megabyte-long pastes are turned into something harmless here once,
instead of each regular expression defending itself.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

__all__ = ["MAX_PARSED_CHARS", "clean_message", "detect_language", "has_hangul", "blank_out"]

MAX_PARSED_CHARS = 4000
"""Only this many characters of a message are read by the rules; a configuration request is
never longer, and the bound keeps every rule's running time small on hostile input."""

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_SMART_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
_DASHES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\uff0d": "-"})


def clean_message(text: str) -> str:
    """Printable, width-normalised text: control characters become spaces, quotes are plain.

    Full-width forms (``１０``, ``＝``) are folded by NFKC so "에폭 １０" reads like "에폭 10";
    line breaks become spaces because no rule spans lines on purpose.
    """
    text = text[:MAX_PARSED_CHARS]
    text = unicodedata.normalize("NFKC", text).translate(_SMART_QUOTES).translate(_DASHES)
    return "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") else ch
        for ch in text
    )


def has_hangul(text: str) -> bool:
    """Whether ``text`` contains Korean letters."""
    return _HANGUL.search(text) is not None


def detect_language(text: str) -> Literal["en", "ko"]:
    """``ko`` when the message has any Hangul (mixed messages are answered in Korean)."""
    return "ko" if has_hangul(text) else "en"


def blank_out(text: str, start: int, end: int) -> str:
    """``text`` with ``[start, end)`` replaced by spaces, so later rules cannot re-read it.

    Spaces (not deletion) keep every other offset valid and keep words on either side apart.
    """
    return text[:start] + " " * (end - start) + text[end:]
