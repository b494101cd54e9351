"""Hyperparameters declared once, with each framework's own defaults, names and limits.

Why one table: the conversation, the "what does batch size mean?" answers, the "use the
defaults" reply and the exported command all read the same declarations, so a flag name or a
range can never disagree between them.

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

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from graph.config import TrainingConfig

__all__ = [
    "HyperparameterSpec",
    "HyperparameterCheck",
    "HYPERPARAMETERS",
    "FRAMEWORKS",
    "OPTIMIZERS",
    "SCHEDULERS",
    "check_hyperparameter",
    "framework_defaults",
    "describe_hyperparameter",
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

_SCHEDULER_ALIASES: Mapping[str, str] = MappingProxyType(
    {"cos": "cosine", "cosine_annealing": "cosine", "lin": "linear", "multi_step": "multistep"}
)

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

_DEFAULTS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "timm": MappingProxyType({s.name: s.timm_default for s in _SPECS}),
        "ultralytics": MappingProxyType({s.name: s.ultralytics_default for s in _SPECS}),
    }
)


def framework_defaults(
    framework: str, *, pretrained_input_size: int | None = None
) -> Mapping[str, Any]:
    """Every hyperparameter's default as ``framework`` itself would use it (read-only mapping).

    timm takes the image size from the model, so pass the catalog's ``pretrained_input_size``
    (224 is used otherwise, the size of most timm checkpoints). Raises ``ValueError`` for an
    unknown framework, naming the known ones.
    """
    if framework not in _DEFAULTS:
        raise ValueError(f"unknown framework {framework!r}; expected one of {FRAMEWORKS}")
    values = dict(_DEFAULTS[framework])
    if framework == "timm" and pretrained_input_size is not None:
        values["image_size"] = pretrained_input_size
    return MappingProxyType(values)


def describe_hyperparameter(name: str, lang: str = "en") -> str:
    """A one-line answer to "what does <name> mean?", with each framework's default.

    Raises ``KeyError`` naming the known hyperparameters when ``name`` is not one of them.
    """
    spec = HYPERPARAMETERS.get(name)
    if spec is None:
        raise KeyError(f"unknown hyperparameter {name!r}; known: {', '.join(HYPERPARAMETERS)}")
    text = spec.description_ko if lang == "ko" else spec.description_en
    defaults = ", ".join(f"{fw} {_DEFAULTS[fw][name]}" for fw in FRAMEWORKS)
    label = "기본값" if lang == "ko" else "Defaults"
    return f"{text} ({label}: {defaults})"


_MESSAGES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "nothing_changed": "Nothing was changed.",
                "kept": "Keeping the previous value ({previous}).",
                "whole_number": "a whole number",
                "number": "a number",
                "out_of_range": "{name} must be {kind} {range}; got {value!r}.",
                "multiple_of_32": "ultralytics needs an image size that is a multiple of 32; "
                "got {value!r} (try {down} or {up}).",
                "not_a_name": "{name} must be a name; got {value!r}.",
                "unknown_name": "{value!r} is not one of the {name} names {framework} knows "
                "(known: {allowed}).",
                "did_you_mean": " Did you mean {names}?",
                "adam_high_lr": "A learning rate of {lr:g} is high for {optimizer}; "
                "Adam-style optimizers usually use about 1e-3 or less.",
                "auto_ignores_lr": "With ultralytics optimizer=auto the learning rate (lr0) and "
                "momentum are ignored and chosen automatically; set an optimizer such as SGD or "
                "AdamW to use your values.",
                "batch_over_dataset": "The batch size {batch} is larger than the training set "
                "({images} images), so every batch is the whole set.",
                "size_differs": "Image size {size} differs from the model's pretrained input size "
                "{pretrained}; it works, but accuracy from pretraining may drop.",
                "warmup_over_epochs": "Warm-up ({warmup} epochs) is not shorter than training "
                "({epochs} epochs), so the learning rate never reaches its set value.",
            }
        ),
        "ko": MappingProxyType(
            {
                "nothing_changed": "아무것도 바꾸지 않았습니다.",
                "kept": "이전 값({previous})을 유지합니다.",
                "whole_number": "정수",
                "number": "숫자",
                "out_of_range": "{name} 값은 {range}의 {kind}여야 합니다. 입력값: {value!r}.",
                "multiple_of_32": "ultralytics의 이미지 크기는 32의 배수여야 합니다. "
                "입력값: {value!r} ({down} 또는 {up}을(를) 써 보세요).",
                "not_a_name": "{name} 값은 이름이어야 합니다. 입력값: {value!r}.",
                "unknown_name": "{value!r}은(는) {framework}에서 쓰는 {name} 이름이 아닙니다 "
                "(가능한 값: {allowed}).",
                "did_you_mean": " 혹시 {names}을(를) 말씀하신 건가요?",
                "adam_high_lr": "학습률 {lr:g}은(는) {optimizer}에 높은 편입니다. "
                "Adam 계열은 보통 1e-3 이하를 씁니다.",
                "auto_ignores_lr": "ultralytics의 optimizer=auto는 학습률(lr0)과 모멘텀을 무시하고 "
                "자동으로 정합니다. 값을 쓰려면 SGD나 AdamW 같은 옵티마이저를 지정하세요.",
                "batch_over_dataset": "배치 크기 {batch}이(가) 학습 이미지 수({images}장)보다 커서 "
                "매 배치가 전체 데이터가 됩니다.",
                "size_differs": "이미지 크기 {size}이(가) 모델의 사전학습 입력 크기 {pretrained}와 "
                "다릅니다. 동작은 하지만 사전학습 효과가 줄 수 있습니다.",
                "warmup_over_epochs": "워밍업({warmup} 에폭)이 전체 학습({epochs} 에폭)보다 짧지 "
                "않아 학습률이 설정값에 도달하지 못합니다.",
            }
        ),
    }
)


def message(key: str, lang: str = "en", **values: Any) -> str:
    """The ``key`` message in ``lang`` (English when the language is not known)."""
    table = _MESSAGES.get(lang, _MESSAGES["en"])
    return table[key].format(**values)


@dataclass(frozen=True)
class HyperparameterCheck:
    """The verdict on one proposed value: accepted (maybe with warnings) or refused with why."""

    accepted: bool
    """True when the value may be applied to the config."""
    value: Any | None
    """The normalised value to store (``"adamw"``, ``32`` from ``"32"``); None when refused."""
    reason: str | None
    """Why it was refused: what was wrong, the allowed range, and that the old value is kept."""
    warnings: tuple[str, ...] = ()
    """Accepted-but-unusual notes to show the user."""


def _refuse(
    reason: str, name: str, config: TrainingConfig | None, lang: str
) -> HyperparameterCheck:
    previous = getattr(config, name, None) if config is not None else None
    if previous is None:
        tail = message("nothing_changed", lang)
    else:
        tail = message("kept", lang, previous=previous)
    return HyperparameterCheck(False, None, f"{reason} {tail}", ())


def _to_number(value: Any, kind: type) -> int | float | None:
    """Parse ``value`` into ``kind`` or return None; bools and non-integral ints are refused."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "")
        try:
            value = float(text)
        except ValueError:
            return None
    if not isinstance(value, int | float) or value != value:  # NaN never equals itself
        return None
    if kind is int:
        return int(value) if float(value).is_integer() else None
    return float(value)


def _match_name(value: str, allowed: tuple[str, ...]) -> str | None:
    lowered = {name.lower(): name for name in allowed}
    return lowered.get(value.strip().lower())


def _suggest(value: str, allowed: tuple[str, ...]) -> list[str]:
    """Close names, compared case-insensitively, shown in the framework's own spelling."""
    canonical = {name.lower(): name for name in allowed}
    close = difflib.get_close_matches(value.strip().lower(), list(canonical), n=3, cutoff=0.6)
    return [canonical[name] for name in close]


def _check_name(
    spec: HyperparameterSpec,
    value: Any,
    framework: str | None,
    config: TrainingConfig | None,
    lang: str,
    table: Mapping[str, tuple[str, ...]],
) -> HyperparameterCheck | str:
    """Resolve an optimizer/scheduler name to its canonical spelling, or return the refusal."""
    if not isinstance(value, str) or not value.strip():
        return _refuse(
            message("not_a_name", lang, name=spec.name, value=value), spec.name, config, lang
        )
    text = value.strip()
    if spec.name == "scheduler":
        text = _SCHEDULER_ALIASES.get(text.lower(), text)
    frameworks: tuple[str, ...] = (
        (framework,) if framework is not None and framework in table else FRAMEWORKS
    )
    prefix = ""
    if spec.name == "optimizer" and text.lower().startswith("lookahead_") and "timm" in frameworks:
        prefix, text = "lookahead_", text[len("lookahead_") :]
        frameworks = ("timm",)
    for fw in frameworks:
        found = _match_name(text, table[fw])
        if found is not None:
            return prefix + found
    allowed = tuple(name for fw in frameworks for name in table[fw])
    close = _suggest(text, allowed)
    hint = message("did_you_mean", lang, names=", ".join(close)) if close else ""
    where = framework if framework in table else "timm/ultralytics"
    shown = ", ".join(allowed[:12]) + (", …" if len(allowed) > 12 else "")
    reason = message(
        "unknown_name", lang, name=spec.name, value=value, framework=where, allowed=shown
    )
    return _refuse(f"{reason}{hint}", spec.name, config, lang)


def _warnings(
    name: str,
    value: Any,
    framework: str | None,
    config: TrainingConfig | None,
    dataset_images: int | None,
    pretrained_input_size: int | None,
    lang: str,
) -> tuple[str, ...]:
    """Notes for accepted-but-unusual values, including clashes with what is already set."""
    notes: list[str] = []
    optimizer = value if name == "optimizer" else getattr(config, "optimizer", None)
    lr = value if name == "learning_rate" else getattr(config, "learning_rate", None)
    adaptive = bool(optimizer) and is_adaptive_optimizer(str(optimizer))
    if name in ("learning_rate", "optimizer") and adaptive and lr is not None and lr > 1e-2:
        notes.append(message("adam_high_lr", lang, lr=lr, optimizer=optimizer))
    if framework == "ultralytics" and name in ("learning_rate", "momentum", "optimizer"):
        auto = optimizer is None or str(optimizer).lower() == "auto"
        if auto and (name != "optimizer" or lr is not None or config is None):
            notes.append(message("auto_ignores_lr", lang))
    if name == "batch_size" and dataset_images is not None and value > dataset_images:
        notes.append(message("batch_over_dataset", lang, batch=value, images=dataset_images))
    if (
        name == "image_size"
        and pretrained_input_size is not None
        and value != pretrained_input_size
    ):
        notes.append(message("size_differs", lang, size=value, pretrained=pretrained_input_size))
    epochs = config.epochs if config is not None else None
    if name == "warmup_epochs" and epochs is not None and value >= epochs:
        notes.append(message("warmup_over_epochs", lang, warmup=value, epochs=epochs))
    return tuple(notes)


def check_hyperparameter(
    name: str,
    value: Any,
    *,
    framework: str | None,
    config: TrainingConfig | None = None,
    dataset_images: int | None = None,
    pretrained_input_size: int | None = None,
    lang: str = "en",
) -> HyperparameterCheck:
    """Decide whether ``value`` may become ``name``, normalising it, before it touches a config.

    ``framework=None`` applies the generic ranges only (names from either framework are
    accepted). ``config`` supplies the value kept on refusal and the other fields that cross
    checks need (optimizer vs learning rate, epochs vs warm-up). ``lang`` is ``"en"`` or ``"ko"``
    for the reason and warnings. Raises ``KeyError`` for a name that is not a hyperparameter.
    """
    spec = HYPERPARAMETERS.get(name)
    if spec is None:
        raise KeyError(f"unknown hyperparameter {name!r}; known: {', '.join(HYPERPARAMETERS)}")
    normalised: Any
    if spec.type is str:
        table = OPTIMIZERS if name == "optimizer" else SCHEDULERS
        resolved = _check_name(spec, value, framework, config, lang, table)
        if isinstance(resolved, HyperparameterCheck):
            return resolved
        normalised = resolved
    else:
        number = _to_number(value, spec.type)
        kind_key = "whole_number" if spec.type is int else "number"
        if name == "warmup_epochs" and framework == "timm":
            number = _to_number(value, int)  # timm's --warmup-epochs is type=int
            kind_key = "whole_number"
        low, high = spec.minimum or 0, spec.maximum or 0
        too_low = number is not None and (number <= low if spec.exclusive_minimum else number < low)
        if number is None or too_low or number > high:
            reason = message(
                "out_of_range", lang, name=name, kind=message(kind_key, lang),
                range=spec.range_text(lang), value=value,
            )  # fmt: skip
            return _refuse(reason, name, config, lang)
        if name == "image_size" and framework == "ultralytics" and number % 32:
            up = (int(number) // 32 + 1) * 32
            reason = message("multiple_of_32", lang, value=value, down=up - 32, up=up)
            return _refuse(reason, name, config, lang)
        normalised = number
    notes = _warnings(
        name, normalised, framework, config, dataset_images, pretrained_input_size, lang
    )
    return HyperparameterCheck(True, normalised, None, notes)
