"""Every configuration slot declared once: its step, how it is asked, and how it is validated.

Like a Rasa form, the dialogue follows from these declarations: the next question is the first
required slot without a value, the current step is that slot's step, the confirm summary lists
the slots in this order, and each proposed value goes through its slot's ``validate`` before it
can reach the config. Adding a slot here is all it takes for nodes, replies and tables to use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from graph.config import HYPERPARAMETER_FIELDS, TrainingConfig
from graph.replies import Text, say, task_name
from graph.slot_verdicts import SlotContext, SlotVerdict, Validator
from graph.slot_verdicts import kept_line as _kept
from graph.slot_verdicts import refuse as _refuse
from graph.starting_weights import WEIGHTS_SUFFIXES, validate_pretrained, validate_weights
from graph.state import DatasetFacts, Language, Step
from graph.steps import rules

__all__ = [
    "Requirement",
    "SlotContext",
    "SlotVerdict",
    "Slot",
    "SLOTS",
    "SLOT_BY_NAME",
    "required_slots",
    "missing_slots",
    "step_for",
    "WEIGHTS_SUFFIXES",
    "show_value",
]

Requirement = Literal["required", "when_inspected", "classes", "optional"]
"""When a slot must be filled before confirming.

``required``: always. ``when_inspected``: only when inspection found the dataset and could
determine the value (it is then filled from it). ``classes``: like ``when_inspected``, and also
for timm, whose ``train.py`` needs ``--num-classes`` even for a dataset on another machine.
"""


@dataclass(frozen=True)
class Slot:
    """One configuration field as the conversation sees it."""

    name: str
    """``TrainingConfig`` field name."""
    step: Step
    """Step that asks for it; the conversation is at this step while it is missing."""
    requirement: Requirement
    """When it must be filled before confirmation."""
    label: Text
    """Short name shown in summaries."""
    question: Text
    """How it is asked, with the short reason why."""
    validate: Validator
    """Checks a proposed value before it touches the config."""
    unset: Text | None = None
    """What an empty value means in summaries (``pretrained``: "yes (default)"); None shows
    "(not set)"."""

    @property
    def value_type(self) -> Any:
        """The field's type as ``TrainingConfig`` declares it (e.g. ``int | None``)."""
        return TrainingConfig.model_fields[self.name].annotation


def show_value(value: Any, lang: Language, slot: Slot | None = None) -> str:
    """A value as the summary and "Set …" lines show it: yes/no for flags, ``0.001`` for floats,
    the slot's ``unset`` text (else "(not set)") for an empty value."""
    if value is None:
        return slot.unset.in_(lang) if slot is not None and slot.unset else say("not_set", lang)
    if isinstance(value, bool):
        return say("yes_value" if value else "no_value", lang)
    if isinstance(value, float):
        return f"{value:g}"
    if slot is not None and slot.name == "task_type":
        return task_name(str(value), lang)  # "object detection", never the identifier
    return str(value)


def _validate_model(ctx: SlotContext, value: Any) -> SlotVerdict:
    text = str(value).strip()
    model = rules.find_model(text)
    if model is None:
        suggestions = rules.suggest_models(text)
        hint = say("did_you_mean", ctx.lang, names=", ".join(suggestions)) if suggestions else ""
        return _refuse(
            say("unknown_model", ctx.lang, name=text, hint=hint) + " " + _kept(ctx, "model_name")
        )
    if model.framework not in rules.TRAINABLE_FRAMEWORKS:
        return _refuse(
            say("untrainable_model", ctx.lang, name=model.name, framework=model.framework)
            + " "
            + _kept(ctx, "model_name")
        )
    warnings: list[str] = []
    changes: list[tuple[str, Any]] = [
        ("model_name", model.name),
        ("framework", model.framework),
        ("task_type", model.task_type),
    ]
    if not model.pretrained:
        warnings.append(say("no_pretrained", ctx.lang, name=model.name))
        changes.append(("pretrained", False))
    else:
        before = rules.model_facts_for(ctx.config)
        if ctx.config.pretrained is False and before is not None and not before.pretrained:
            changes.append(("pretrained", None))  # "no" was the old model's, not a choice
    if ctx.config.weights is not None and model.name != ctx.config.model_name:
        # A weights file is one architecture's: it cannot start a different model.
        changes.append(("weights", None))
        warnings.append(say("weights_dropped", ctx.lang, path=ctx.config.weights))
    return SlotVerdict(accepted=True, changes=tuple(changes), warnings=tuple(warnings))


def _validate_framework(ctx: SlotContext, value: Any) -> SlotVerdict:
    framework = str(value).strip().lower()
    if framework not in rules.TRAINABLE_FRAMEWORKS:
        return _refuse(say("unknown_framework", ctx.lang, value=value))
    model = rules.model_facts_for(ctx.config)
    if model is not None and model.framework != framework:
        return _refuse(
            say("framework_mismatch", ctx.lang, name=model.name, framework=model.framework)
        )
    return SlotVerdict(accepted=True, changes=(("framework", framework),))


def _validate_task(ctx: SlotContext, value: Any) -> SlotVerdict:
    model = rules.model_facts_for(ctx.config)
    if model is not None and model.task_type != value:
        task = task_name(model.task_type, ctx.lang)
        reason = say("task_mismatch", ctx.lang, name=model.name, task=task)
        fitting = rules.recommended_models(str(value))
        if fitting:
            wanted = task_name(str(value), ctx.lang)
            reason += " " + say("models_for_task", ctx.lang, task=wanted, items=", ".join(fitting))
        return _refuse(reason)
    return SlotVerdict(accepted=True, changes=(("task_type", value),))


def _validate_dataset_path(ctx: SlotContext, value: Any) -> SlotVerdict:
    path = str(value).strip()
    if not path:
        return _refuse(say("empty_path", ctx.lang))
    facts = ctx.seen.dataset(path)
    if not facts.found:
        return SlotVerdict(
            accepted=True,
            changes=(("dataset_path", path), ("dataset_format", None), ("num_classes", None)),
            warnings=(say("path_not_found", ctx.lang, path=path),),
            dataset=facts,
        )
    changes: list[tuple[str, Any]] = [("dataset_path", path)]
    changes.append(("dataset_format", facts.format))
    changes.append(("num_classes", facts.num_classes))
    notes = (facts.summary,) if facts.summary else ()
    return SlotVerdict(
        accepted=True,
        changes=tuple(changes),
        notes=notes,
        dataset=facts,
    )


def _validate_dataset_format(ctx: SlotContext, value: Any) -> SlotVerdict:
    facts = ctx.dataset
    if facts is not None and facts.found and facts.format and facts.format != value:
        return _refuse(say("format_mismatch", ctx.lang, found=facts.format, value=value))
    return SlotVerdict(accepted=True, changes=(("dataset_format", value),))


def _validate_num_classes(ctx: SlotContext, value: Any) -> SlotVerdict:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return _refuse(
            say("bad_num_classes", ctx.lang, value=value) + " " + _kept(ctx, "num_classes")
        )
    facts = ctx.dataset
    if facts is not None and facts.num_classes is not None and facts.num_classes != value:
        return _refuse(
            say("classes_mismatch", ctx.lang, found=facts.num_classes, value=value)
            + " "
            + _kept(ctx, "num_classes")
        )
    return SlotVerdict(accepted=True, changes=(("num_classes", value),))


def _hyperparameter(name: str) -> Validator:
    def validate(ctx: SlotContext, value: Any) -> SlotVerdict:
        verdict = rules.check_value(
            name, value, config=ctx.config, dataset=ctx.dataset, lang=ctx.lang
        )
        if not verdict.accepted:
            return _refuse(verdict.reason or say("refused", ctx.lang, name=name))
        return SlotVerdict(
            accepted=True, changes=((name, verdict.value),), warnings=verdict.warnings
        )

    validate.__doc__ = f"Checks ``{name}`` against the framework's declared range."
    return validate


_HYPER_TEXT: Mapping[str, tuple[Text, Text]] = MappingProxyType(
    {
        "epochs": (
            Text("epochs", "에폭"),
            Text(
                "How many epochs should it train? (how long training runs)",
                "몇 에폭 학습할까요? (학습 시간을 정합니다)",
            ),
        ),
        "batch_size": (
            Text("batch size", "배치 크기"),
            Text(
                "What batch size? (images per step; limited by GPU memory)",
                "배치 크기는 얼마로 할까요? (한 번에 보는 이미지 수, GPU 메모리에 맞게)",
            ),
        ),
        "learning_rate": (
            Text("learning rate", "학습률"),
            Text(
                "What learning rate? (how big each update is, e.g. 0.001)",
                "학습률은 얼마로 할까요? (한 번에 가중치를 바꾸는 크기, 예: 0.001)",
            ),
        ),
        "optimizer": (Text("optimizer", "옵티마이저"), Text("Which optimizer?", "옵티마이저는?")),
        "image_size": (Text("image size", "이미지 크기"), Text("Image size?", "이미지 크기는?")),
        "weight_decay": (
            Text("weight decay", "가중치 감쇠"),
            Text("Weight decay?", "가중치 감쇠는?"),
        ),
        "momentum": (Text("momentum", "모멘텀"), Text("Momentum?", "모멘텀은?")),
        "scheduler": (Text("scheduler", "스케줄러"), Text("Scheduler?", "스케줄러는?")),
        "warmup_epochs": (Text("warm-up epochs", "워밍업 에폭"), Text("Warm-up?", "워밍업은?")),
        "patience": (Text("patience", "조기 종료 인내"), Text("Patience?", "인내 에폭은?")),
        "seed": (Text("seed", "시드"), Text("Seed?", "시드는?")),
    }
)

_REQUIRED_HYPERPARAMETERS = ("epochs", "batch_size", "learning_rate")

SLOTS: tuple[Slot, ...] = (
    Slot(
        "model_name",
        "select_model",
        "required",
        Text("model", "모델"),
        Text(
            "Which model should I train? It decides the framework and the task "
            "(e.g. resnet18 for classification, yolov8n for detection).",
            "어떤 모델을 학습할까요? 모델이 프레임워크와 작업을 정합니다 "
            "(예: 분류는 resnet18, 검출은 yolov8n).",
        ),
        _validate_model,
    ),
    Slot(
        "framework",
        "select_model",
        "required",
        Text("framework", "프레임워크"),
        Text(
            "Which framework (timm or ultralytics)?",
            "프레임워크는 무엇인가요 (timm 또는 ultralytics)?",
        ),
        _validate_framework,
    ),
    Slot(
        "task_type",
        "select_model",
        "required",
        Text("task", "작업"),
        Text("Which task is it for?", "어떤 작업용인가요?"),
        _validate_task,
    ),
    Slot(
        "pretrained",
        "select_model",
        "optional",
        Text("pretrained weights", "사전학습 가중치"),
        Text(
            "Start from the model's pretrained weights? Yes by default (learns faster from "
            "little data); say 'from scratch' to start from random weights.",
            "모델의 사전학습 가중치로 시작할까요? 기본은 예입니다(적은 데이터로도 빨리 배웁니다). "
            "무작위 가중치로 시작하려면 '사전학습 없이'라고 말씀해 주세요.",
        ),
        validate_pretrained,
        unset=Text("yes (default)", "예 (기본값)"),
    ),
    Slot(
        "weights",
        "select_model",
        "optional",
        Text("weights file", "가중치 파일"),
        Text(
            "A local weights file to start from instead (e.g. 'use weights runs/best.pt').",
            "대신 시작할 로컬 가중치 파일입니다 (예: '가중치 runs/best.pt 사용').",
        ),
        validate_weights,
        unset=Text("none", "없음"),
    ),
    Slot(
        "dataset_path",
        "dataset",
        "required",
        Text("dataset path", "데이터셋 경로"),
        Text(
            "Where is the dataset? Give me its folder path so I can check its format and classes.",
            "데이터셋은 어디에 있나요? 형식과 클래스를 확인할 수 있게 폴더 경로를 알려 주세요.",
        ),
        _validate_dataset_path,
    ),
    Slot(
        "dataset_format",
        "dataset",
        "when_inspected",
        Text("dataset format", "데이터셋 형식"),
        Text(
            "What format is the dataset (imagefolder, yolo, coco or voc)?",
            "데이터셋 형식은 무엇인가요 (imagefolder, yolo, coco, voc)?",
        ),
        _validate_dataset_format,
    ),
    Slot(
        "num_classes",
        "dataset",
        "classes",
        Text("classes", "클래스 수"),
        Text("How many classes are there?", "클래스는 몇 개인가요?"),
        _validate_num_classes,
    ),
    *(
        Slot(
            name,
            "hyperparameters",
            "required" if name in _REQUIRED_HYPERPARAMETERS else "optional",
            _HYPER_TEXT[name][0],
            _HYPER_TEXT[name][1],
            _hyperparameter(name),
        )
        for name in HYPERPARAMETER_FIELDS
    ),
)
"""All slots, in the order they are asked and summarised."""

SLOT_BY_NAME: Mapping[str, Slot] = MappingProxyType({slot.name: slot for slot in SLOTS})
"""The slot declared for each ``TrainingConfig`` field."""


def required_slots(config: TrainingConfig, dataset: DatasetFacts | None) -> tuple[Slot, ...]:
    """The slots that must be filled before confirming, given the config and the inspection.

    ``dataset_format`` and ``num_classes`` are required when the dataset was found here and
    inspection determined them (they are filled from it); a path on another machine cannot be
    inspected, so they stay optional for it — except the class count for timm, which needs it.
    """
    return tuple(slot for slot in SLOTS if _needed(slot, config, dataset))


def _needed(slot: Slot, config: TrainingConfig, dataset: DatasetFacts | None) -> bool:
    if slot.requirement in ("required", "optional"):
        return slot.requirement == "required"
    if slot.requirement == "classes" and config.framework == "timm":
        return True
    if dataset is None or not dataset.found:
        return False
    inspected = dataset.format if slot.name == "dataset_format" else dataset.num_classes
    return inspected is not None


def missing_slots(config: TrainingConfig, dataset: DatasetFacts | None) -> tuple[Slot, ...]:
    """Required slots that have no value yet, in asking order."""
    return tuple(
        slot for slot in required_slots(config, dataset) if getattr(config, slot.name) is None
    )


def step_for(config: TrainingConfig, dataset: DatasetFacts | None) -> Step:
    """The step a conversation is at: the first missing slot's step, else ``confirm``.

    A chosen model and a dataset that do not fit (boxes only for a segmentation model, class
    folders for a detector, …) hold the conversation at ``dataset``: there is no point in
    asking for hyperparameters of a job that cannot train.
    """
    missing = missing_slots(config, dataset)
    if missing and missing[0].step == "select_model":
        return "select_model"
    problem = rules.dataset_problem(config, "en", dataset)
    if problem is not None and problem[1]:
        return "dataset"
    return missing[0].step if missing else "confirm"
