"""The offline parser: one user message in, one ``TurnPatch`` out, with no network and no model.

Order matters and is the point of this module: the dataset path is taken first (so
"imagenet-10" never becomes ten epochs), then model names (so "yolov8n" is never batch 8),
then field values, and only then intents — a message that states values is a *set* even if it
also says "yes", and a question changes nothing even if it mentions numbers.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from graph.config import TrainingConfig
from graph.frameworks import FRAMEWORKS
from graph.patch import Ambiguity, FieldChanges, TurnPatch
from graph.slot_index import REQUIRED_HYPERPARAMETERS
from graph.understanding.dataset_paths import find_dataset_path
from graph.understanding.intents import (
    asks_another_job,
    asks_cancel,
    asks_defaults,
    asks_reset,
    asks_undo,
    read_question,
    read_yes_no,
)
from graph.understanding.message_text import blank_out, clean_message, has_hangul
from graph.understanding.model_mentions import find_model_mentions, pick_chosen_model
from graph.understanding.other_domain_models import find_other_domain_model
from graph.understanding.pretrained_phrases import find_pretrained
from graph.understanding.relative_phrases import RELATIVE_FIELDS, find_relative_changes
from graph.understanding.value_phrases import (
    INT_FIELDS,
    NUMBER,
    fields_mentioned,
    find_named_values,
    find_numeric_hits,
    find_numeric_values,
    parse_number,
    spell_numbers_as_digits,
)
from graph.understanding.value_scopes import alternatives

__all__ = ["parse_message", "find_task"]

_TASKS: tuple[tuple[str, str], ...] = (
    (
        "oriented_detection",
        r"\bobb\b|\boriented\b|회전\s*(?:박스|바운딩|객체)|회전된\s*(?:박스|객체)",
    ),
    ("pose_estimation", r"\bpose\b|\bkeypoints?\b|자세\s*추정|포즈"),
    (
        "instance_segmentation",
        r"segmentation|\bsegment(?:ing|er)?\b|분할|세그멘테이션|세그먼테이션",
    ),
    ("object_detection", r"detection|\bdetect(?:ing|or|ors)?\b|탐지|검출|디텍션"),
    ("image_classification", r"classification|\bclassify(?:ing)?\b|\bclassifier\b|분류"),
)
_FRAMEWORK = re.compile(rf"(?<![A-Za-z])({'|'.join(FRAMEWORKS)})(?![A-Za-z])", re.IGNORECASE)
_FORMATS = {"imagefolder": "imagefolder", "image folder": "imagefolder", "yolo": "yolo",
            "coco": "coco", "voc": "voc", "pascal voc": "voc", "욜로": "yolo", "코코": "coco",
            "이미지폴더": "imagefolder", "이미지 폴더": "imagefolder"}  # fmt: skip
_FORMAT_NAME = r"(image[\s_\-]?folder|pascal voc|yolo|coco|voc|욜로|코코|이미지\s?폴더)"
_FORMAT = re.compile(
    rf"\b{_FORMAT_NAME}[\s\-]?(?:format|형식|포맷|style|layout|annotations?|labels?|txt)"
    rf"|\bformat\s*(?:is|:|=)?\s*{_FORMAT_NAME}\b|\b(imagefolder)\b",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(
    rf"\W*({NUMBER})\s*(?:으로|로|이요|요|개|번|회|please)?\W*", re.IGNORECASE
)
_BARE_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9_.\-]*[A-Za-z][A-Za-z0-9_.\-]*)\s*")

_OR = re.compile(r"\bor\b|또는|아니면|이나|혹은", re.IGNORECASE)


def find_task(text: str) -> str | None:
    """The task named in ``text`` ("detection", "분류"), most specific first (OBB before boxes)."""
    for task, pattern in _TASKS:
        if re.search(pattern, text, re.IGNORECASE):
            return task
    return None


def _dataset_format(text: str) -> tuple[str, tuple[int, int]] | None:
    """The dataset format named in ``text`` and the span naming it ("yolo format")."""
    found = _FORMAT.search(text)
    if found is None:
        return None
    name = next(group for group in found.groups() if group)
    return _FORMATS[re.sub(r"[\s_\-]+", " ", name.lower())], found.span()


def _bare_answer(work: str, step: str | None, config: TrainingConfig | None) -> dict[str, Any]:
    """A reply that is only a number or a name answers the question the step just asked.

    At the hyperparameters step "32" fills the first missing of ``REQUIRED_HYPERPARAMETERS`` (a
    fraction goes to the first missing one that is not a whole number: the learning rate); at
    the dataset step a single word such as ``coco8`` is taken as the dataset.
    """
    if step == "hyperparameters":
        found = _BARE_NUMBER.fullmatch(work)
        if found is None:
            return {}
        missing = (config or TrainingConfig()).missing(REQUIRED_HYPERPARAMETERS) or ("epochs",)
        raw = found.group(1)
        fractional = parse_number(raw, integer=True) is None
        fitting = [name for name in missing if name not in INT_FIELDS] if fractional else []
        field = fitting[0] if fitting else missing[0]
        value = parse_number(raw, integer=field in INT_FIELDS)
        return {} if value is None else {field: value}
    if step == "dataset":
        name = _BARE_NAME.fullmatch(work)
        # A digit or separator tells "coco8" and "my_data" from "ok", "undo" or "help".
        if name is not None and re.search(r"[\d_.\-]", name.group(1)):
            return {"dataset_path": name.group(1)}
    return {}


def _language(text: str) -> Literal["en", "ko"] | None:
    if has_hangul(text):
        return "ko"
    return "en" if re.search(r"[A-Za-z]", text) else None


def parse_message(
    text: str, *, step: str | None = None, config: TrainingConfig | None = None
) -> TurnPatch:
    """Read one user message into a ``TurnPatch`` (never raises, never validates ranges).

    ``step`` and ``config`` only matter for bare answers ("32" at the hyperparameters step,
    ``coco8`` at the dataset step); everything else is read from the text alone.
    """
    cleaned = clean_message(text)
    work = cleaned
    changes: dict[str, Any] = {}

    # First: "train from scratch" is not "start over", and a weights path is not the dataset.
    start_from = find_pretrained(work)
    for start, end in start_from.spans:
        work = blank_out(work, start, end)
    if start_from.pretrained is not None:
        changes["pretrained"] = start_from.pretrained
    if start_from.weights is not None:
        changes["weights"] = start_from.weights

    path = find_dataset_path(work, relative_allowed=step == "dataset")
    if path is not None:
        changes["dataset_path"] = path.path
        work = blank_out(work, path.start, path.end)
    language = _language(work)
    question_text = work
    # Before model names: in "yolo format" the word yolo names a layout, not a model family.
    dataset_format = _dataset_format(work)
    if dataset_format is not None:
        changes["dataset_format"] = dataset_format[0]
        work = blank_out(work, *dataset_format[1])

    other_domain = find_other_domain_model(work)
    if other_domain is not None:  # "gpt-4" is not a misspelt catalog model
        work = blank_out(work, other_domain.start, other_domain.end)
    mentions = find_model_mentions(work)
    for mention in mentions:
        work = blank_out(work, mention.start, mention.end)
    chosen = pick_chosen_model(question_text, mentions)
    unrecognised = chosen.written if chosen is not None and chosen.name is None else None
    suggestions = chosen.suggestions if chosen is not None and chosen.name is None else ()
    if chosen is not None and chosen.name is not None:
        changes["model_name"] = chosen.name

    fields = fields_mentioned(work)
    spelled = spell_numbers_as_digits(work)
    current = {name: getattr(config, name) for name in RELATIVE_FIELDS} if config else {}
    relative, stated_through_verbs = find_relative_changes(spelled, current, fields)
    for start, end in relative.spans:
        spelled = blank_out(spelled, start, end)
        work = blank_out(work, start, end)
    ambiguities = list(relative.ambiguities)
    offered = alternatives(spelled, find_numeric_hits(spelled)) if _OR.search(spelled) else []
    for field, first, second in offered:
        values = tuple(
            float(v) for v in (first, second) if parse_number(v, integer=False) is not None
        )
        ambiguities.append(Ambiguity(field=field, values=values))
    numbers, used = find_numeric_values(spelled)
    names, used_names = find_named_values(work)
    for start, end in (*used, *used_names):
        work = blank_out(work, start, end)
    changes.update(numbers)
    for field, value in stated_through_verbs.items():  # "increase epochs to 30"
        as_int = parse_number(repr(value), integer=True) if field in INT_FIELDS else value
        if as_int is not None:
            changes[field] = as_int
    for change in relative.changes:
        changes.pop(change.field, None)  # "epochs 10 more" is +10, not also epochs = 10
    changes.update(names)
    task = find_task(work)
    if task is not None:
        changes["task_type"] = task
    framework = _FRAMEWORK.search(work)
    if framework is not None:
        changes["framework"] = framework.group(1).lower()
    if not changes and not mentions and not fields and not relative.spans:
        changes.update(_bare_answer(work, step, config))

    model_subjects = tuple(mention.name or mention.written for mention in mentions)
    common: dict[str, Any] = {
        "language": language,
        "unrecognised_model": unrecognised,
        "model_suggestions": suggestions,
        "relative_changes": relative.changes,
        "ambiguities": tuple(ambiguities),
        "other_domain_model": other_domain.written if other_domain else None,
        "other_domain_kind": other_domain.kind if other_domain else None,
        "new_job": asks_another_job(work) and not fields,
    }
    # Naming a task or a model does not make "tell me about resnet50" a request to use it.
    substantive = {key for key in changes if key not in ("task_type", "framework", "model_name")}
    question = read_question(
        question_text,
        models=model_subjects,
        fields=fields,
        task=task,
        has_values=bool(substantive or relative.spans),
        names_a_model="model_name" in changes,
    )
    if question is not None and not common["new_job"]:
        common.update(relative_changes=(), ambiguities=())
        return TurnPatch(
            intent="question",
            question_topic=question.topic,
            question_subjects=question.subjects,
            **common,
        )
    field_changes = FieldChanges(**changes)
    if asks_reset(work, mentions_fields=bool(fields)):
        return TurnPatch(intent="reset", changes=field_changes, **common)
    if step == "confirm" and not changes and asks_cancel(work):
        return TurnPatch(intent="decline", **common)  # "cancel" at confirm: do not start
    if asks_undo(work, has_other_content=bool(changes or fields or mentions)):
        return TurnPatch(intent="undo", **common)
    use_defaults = asks_defaults(work)
    if changes or use_defaults or mentions:
        return TurnPatch(intent="set", changes=field_changes, use_defaults=use_defaults, **common)
    # "not 10 epochs" states (and refuses) a value: it is not a "no" to the whole job.
    vote = read_yes_no(work) if not used else None
    if vote is not None:
        return TurnPatch(intent=vote, **common)
    return TurnPatch(intent="set", **common)
