"""Finding the dataset location in a message: Windows, POSIX, ``~``, quoted, URL-like.

Users paste paths mid-sentence and, in Korean, glue particles to them ("…/imagenet-10로",
"…/coco8입니다"). The path is returned exactly as written minus surrounding quotes, sentence
punctuation and those trailing Korean words; its span is reported so that the numbers inside it
("imagenet-10") are never read as hyperparameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PathMention", "find_dataset_path", "DATASET_WORDS"]

DATASET_WORDS = re.compile(
    r"\b(?:dataset|datasets|data|path|folder|directory|dir)\b|데이터|경로|폴더|디렉터리|디렉토리",
    re.IGNORECASE,
)
"""Words that make a bare relative path like ``data/cats`` believable as a dataset location."""

_QUOTED = re.compile(r"\"([^\"]{1,1000})\"|'([^']{1,1000})'|`([^`]{1,1000})`")
_URL = r"(?:[A-Za-z][A-Za-z0-9+.\-]{1,15}://[^\s\"'<>]+)"
_WINDOWS = r"(?:[A-Za-z]:[\\/][^\s\"'<>|?*]*)"
_UNC = r"(?:\\\\[^\s\\\"'<>|?*]+\\[^\s\"'<>|?*]*)"
# Not right after "<": "</script>" closes a tag, it does not name the folder "/script".
_POSIX = r"(?:(?<!<)(?:~|\.{1,2})?/[^\s\"'<>]*|~(?![^\s/]))"
_RELATIVE = r"(?:[A-Za-z0-9_.\-\uac00-\ud7a3]+[\\/][^\s\"'<>]*)"
_YAML = r"(?:[A-Za-z0-9_.\-]+\.ya?ml)"
_ABSOLUTE_RE = re.compile(
    rf"(?<![\w:/\\.~])(?:{_URL}|{_WINDOWS}|{_UNC}|{_POSIX}|{_YAML})", re.IGNORECASE
)
_RELATIVE_RE = re.compile(rf"(?<![\w/\\.~])(?:{_RELATIVE})")

# Korean particles and copulas that follow a path, longest first so "으로" wins over "로".
# One-letter endings that are also common word endings (이, 가, 요) are left alone.
_KOREAN_TAILS = (
    "에있습니다", "에있어요", "에있어", "입니다", "이에요", "이예요", "예요", "이고요", "이고",
    "인데요", "인데", "에서", "으로", "이요", "로요", "에요", "이야", "이다", "로", "에", "을",
    "를",
)  # fmt: skip
_HANGUL_RUN_AT_END = re.compile(r"[\uac00-\ud7a3]+$")
_TRAILING_PUNCT = ".,;:!?)]}>'\"`"


@dataclass(frozen=True)
class PathMention:
    """A dataset location found in a message."""

    path: str
    """The location as the user wrote it, cleaned of quotes and trailing words."""
    start: int
    """Offset of the whole mention (including quotes and particles) in the message."""
    end: int
    """End offset of the whole mention."""


def _strip_korean_tail(path: str) -> str:
    """Remove a Korean particle or word glued to the end of a path.

    A Latin/digit folder name followed by Hangul ("imagenet-10로", "coco8입니다") loses the whole
    Hangul run: folder names that switch script mid-word are far rarer than particles. An
    all-Hangul last folder ("/data/고양이로") only loses a known particle, keeping one letter.
    """
    last = re.split(r"[\\/]", path)[-1]
    run = _HANGUL_RUN_AT_END.search(last)
    if run is None:
        return path
    if run.start() > 0:
        return path[: len(path) - len(run.group())]
    for tail in _KOREAN_TAILS:
        if last.endswith(tail) and len(last) > len(tail):
            return path[: -len(tail)]
    return path


def _tidy(raw: str) -> str:
    """Sentence punctuation, then one Korean tail, then punctuation again ("…/cats로.")."""

    def strip_punct(path: str) -> str:
        while len(path) > 1 and path[-1] in _TRAILING_PUNCT and not path.endswith(("..", "/.")):
            path = path[:-1]
        return path

    return strip_punct(_strip_korean_tail(strip_punct(raw)))


def _looks_like_path(candidate: str) -> bool:
    """Quoted text counts as a path only if it has a separator or starts like a path, and no
    angle brackets: ``'<b>x</b>'`` is pasted markup, and Windows forbids ``<>`` in names."""
    if "<" in candidate or ">" in candidate:
        return False
    return bool(re.search(r"[\\/]", candidate)) or candidate.startswith("~")


def find_dataset_path(text: str, *, relative_allowed: bool = False) -> PathMention | None:
    """The first dataset location in ``text``, or ``None``.

    Quoted paths may contain spaces; unquoted ones end at whitespace. A relative path such as
    ``data/cats`` is only taken when ``relative_allowed`` (the dataset step) or the message uses
    a dataset word, so "and/or" in a sentence is not mistaken for a folder.
    """
    for quoted in _QUOTED.finditer(text):
        inner = next(group for group in quoted.groups() if group is not None).strip()
        if inner and _looks_like_path(inner):
            return PathMention(_tidy(inner), quoted.start(), quoted.end())
    for found in _ABSOLUTE_RE.finditer(text):
        mention = _mention(found)
        if mention is not None:
            return mention
    if relative_allowed or DATASET_WORDS.search(text):
        for found in _RELATIVE_RE.finditer(text):
            if re.fullmatch(r"[\d.\-+e/\\]+", found.group(), re.IGNORECASE):
                continue  # "1/2", "3e-4/2": arithmetic, not a folder
            mention = _mention(found)
            if mention is not None:
                return mention
    return None


def _mention(found: re.Match[str]) -> PathMention | None:
    """``found`` as a mention, or ``None`` when nothing but separators and dots is left
    (a lone "/" of "<br />" or "and / or")."""
    path = _tidy(found.group())
    if path in ("/", "\\", "") or re.fullmatch(r"[./\\]+", path):
        return None
    return PathMention(path, found.start(), found.end())
