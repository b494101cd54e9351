"""The per-framework declarations: every hyperparameter once, with each framework's spelling.

Why a module of its own: these tables are data read from the real packages (see the sources
below), and every other part — the checks, the "what does it mean?" answers, the exported
command — derives from them. Keeping them apart from the logic means a new framework or a
changed default is an edit here and nowhere else.

Sources (read from the real packages, not remembered):

* timm 1.0.31 wheel (``timm/optim/_optim_factory.py`` optimizer registry,
  ``timm/scheduler/scheduler_factory.py`` scheduler names) and timm's ``train.py`` argparse
  defaults at pytorch-image-models commit aa4b5850 (the wheel does not ship ``train.py``):
  ``--epochs 300``, ``-b 128``, ``--lr None`` → ``lr_base 0.1 × batch / 256`` (= 0.05 at
  batch 128 with SGD), ``--opt sgd``, ``--weight-decay 2e-5``, ``--momentum 0.9``,
  ``--sched cosine``, ``--warmup-epochs 5`` (an int), ``--patience-epochs 10`` (patience of the
  *plateau* scheduler; timm has no early stopping), ``--seed 42``, ``--img-size None`` (the
  model's pretrained input size).
* ultralytics 8.4.190 wheel (``ultralytics/cfg/default.yaml``, ``engine/trainer.py``
  ``build_optimizer``): ``epochs 100``, ``batch 16``, ``imgsz 640``, ``optimizer auto``,
  ``lr0 0.01``, ``momentum 0.937``, ``weight_decay 0.0005``, ``warmup_epochs 3.0``,
  ``patience 100``, ``seed 0``, ``cos_lr False`` (linear schedule).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = [
    "FRAMEWORKS",
    "TIMM_OPTIMIZERS",
    "ULTRALYTICS_OPTIMIZERS",
    "OPTIMIZERS",
    "SCHEDULERS",
    "SCHEDULER_ALIASES",
    "HyperparameterSpec",
    "HYPERPARAMETERS",
    "DEFAULTS",
    "is_adaptive_optimizer",
]

FRAMEWORKS: tuple[str, ...] = ("timm", "ultralytics")
"""Frameworks whose rules are declared here (``TrainingConfig.framework`` values)."""

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


@dataclass(frozen=True)
class HyperparameterSpec:
    """One hyperparameter: its type, limits, descriptions and each framework's spelling."""

    name: str
    """Field name on ``TrainingConfig``."""
    type: type
    """``int``, ``float`` or ``str``; values are normalised to it."""
    description_en: str
    """One line that answers "what does this mean?" in English."""
    description_ko: str
    """The same line in Korean."""
    minimum: float | None = None
    """Smallest accepted value (numbers only)."""
    maximum: float | None = None
    """Largest accepted value (numbers only)."""
    exclusive_minimum: bool = False
    """True when ``minimum`` itself is refused (a learning rate of 0)."""
    timm_flag: str | None = None
    """timm ``train.py`` option that carries it."""
    ultralytics_key: str | None = None
    """ultralytics ``cfg/default.yaml`` key that carries it."""
    timm_default: Any = None
    """What timm's ``train.py`` uses when the flag is not given."""
    ultralytics_default: Any = None
    """What ultralytics' ``cfg/default.yaml`` says."""

    def range_text(self, lang: str = "en") -> str:
        """The accepted range in words, e.g. ``between 1 and 10000`` / ``1 이상 10000 이하``."""
        if self.minimum is None or self.maximum is None:
            return ""
        low, high = _fmt(self.minimum), _fmt(self.maximum)
        if lang == "ko":
            return f"{low} {'초과' if self.exclusive_minimum else '이상'} {high} 이하"
        if self.exclusive_minimum:
            return f"greater than {low} and at most {high}"
        return f"between {low} and {high}"


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


_TIMM_BATCH = 128
_TIMM_LR = 0.1 * _TIMM_BATCH / 256  # timm: --lr-base 0.1 scaled linearly by batch / 256 (SGD)

_SPECS: tuple[HyperparameterSpec, ...] = (
    HyperparameterSpec(
        "epochs", int,
        "How many full passes over the training images the model makes.",
        "학습 데이터 전체를 몇 번 반복해서 학습할지(에폭 수)입니다.",
        1, 10_000, timm_flag="--epochs", ultralytics_key="epochs",
        timm_default=300, ultralytics_default=100,
    ),
    HyperparameterSpec(
        "batch_size", int,
        "How many images the model sees before each weight update; larger needs more GPU memory.",
        "가중치를 한 번 갱신할 때 함께 보는 이미지 수입니다. 클수록 GPU 메모리를 더 씁니다.",
        1, 8192, timm_flag="--batch-size", ultralytics_key="batch",
        timm_default=_TIMM_BATCH, ultralytics_default=16,
    ),
    HyperparameterSpec(
        "learning_rate", float,
        "How big each weight update step is; too high diverges, too low learns slowly.",
        "가중치를 한 번에 얼마나 크게 바꿀지(학습률)입니다. 너무 크면 발산하고 너무 작으면 느립니다.",
        0, 1, exclusive_minimum=True, timm_flag="--lr", ultralytics_key="lr0",
        timm_default=_TIMM_LR, ultralytics_default=0.01,
    ),
    HyperparameterSpec(
        "optimizer", str,
        "The algorithm that turns gradients into weight updates (e.g. SGD, AdamW).",
        "기울기로 가중치를 갱신하는 알고리즘(예: SGD, AdamW)입니다.",
        timm_flag="--opt", ultralytics_key="optimizer",
        timm_default="sgd", ultralytics_default="auto",
    ),
    HyperparameterSpec(
        "image_size", int,
        "The square size in pixels images are resized to for training.",
        "학습할 때 이미지를 맞추는 정사각형 크기(픽셀)입니다.",
        32, 4096, timm_flag="--img-size", ultralytics_key="imgsz",
        timm_default=224, ultralytics_default=640,
    ),
    HyperparameterSpec(
        "weight_decay", float,
        "A penalty on large weights that reduces overfitting.",
        "큰 가중치에 벌점을 주어 과적합을 줄이는 값입니다.",
        0, 1, timm_flag="--weight-decay", ultralytics_key="weight_decay",
        timm_default=2e-05, ultralytics_default=0.0005,
    ),
    HyperparameterSpec(
        "momentum", float,
        "How much of the previous update carries into the next (Adam's beta1 in ultralytics).",
        "이전 갱신 방향을 다음 갱신에 얼마나 이어갈지입니다(ultralytics에서는 Adam의 beta1).",
        0, 0.999, timm_flag="--momentum", ultralytics_key="momentum",
        timm_default=0.9, ultralytics_default=0.937,
    ),
    HyperparameterSpec(
        "scheduler", str,
        "How the learning rate changes over training (e.g. cosine decay).",
        "학습 중 학습률을 어떻게 바꿀지(예: 코사인 감소)입니다.",
        timm_flag="--sched", ultralytics_key="cos_lr",
        timm_default="cosine", ultralytics_default="linear",
    ),
    HyperparameterSpec(
        "warmup_epochs", float,
        "Epochs at the start during which the learning rate ramps up gently.",
        "처음에 학습률을 천천히 올리는 에폭 수(워밍업)입니다.",
        0, 1000, timm_flag="--warmup-epochs", ultralytics_key="warmup_epochs",
        timm_default=5, ultralytics_default=3.0,
    ),
    HyperparameterSpec(
        "patience", int,
        "Epochs without improvement before stopping early (timm: before the plateau "
        "scheduler lowers the learning rate).",
        "성능이 나아지지 않을 때 조기 종료까지 기다리는 에폭 수입니다(timm에서는 plateau "
        "스케줄러가 학습률을 낮추기까지).",
        0, 10_000, timm_flag="--patience-epochs", ultralytics_key="patience",
        timm_default=10, ultralytics_default=100,
    ),
    HyperparameterSpec(
        "seed", int,
        "The random seed; the same seed makes runs repeatable.",
        "난수 시드입니다. 같은 시드면 같은 결과를 재현할 수 있습니다.",
        0, 2**32 - 1, timm_flag="--seed", ultralytics_key="seed",
        timm_default=42, ultralytics_default=0,
    ),
)  # fmt: skip

HYPERPARAMETERS: Mapping[str, HyperparameterSpec] = MappingProxyType({s.name: s for s in _SPECS})
"""Every hyperparameter, keyed by its ``TrainingConfig`` field name, in declaration order."""
DEFAULTS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "timm": MappingProxyType({s.name: s.timm_default for s in _SPECS}),
        "ultralytics": MappingProxyType({s.name: s.ultralytics_default for s in _SPECS}),
    }
)
"""Framework -> hyperparameter -> that framework's own default, as declared above."""
