"""Split names and the shape every format inspector returns.

Why shared: train/validation/test synonyms ("valid", "validation", "val2017") must be read
the same way for every format, or one format would warn "no validation split" where another
would not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.datasets.report import FormatName, SplitSummary

__all__ = [
    "FormatResult",
    "TRAIN_NAMES",
    "VALIDATION_NAMES",
    "TEST_NAMES",
    "split_role",
    "split_order",
]

TRAIN_NAMES: frozenset[str] = frozenset({"train", "training", "trainval"})
"""Split folder names that hold training images."""
VALIDATION_NAMES: frozenset[str] = frozenset({"val", "valid", "validation", "eval", "evaluation"})
"""Split folder names that hold validation images (timm searches the same synonyms)."""
TEST_NAMES: frozenset[str] = frozenset({"test", "testing"})
"""Split folder names that hold test images."""


def split_role(name: str) -> str:
    """``train``, ``val``, ``test`` or ``other`` for a split name; year suffixes are ignored."""
    base = name.lower().rstrip("0123456789").rstrip("_-")
    if base in TRAIN_NAMES:
        return "train"
    if base in VALIDATION_NAMES:
        return "val"
    if base in TEST_NAMES:
        return "test"
    return "other"


def split_order(name: str) -> tuple[int, str]:
    """Sort key putting train first, then validation, test and the rest."""
    return ({"train": 0, "val": 1, "test": 2}.get(split_role(name), 3), name)


@dataclass
class FormatResult:
    """What a format inspector found, before the checks common to every format."""

    format: FormatName
    """The detected layout."""
    splits: list[SplitSummary] = field(default_factory=list)
    """One summary per split found."""
    class_names: tuple[str, ...] = ()
    """Class names in id order; empty when they could not be told."""
    declared: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Class list each split declares on its own (imagefolder folders, COCO categories)."""
    where: dict[str, str] = field(default_factory=dict)
    """Split name -> the path problems about that split point at."""
    unreadable: set[tuple[str, str]] = field(default_factory=set)
    """(split, class) whose folder could not be read: empty because unreadable, not empty."""
    label_kinds: set[str] = field(default_factory=set)
    """What the labels hold (see ``LabelKind``): a task can only train on the kinds it needs."""
