"""Where training starts from: the catalog's pretrained weights (default), none, or a file.

Why a module of its own: these two slots (``pretrained``, ``weights``) depend on each other —
choosing one clears the other — and on what each framework can load, which is knowledge the
rest of ``graph.slots`` does not need.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from graph.replies import say
from graph.slot_verdicts import SlotContext, SlotVerdict, kept_line, refuse
from graph.steps import rules

__all__ = ["WEIGHTS_SUFFIXES", "validate_pretrained", "validate_weights"]


def validate_pretrained(ctx: SlotContext, value: Any) -> SlotVerdict:
    """Yes or no to the catalog's pretrained weights; yes is refused for a model that has none,
    and either answer drops a weights file set before."""
    if not isinstance(value, bool):
        return refuse(say("refused", ctx.lang, name="pretrained"))
    model = rules.model_facts_for(ctx.config)
    if value and model is not None and not model.pretrained:
        return refuse(
            say("pretrained_unavailable", ctx.lang, name=model.name)
            + " "
            + kept_line(ctx, "pretrained")
        )
    changes: list[tuple[str, Any]] = [("pretrained", value)]
    notes: tuple[str, ...] = ()
    if ctx.config.weights is not None:  # the catalog's weights or none: not the file any more
        changes.append(("weights", None))
        notes = (say("weights_dropped", ctx.lang, path=ctx.config.weights),)
    return SlotVerdict(accepted=True, changes=tuple(changes), warnings=notes)


WEIGHTS_SUFFIXES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "timm": (".pth", ".pth.tar", ".pt", ".safetensors", ".bin", ".ckpt"),
        "ultralytics": (".pt",),
    }
)
"""Weights files each framework loads (timm: ``--pretrained-path``; ultralytics: ``model=``)."""


def validate_weights(ctx: SlotContext, value: Any) -> SlotVerdict:
    """A weights file the configured framework can load (by its suffix); one not on this
    machine is kept with a warning, like a dataset path (the job may run elsewhere)."""
    path = str(value).strip().strip("\"'`")
    if not path:
        return refuse(say("empty_path", ctx.lang) + " " + kept_line(ctx, "weights"))
    framework = ctx.config.framework
    suffixes = WEIGHTS_SUFFIXES.get(framework or "") or tuple(
        dict.fromkeys(suffix for names in WEIGHTS_SUFFIXES.values() for suffix in names)
    )
    if not path.lower().endswith(suffixes):
        reason = say(
            "weights_suffix",
            ctx.lang,
            path=path,
            framework=framework or "timm/ultralytics",
            suffixes=", ".join(suffixes),
        )
        return refuse(reason + " " + kept_line(ctx, "weights"))
    warnings: list[str] = []
    if path not in ctx.seen.weights_present:
        warnings.append(say("weights_not_found", ctx.lang, path=path))
    return SlotVerdict(
        accepted=True, changes=(("weights", path), ("pretrained", None)), warnings=tuple(warnings)
    )
