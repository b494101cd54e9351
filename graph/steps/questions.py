"""Answers to questions: help, what's left, what a setting means, and the catalog questions.

A question never changes the configuration; these functions only read the state and return text.
"""

from __future__ import annotations

import unicodedata
from typing import get_args

from graph.config import TaskType, TrainingConfig
from graph.hyperparameters import HYPERPARAMETERS, describe_hyperparameter
from graph.patch import TurnPatch
from graph.replies import TASK_NAMES, say, task_name
from graph.slot_specs import SLOT_SPECS
from graph.slots import SLOT_BY_NAME, SLOTS, missing_slots, show_value
from graph.state import DatasetFacts, Language
from graph.steps import rules

__all__ = ["answer_question", "subject_field", "other_domain_reply", "show_config", "config_lines"]

_ALIASES = {alias: spec.name for spec in SLOT_SPECS for alias in spec.aliases}
"""Short names a question may use for a field ("lr", "배치"), from each slot's declaration."""


def subject_field(subject: str) -> str | None:
    """The config field a question's subject names ("batch size" → ``batch_size``), if any."""
    key = subject.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    key = key.replace(" ", "_").replace("-", "_")
    if key in SLOT_BY_NAME:
        return key
    for slot in SLOTS:
        if key in (slot.label.en.replace(" ", "_"), slot.label.ko.replace(" ", "_")):
            return slot.name
    return None


def answer_question(
    patch: TurnPatch, config: TrainingConfig, dataset: DatasetFacts | None, lang: Language
) -> str:
    """The answer to the question ``patch`` describes, from the state and the catalog."""
    topic = patch.question_topic or "other"
    subjects = patch.question_subjects
    if topic == "help":
        return say("help", lang)
    if topic == "remaining":
        return _remaining(config, dataset, lang)
    if topic == "show_config":
        return show_config(config, dataset, lang)
    if topic == "explain":
        return _explain(subjects, lang)
    if topic in ("models", "recommend"):
        return _models(topic, _asked_task(patch, config), patch, lang)
    if topic == "compare":
        table = rules.compare_models(subjects)
        return _describe(subjects, lang) if table is None else _compare_table(table, lang)
    if topic == "model_info":
        return _describe(subjects, lang)
    return say("other_question", lang)


def _asked_task(patch: TurnPatch, config: TrainingConfig) -> str | None:
    """The task a catalog question is about: named in it, else the configured one."""
    for subject in patch.question_subjects:
        if subject in get_args(TaskType):
            return subject
    return patch.changes.task_type or config.task_type


def _remaining(config: TrainingConfig, dataset: DatasetFacts | None, lang: Language) -> str:
    missing = missing_slots(config, dataset)
    if not missing:
        return say("remaining_none", lang)
    labels = ", ".join(slot.label.in_(lang) for slot in missing)
    return say("remaining", lang, items=labels) + " " + missing[0].question.in_(lang)


def _explain(subjects: tuple[str, ...], lang: Language) -> str:
    lines = []
    for subject in subjects:
        name = subject_field(subject)
        if name is None:
            continue
        if name in HYPERPARAMETERS:
            lines.append(describe_hyperparameter(name, lang))
        else:
            slot = SLOT_BY_NAME[name]
            lines.append(f"{slot.label.in_(lang)}: {slot.question.in_(lang)}")
    if lines:
        return "\n".join(lines)
    known = ", ".join(slot.label.in_(lang) for slot in SLOTS)
    return say("explain_unknown", lang, items=known)


def _models(topic: str, task: str | None, patch: TurnPatch, lang: Language) -> str:
    if topic == "recommend":
        names = rules.recommended_models(task or "image_classification")
    else:
        small = any(
            word in ("small", "tiny", "light", "작은", "가벼운") for word in patch.question_subjects
        )
        names = rules.search_models(
            task_type=task,
            framework=patch.changes.framework,
            max_params_m=10.0 if small else None,
            limit=8,
        )
    filter_text = f" ({task_name(task, lang)})" if task else ""
    if not names:
        return say("models_none", lang, filter=filter_text)
    if topic == "recommend":
        shown = task_name(task or "image_classification", lang)
        return say("recommend", lang, task=shown, items=", ".join(names))
    return say("models_found", lang, filter=filter_text, items=", ".join(names))


def _describe(subjects: tuple[str, ...], lang: Language) -> str:
    lines = []
    for subject in subjects:
        description = rules.describe_model(subject)
        if description is None:
            suggestions = rules.suggest_models(subject)
            hint = say("did_you_mean", lang, names=", ".join(suggestions)) if suggestions else ""
            lines.append(say("model_unknown", lang, name=subject, hint=hint))
        else:
            lines.append(description)
    return "\n".join(lines) if lines else say("other_question", lang)


_ROW_LABELS_KO = {
    "model": "모델",
    "framework": "프레임워크",
    "task": "작업",
    "parameters": "파라미터",
    "input size": "입력 크기",
    "pretrained classes": "사전학습 클래스",
    "pretrained weights": "사전학습 가중치",
    "licence": "라이선스",
}


def _compare_table(rows: tuple[tuple[str, tuple[str, ...]], ...], lang: Language) -> str:
    """Models side by side as an aligned plain-text table (it reads in a terminal and in chat).

    Widths count display columns, not characters: Hangul takes two columns in a terminal.
    """
    labelled = [
        (
            _ROW_LABELS_KO.get(label, label) if lang == "ko" else label,
            tuple(task_name(cell, lang) for cell in cells) if label == "task" else cells,
        )
        for label, cells in rows
    ]
    label_width = max(_columns(label) for label, _ in labelled)
    widths = [max(_columns(cells[i]) for _, cells in labelled) for i in range(len(labelled[0][1]))]
    lines = [
        "  ".join(
            [_pad(label, label_width), *(_pad(c, w) for c, w in zip(cells, widths, strict=True))]
        ).rstrip()
        for label, cells in labelled
    ]
    return "\n".join(lines)


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _columns(text))


def config_lines(
    config: TrainingConfig, lang: Language, *, with_declared_defaults: bool = False
) -> list[str]:
    """``- model: resnet18`` for every field that has a value, in slot order; the task in words.

    ``with_declared_defaults`` also lists an unset slot that declares what unset means
    (pretrained weights: "yes (default)"), a default worth seeing before confirming.
    """
    lines = []
    for slot in SLOTS:
        value = getattr(config, slot.name)
        if value is None and not (with_declared_defaults and slot.unset):
            continue
        lines.append(f"- {slot.label.in_(lang)}: {show_value(value, lang, slot)}")
    return lines


def show_config(config: TrainingConfig, dataset: DatasetFacts | None, lang: Language) -> str:
    """Every value set so far (not only what is missing), then what is still needed."""
    lines = config_lines(config, lang)
    text = [say("config_title", lang), *lines] if lines else [say("config_empty", lang)]
    missing = missing_slots(config, dataset)
    if missing:
        labels = ", ".join(slot.label.in_(lang) for slot in missing)
        text.append(say("config_missing", lang, items=labels))
    return "\n".join(text)


def other_domain_reply(name: str, kind: str | None, config: TrainingConfig, lang: Language) -> str:
    """What a named non-vision model is, and what trainchat trains instead (from the catalog).

    The offer follows the configured task when there is one, else one line per task.
    """
    what = say(f"other_domain_{kind or 'language'}", lang)
    tasks = (config.task_type,) if config.task_type in TASK_NAMES else tuple(TASK_NAMES)
    offers = "; ".join(
        f"{task_name(task, lang)}: {', '.join(rules.recommended_models(str(task)))}"
        for task in tasks
        if rules.recommended_models(str(task))
    )
    return say("other_domain", lang, name=name, what=what, offers=offers)
