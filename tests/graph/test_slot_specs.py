"""The slot declarations are complete, and what is derived from them agrees with them.

``test_dummy_slot`` shows a new slot reaches every consumer; these tests pin the two places the
type checker needs a written-out view (``TrainingConfig``, ``FieldChanges``) to the declarations,
and check the lists that used to be repeated by hand now exist once.
"""

from __future__ import annotations

import ast
import inspect
import re
from types import ModuleType
from typing import Any, get_args

import pytest

import graph.config
import graph.patch
import graph.slot_specs
import graph.slot_values
from graph.catalog import load_catalog
from graph.config import Framework, TrainingConfig
from graph.frameworks import FRAMEWORKS
from graph.hyperparameters import FRAMEWORKS as HYPERPARAMETER_FRAMEWORKS
from graph.slot_index import (
    CONFIG_FIELDS,
    FIELD_WORDS,
    HYPERPARAMETER_FIELDS,
    REQUIRED_HYPERPARAMETERS,
    missing_for_job,
)
from graph.slot_specs import SLOT_SPECS
from graph.slots import SLOTS
from graph.steps.rules import TRAINABLE_FRAMEWORKS


def _type_checking_view(module: ModuleType, name: str, names_from: ModuleType) -> dict[str, Any]:
    """Field -> annotation of the class ``name`` written under ``if TYPE_CHECKING:`` in
    ``module``, its annotations read with the names of ``names_from``."""
    tree = ast.parse(inspect.getsource(module))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == name:
            return {
                item.target.id: eval(ast.unparse(item.annotation), vars(names_from))  # noqa: S307
                for item in node.body
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
            }
    raise AssertionError(f"no class {name} in {module.__name__}")


def test_the_type_checkers_view_says_what_the_declarations_say() -> None:
    view = _type_checking_view(graph.slot_values, "SlotValues", graph.slot_specs)
    declared = {spec.name: spec.type | None for spec in SLOT_SPECS}
    assert list(view) == list(declared)
    assert view == declared


@pytest.mark.parametrize(
    ("module", "name"), [(graph.config, "TrainingConfig"), (graph.patch, "FieldChanges")]
)
def test_both_models_are_built_with_the_declared_fields_and_read_the_one_view(
    module: ModuleType, name: str
) -> None:
    declared = {spec.name: spec.type | None for spec in SLOT_SPECS}
    built = getattr(module, name).model_fields
    assert {field: info.annotation for field, info in built.items()} == declared
    source = inspect.getsource(module)
    assert f"class {name}(" in source and "SlotValues)" in source  # no second written-out view


def test_config_fields_are_the_slots_in_declaration_order() -> None:
    assert tuple(TrainingConfig.model_fields) == CONFIG_FIELDS
    assert tuple(slot.name for slot in SLOTS) == CONFIG_FIELDS
    assert tuple(s.name for s in SLOT_SPECS if s.is_hyperparameter) == HYPERPARAMETER_FIELDS


def test_one_framework_list() -> None:
    assert get_args(Framework) == FRAMEWORKS
    assert TRAINABLE_FRAMEWORKS == FRAMEWORKS == HYPERPARAMETER_FRAMEWORKS
    entries = load_catalog().entries
    assert {entry.framework for entry in entries if entry.trainable_here} == set(FRAMEWORKS)


def test_one_rule_for_what_is_required() -> None:
    assert REQUIRED_HYPERPARAMETERS == ("epochs", "batch_size", "learning_rate")
    assert missing_for_job({"framework": "ultralytics"}) == (
        "model_name", "task_type", "dataset_path", *REQUIRED_HYPERPARAMETERS
    )  # fmt: skip
    assert missing_for_job({"framework": "timm"}) == (
        "model_name", "task_type", "dataset_path", "num_classes", *REQUIRED_HYPERPARAMETERS
    )  # fmt: skip
    assert "num_classes" not in missing_for_job({"framework": "ultralytics"})


@pytest.mark.parametrize("spec", SLOT_SPECS, ids=lambda spec: spec.name)
def test_every_declaration_is_complete_in_both_languages(spec: Any) -> None:
    for text in (spec.label, spec.question):
        assert text.en.strip() and text.ko.strip()
        assert re.search(r"[\uac00-\ud7a3]", text.ko), "the Korean text has Hangul"
    assert spec.hint.strip()
    if spec.words:
        assert re.fullmatch(spec.words, spec.label.en, re.IGNORECASE) or re.search(
            spec.words, spec.label.ko
        ), "its own label is one of its words"
    if spec.is_hyperparameter:
        assert spec.description is not None and spec.timm_flag and spec.ultralytics_key
        assert spec.timm_default is not None and spec.ultralytics_default is not None
        assert spec.name in FIELD_WORDS


def test_aliases_name_one_field_each() -> None:
    aliases = [alias for spec in SLOT_SPECS for alias in spec.aliases]
    assert len(aliases) == len(set(aliases))
