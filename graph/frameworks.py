"""The frameworks a job can be built for, and each one's own optimizer and schedule names.

Why a module of its own, with no imports from the project: the slot declarations
(``graph.slot_specs``), the catalog and the hyperparameter checks all need this one list of
frameworks, so it sits below all of them and exists once.

Sources (read from the real packages, not remembered): timm 1.0.31 wheel
(``timm/optim/_optim_factory.py`` optimizer registry, ``timm/scheduler/scheduler_factory.py``
scheduler names); ultralytics 8.4.190 wheel (``engine/trainer.py`` ``build_optimizer``;
``cfg/default.yaml`` ``cos_lr``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal, get_args

__all__ = [
    "Framework",
    "FRAMEWORKS",
    "TIMM_OPTIMIZERS",
    "ULTRALYTICS_OPTIMIZERS",
    "OPTIMIZERS",
    "SCHEDULERS",
    "SCHEDULER_ALIASES",
    "is_adaptive_optimizer",
]

Framework = Literal["timm", "ultralytics"]
"""A training library a job can be built for (``TrainingConfig.framework``)."""

FRAMEWORKS: tuple[Framework, ...] = get_args(Framework)
"""Every framework, in preference order; the one list the whole project reads."""

TIMM_OPTIMIZERS: tuple[str, ...] = (
    "sgd", "momentum", "sgdp", "sgdw", "adam", "adamw", "adamwlegacy", "adamp", "nadam",
    "nadamlegacy", "nadamw", "radam", "radamlegacy", "radamw", "adamax", "adafactor",
    "adafactorbv", "adopt", "adoptw", "lamb", "lambc", "lambw", "lambcw", "lars", "larc",
    "nlars", "nlarc", "adamc", "nadamc", "sgdc", "adoptc", "lambcd", "kronc", "lionc",
    "lapropc", "rmsproptfc", "novogradc", "adafactorbvc", "cadamc", "cadoptc", "cnadamc",
    "csgdc", "clionc", "cadafactorbvc", "cadafactor", "cadafactorbv", "cadamw", "cadopt",
    "cadan", "cadanw", "cadoptw", "clamb", "clambw", "claprop", "clion", "cmars", "cnadamw",
    "crmsproptf", "csgdw", "cadamp", "csgdp", "adabelief", "radabelief", "adadelta", "adagrad",
    "adan", "adanw", "adahessian", "kron", "kronw", "laprop", "lion", "madgrad", "madgradw",
    "mars", "muon", "nmuon", "adamuon", "nadamuon", "novograd", "novogradw", "rmsprop",
    "rmsproptf", "rmsproptfw", "fusedsgd", "fusedadam", "fusedadamw", "fusedlamb",
    "fusednovograd", "bnbsgd", "bnbsgd8bit", "bnbadam", "bnbadam8bit", "bnbadamw",
    "bnbadamw8bit",
)  # fmt: skip
"""Every name registered in timm 1.0.31's optimizer factory (``--opt``; lower case)."""

ULTRALYTICS_OPTIMIZERS: tuple[str, ...] = (
    "SGD", "MuSGD", "Adam", "Adamax", "AdamW", "NAdam", "RAdam", "RMSprop", "auto",
)  # fmt: skip
"""``build_optimizer``'s accepted names in ultralytics 8.4.190 (matched case-insensitively)."""

OPTIMIZERS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"timm": TIMM_OPTIMIZERS, "ultralytics": ULTRALYTICS_OPTIMIZERS}
)
"""Each framework's own optimizer names, in its canonical spelling."""

SCHEDULERS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "timm": (
            "cosine",
            "tanh",
            "step",
            "multistep",
            "plateau",
            "poly",
            "wsd",
            "rsqrt",
            "constant",
            "none",
        ),  # fmt: skip
        "ultralytics": ("linear", "cosine"),
    }
)
"""Learning-rate schedules: timm's ``--sched`` names; ultralytics' ``cos_lr`` False/True."""

SCHEDULER_ALIASES: Mapping[str, str] = MappingProxyType(
    {"cos": "cosine", "cosine_annealing": "cosine", "lin": "linear", "multi_step": "multistep"}
)
"""Common spellings of a schedule mapped to the framework name (``cos`` -> ``cosine``)."""

_ADAPTIVE_MARKERS = ("ada", "lamb", "lion", "adopt", "laprop")


def is_adaptive_optimizer(name: str) -> bool:
    """Whether ``name`` is Adam-like, i.e. wants a learning rate around 1e-3, not 1e-2.

    Uses the same test timm applies when it picks sqrt learning-rate scaling
    ("ada" or "lamb" in the name), widened to Lion/Adopt/LaProp.
    """
    lowered = name.lower()
    return any(marker in lowered for marker in _ADAPTIVE_MARKERS)
