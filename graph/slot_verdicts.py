"""What a slot validator sees and answers: the context in, a verdict out.

Why a module of its own: the validators of ``graph.slots`` and those of the model's starting
weights (``graph.starting_weights``) share these types and the two sentences every refusal ends
with, without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph.config import TrainingConfig
from graph.replies import say
from graph.state import DatasetFacts, Language

__all__ = ["FilesSeen", "SlotContext", "SlotVerdict", "Validator", "refuse", "kept_line"]


@dataclass(frozen=True)
class FilesSeen:
    """What ``inspect_files`` found on disk this turn for the paths the message names.

    Why handed in: a validator is a pure function; the folder and the weights file were looked
    at by the graph's one I/O node for files before the turn's act ran.
    """

    datasets: tuple[DatasetFacts, ...] = ()
    """The inspection of each dataset folder the message names."""
    weights_present: tuple[str, ...] = ()
    """The weights files the message names that exist on this machine."""

    def dataset(self, path: str) -> DatasetFacts:
        """The inspection of ``path``; a developer error when the turn skipped the I/O node."""
        for facts in self.datasets:
            if facts.path == path:
                return facts
        raise LookupError(
            f"dataset path {path!r} reached validation without an inspection: the turn must "
            "pass through inspect_files (graph.turn_plan names the paths to inspect)"
        )


@dataclass(frozen=True)
class SlotContext:
    """What a validator may look at: the config so far, the dataset findings, the language,
    and what this turn saw on disk."""

    config: TrainingConfig
    dataset: DatasetFacts | None
    lang: Language
    seen: FilesSeen = FilesSeen()


@dataclass(frozen=True)
class SlotVerdict:
    """A validator's answer: the field changes to apply, or the reason for refusing."""

    accepted: bool
    """False means nothing from this value reaches the config."""
    changes: tuple[tuple[str, Any], ...] = ()
    """Fields to set (a model also sets its framework and task)."""
    reason: str | None = None
    """Why it was refused, what is kept, what to do next."""
    warnings: tuple[str, ...] = ()
    """Accepted, but worth saying."""
    notes: tuple[str, ...] = ()
    """Information to show (e.g. the dataset summary)."""
    dataset: DatasetFacts | None = None
    """New inspection findings (dataset path only)."""


Validator = Callable[[SlotContext, Any], SlotVerdict]
"""Checks one proposed value of a slot."""


def refuse(reason: str) -> SlotVerdict:
    """A refusal saying ``reason`` (which should say what is kept)."""
    return SlotVerdict(accepted=False, reason=reason)


def kept_line(ctx: SlotContext, name: str) -> str:
    """ "Keeping <previous value>." or "Nothing was changed." for a refused value of ``name``."""
    previous = getattr(ctx.config, name)
    if previous is None:
        return say("nothing_changed", ctx.lang)
    if isinstance(previous, bool):
        previous = say("yes_value" if previous else "no_value", ctx.lang)
    return say("kept_value", ctx.lang, value=previous)
