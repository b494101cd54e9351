"""The slots as the conversation uses them: each declaration with the check its values pass.

Like a Rasa form, the dialogue follows from the declarations (``graph.slot_specs``): the next
question is the first required slot without a value, the current step is that slot's step, the
confirm summary lists the slots in this order, and each proposed value goes through its slot's
``validate`` before it can reach the config. What is data (texts, type, range, requirement)
is declared there; what is behaviour (the catalog lookup for a model name, inspecting a dataset
folder) is here, keyed by slot name. A slot with no validator of its own gets the range and
name checks of ``graph.hyperparameters`` (a hyperparameter) or its type check (anything else).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from graph.config import TrainingConfig
from graph.replies import Text, say, task_name
from graph.slot_index import SPEC_BY_NAME, is_required
from graph.slot_specs import SLOT_SPECS, Requirement, SlotSpec
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


def _accept(name: str) -> Validator:
    def validate(ctx: SlotContext, value: Any) -> SlotVerdict:
        return SlotVerdict(accepted=True, changes=((name, value),))

    validate.__doc__ = f"Takes ``{name}`` as given; ``TrainingConfig`` checks its type."
    return validate


_VALIDATORS: Mapping[str, Validator] = MappingProxyType(
    {
        "model_name": _validate_model,
        "framework": _validate_framework,
        "task_type": _validate_task,
        "pretrained": validate_pretrained,
        "weights": validate_weights,
        "dataset_path": _validate_dataset_path,
        "dataset_format": _validate_dataset_format,
        "num_classes": _validate_num_classes,
    }
)
"""The slots whose check is more than a range: the catalog, the dataset folder, the weights."""


def _slot(spec: SlotSpec) -> Slot:
    """The conversation's slot for one declaration: its texts and its check."""
    validate = _VALIDATORS.get(spec.name)
    if validate is None:
        validate = _hyperparameter(spec.name) if spec.is_hyperparameter else _accept(spec.name)
    return Slot(
        spec.name, spec.step, spec.requirement, spec.label, spec.question, validate, spec.unset
    )


SLOTS: tuple[Slot, ...] = tuple(_slot(spec) for spec in SLOT_SPECS)
"""All slots, in the order they are asked and summarised (the order of ``SLOT_SPECS``)."""

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
    found = dataset is not None and dataset.found
    inspected = found and _inspected_value(slot.name, dataset) is not None
    return is_required(SPEC_BY_NAME[slot.name], framework=config.framework, inspected=inspected)


def _inspected_value(name: str, dataset: DatasetFacts | None) -> Any:
    """What inspection determined for a ``when_inspected``/``classes`` slot."""
    if dataset is None:
        return None
    return dataset.format if name == "dataset_format" else dataset.num_classes


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
