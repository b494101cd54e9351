"""Spotting model names in a message ("ResNet 18", "EfficientNet B0", "yolo11n-seg", "resnat18").

The model catalog (``graph.catalog``) is the source of truth: its ``find_all_in_text`` knows
every spelling, typo and bare family ("resnet" → "did you mean resnet18, resnet34, resnet50?").
It is imported lazily; if it cannot be loaded, the well-known family spellings below are folded
to catalog style ("ResNet 18" → ``resnet18``) so the parser still works, and the graph
validates names anyway.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from graph.understanding.value_scopes import negated

__all__ = ["ModelMention", "find_model_mentions", "pick_chosen_model"]


class _Entry(Protocol):
    name: str


class _Match(Protocol):
    entry: _Entry | None
    text: str
    suggestions: Sequence[str]


class _Catalog(Protocol):
    def find_all_in_text(self, text: str) -> Sequence[_Match]: ...


@functools.cache
def _catalog() -> _Catalog | None:
    """The model catalog, or ``None`` while it is not installed (the rules still work)."""
    try:
        from graph.catalog import load_catalog
    except ImportError:
        return None
    try:
        catalog: _Catalog = load_catalog()  # type: ignore[assignment]  # structural subset
    except Exception:  # a broken catalog must not stop the parser; the graph reports it
        return None
    return catalog


@dataclass(frozen=True)
class ModelMention:
    """One model name found in a message."""

    written: str
    """The span as the user wrote it."""
    name: str | None
    """Canonical catalog name, or the folded spelling when there is no catalog; ``None`` when
    the catalog does not know it."""
    suggestions: tuple[str, ...]
    """Close catalog names for an unknown name."""
    start: int
    """Offset of the span in the message."""
    end: int
    """End offset of the span."""


_SEP = r"[\s\-_]?"
_L = r"(?<![A-Za-z0-9])"  # not inside a longer word; Hangul particles may follow or precede
_R = r"(?![A-Za-z0-9])"
_FAMILIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"{_L}res{_SEP}net{_SEP}(\d{{2,3}})(d)?{_R}", re.I), "resnet{0}{1}"),
    (
        re.compile(rf"{_L}efficient{_SEP}net{_SEP}(b[0-8]|v2{_SEP}[sml]|lite[0-4]){_R}", re.I),
        "efficientnet_{0}",
    ),
    (
        re.compile(
            rf"{_L}mobile{_SEP}net{_SEP}v?([1-4])(?:{_SEP}(small|large))?(?:{_SEP}(\d{{3}}))?{_R}",
            re.I,
        ),
        "mobilenetv{0}_{1}_{2}",
    ),
    (
        re.compile(
            rf"{_L}conv{_SEP}next{_SEP}(atto|femto|pico|nano|tiny|small|base|large){_R}", re.I
        ),
        "convnext_{0}",
    ),
    (
        re.compile(
            rf"{_L}yolo{_SEP}(v?\d{{1,2}}){_SEP}([nsmlx])?{_R}(?:{_SEP}(seg|pose|obb|cls))?{_R}",
            re.I,
        ),
        "yolo{0}{1}-{2}",
    ),
)


def _fold(template: str, groups: tuple[str | None, ...]) -> str:
    """Fill a family template and drop the separators of absent parts."""
    parts = [
        (group or "").lower().replace(" ", "").replace("-", "").replace("_", "") for group in groups
    ]
    folded = template.format(*parts)
    folded = re.sub(r"_+", "_", folded).strip("_-")
    return folded.replace("_-", "-").replace("_.", ".")


def _closest_only(written: str, suggestions: Sequence[str]) -> tuple[str, ...]:
    """For a typo, the suggestions as close as the best one ("resnat18" → just resnet18);
    a bare family keeps all its sizes (they are equally close)."""
    if not suggestions:
        return ()
    key = re.sub(r"[\s\-_.]", "", written.lower())
    scored = [
        (difflib.SequenceMatcher(None, key, re.sub(r"[\-_.]", "", name.lower())).ratio(), name)
        for name in suggestions
    ]
    best = max(score for score, _ in scored)
    return tuple(name for score, name in scored if score >= best - 0.03)[:3]


def _overlaps(start: int, end: int, taken: Sequence[tuple[int, int]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in taken)


def _from_catalog(text: str, catalog: _Catalog) -> list[ModelMention]:
    mentions: list[ModelMention] = []
    cursor = 0
    lowered = text.lower()
    for match in catalog.find_all_in_text(text):
        start = lowered.find(match.text.lower(), cursor)
        if start < 0:
            continue
        end = start + len(match.text)
        cursor = end
        name = match.entry.name if match.entry is not None else None
        suggestions = () if name else _closest_only(match.text, tuple(match.suggestions))
        mentions.append(ModelMention(match.text, name, suggestions, start, end))
    return mentions


def _from_families(text: str) -> list[ModelMention]:
    mentions: list[ModelMention] = []
    taken: list[tuple[int, int]] = []
    for pattern, template in _FAMILIES:
        for found in pattern.finditer(text):
            if not _overlaps(found.start(), found.end(), taken):
                folded = _fold(template, found.groups())
                mentions.append(ModelMention(found.group(), folded, (), *found.span()))
                taken.append(found.span())
    return mentions


def find_model_mentions(text: str) -> tuple[ModelMention, ...]:
    """Every model name in ``text``, known or unknown, in order of appearance."""
    catalog = _catalog()
    try:
        mentions = _from_catalog(text, catalog) if catalog is not None else _from_families(text)
    except Exception:  # a catalog bug must not stop the turn; the family spellings still work
        mentions = _from_families(text)
    return tuple(sorted(mentions, key=lambda mention: mention.start))


def pick_chosen_model(text: str, mentions: Sequence[ModelMention]) -> ModelMention | None:
    """The mention the user chose: the last one not negated. "from resnet18 to efficientnet_b0",
    "resnet18 말고 efficientnet_b0", "I don't want yolov8n, give me yolo11n" and "resnet18, no
    wait, efficientnet_b0" all choose the second. When every mention is negated ("anything but
    resnet18") none is chosen: a negated model is never applied."""
    if not mentions:
        return None
    chosen = [m for m in mentions if not negated(text, m.start, m.end)]
    return chosen[-1] if chosen else None
