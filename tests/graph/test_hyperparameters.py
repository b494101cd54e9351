"""Hyperparameter rules per framework: defaults from the real packages, accept/refuse/warn."""

from __future__ import annotations

from typing import Any

import pytest

from graph.config import HYPERPARAMETER_FIELDS, TrainingConfig
from graph.hyperparameters import (
    HYPERPARAMETERS,
    OPTIMIZERS,
    SCHEDULERS,
    check_hyperparameter,
    describe_hyperparameter,
    framework_defaults,
)


def test_every_config_hyperparameter_is_declared_once() -> None:
    assert tuple(HYPERPARAMETERS) == HYPERPARAMETER_FIELDS
    for spec in HYPERPARAMETERS.values():
        assert spec.description and spec.description.en and spec.description.ko
        assert spec.timm_flag
        assert spec.ultralytics_key


@pytest.mark.parametrize(
    ("framework", "expected"),
    [
        (
            "timm",
            {
                "epochs": 300,
                "batch_size": 128,
                "learning_rate": 0.05,
                "optimizer": "sgd",
                "image_size": 224,
                "weight_decay": 2e-5,
                "momentum": 0.9,
                "scheduler": "cosine",
                "warmup_epochs": 5,
                "patience": 10,
                "seed": 42,
            },
        ),
        (
            "ultralytics",
            {
                "epochs": 100,
                "batch_size": 16,
                "learning_rate": 0.01,
                "optimizer": "auto",
                "image_size": 640,
                "weight_decay": 0.0005,
                "momentum": 0.937,
                "scheduler": "linear",
                "warmup_epochs": 3.0,
                "patience": 100,
                "seed": 0,
            },
        ),
    ],
)
def test_framework_defaults(framework: str, expected: dict[str, Any]) -> None:
    defaults = framework_defaults(framework)
    assert dict(defaults) == expected
    # Every default passes its own framework's checks and fits the config model.
    for name, value in defaults.items():
        check = check_hyperparameter(name, value, framework=framework)
        assert check.accepted, (name, check.reason)
    TrainingConfig(framework=framework, **defaults)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        defaults["epochs"] = 1  # type: ignore[index]


def test_timm_image_size_default_is_the_models_input_size() -> None:
    assert framework_defaults("timm", pretrained_input_size=288)["image_size"] == 288
    assert framework_defaults("ultralytics", pretrained_input_size=288)["image_size"] == 640
    with pytest.raises(ValueError, match="unknown framework 'keras'"):
        framework_defaults("keras")


REFUSALS = [
    ("epochs", 0, "timm", "between 1 and 10000"),
    ("epochs", -5, "ultralytics", "between 1 and 10000"),
    ("epochs", 2.5, None, "whole number"),
    ("epochs", "ten", None, "whole number"),
    ("epochs", True, None, "whole number"),
    ("learning_rate", 5, "timm", "greater than 0 and at most 1"),
    ("learning_rate", 0, "ultralytics", "greater than 0"),
    ("learning_rate", float("nan"), None, "number"),
    ("batch_size", 0, None, "between 1 and 8192"),
    ("image_size", 500, "ultralytics", "multiple of 32; got 500 (try 480 or 512)"),
    ("image_size", 16, "timm", "between 32 and 4096"),
    ("optimizer", "adamq", "timm", "Did you mean adam"),
    ("optimizer", "sgdd", "ultralytics", "Did you mean SGD"),
    ("optimizer", "lion", "ultralytics", "not one of the optimizer names ultralytics knows"),
    ("optimizer", "", None, "must be a name"),
    ("scheduler", "plateau", "ultralytics", "known: linear, cosine"),
    ("scheduler", "cosnie", "timm", "Did you mean cosine"),
    ("momentum", 1.5, None, "between 0 and 0.999"),
    ("weight_decay", -0.1, None, "between 0 and 1"),
    ("warmup_epochs", 2.5, "timm", "whole number"),
    ("patience", -1, None, "between 0 and 10000"),
    ("seed", 2**32, None, "between 0 and 4294967295"),
]


@pytest.mark.parametrize(("name", "value", "framework", "fragment"), REFUSALS)
def test_refusals_say_why_and_keep_the_previous_value(
    name: str, value: Any, framework: str | None, fragment: str
) -> None:
    check = check_hyperparameter(name, value, framework=framework)
    assert not check.accepted and check.value is None
    assert check.reason is not None and fragment in check.reason
    assert check.reason.endswith("Nothing was changed.")
    previous = TrainingConfig(**{name: framework_defaults("timm")[name]})
    kept = check_hyperparameter(name, value, framework=framework, config=previous)
    assert kept.reason is not None
    assert kept.reason.endswith(f"Keeping the previous value ({getattr(previous, name)}).")


ACCEPTED = [
    ("epochs", "32", None, 32),
    ("epochs", 10.0, "timm", 10),
    ("batch_size", "1,024", None, 1024),
    ("learning_rate", "3e-4", "timm", 3e-4),
    ("learning_rate", 1, None, 1.0),
    ("optimizer", "adamw", "ultralytics", "AdamW"),
    ("optimizer", "RMSPROP", "ultralytics", "RMSprop"),
    ("optimizer", "AdamW", "timm", "adamw"),
    ("optimizer", "lookahead_AdamW", "timm", "lookahead_adamw"),
    ("optimizer", "lamb", None, "lamb"),
    ("optimizer", "MuSGD", None, "MuSGD"),
    ("scheduler", "cos", "ultralytics", "cosine"),
    ("scheduler", "Step", "timm", "step"),
    ("image_size", 640, "ultralytics", 640),
    ("image_size", 300, "timm", 300),
    ("warmup_epochs", 0.5, "ultralytics", 0.5),
    ("warmup_epochs", 3.0, "timm", 3),
    ("seed", 0, None, 0),
]


@pytest.mark.parametrize(("name", "value", "framework", "normalised"), ACCEPTED)
def test_accepted_values_are_normalised(
    name: str, value: Any, framework: str | None, normalised: Any
) -> None:
    check = check_hyperparameter(name, value, framework=framework)
    assert check.accepted and check.reason is None
    assert check.value == normalised and type(check.value) is type(normalised)


def test_high_learning_rate_with_adam_family_warns_either_way_round() -> None:
    adam = TrainingConfig(optimizer="adamw")
    check = check_hyperparameter("learning_rate", 0.05, framework="timm", config=adam)
    assert check.accepted and "high for adamw" in check.warnings[0]
    high = TrainingConfig(learning_rate=0.1)
    later = check_hyperparameter("optimizer", "adam", framework="timm", config=high)
    assert later.accepted and "Adam-style" in later.warnings[0]
    sgd = check_hyperparameter("learning_rate", 0.05, framework="timm", config=TrainingConfig())
    assert sgd.warnings == ()


def test_ultralytics_auto_optimizer_ignores_the_learning_rate() -> None:
    check = check_hyperparameter("learning_rate", 0.02, framework="ultralytics")
    assert check.accepted and "optimizer=auto" in check.warnings[0]
    chosen = TrainingConfig(optimizer="SGD")
    quiet = check_hyperparameter("learning_rate", 0.02, framework="ultralytics", config=chosen)
    assert quiet.warnings == ()
    back = check_hyperparameter(
        "optimizer", "auto", framework="ultralytics", config=TrainingConfig(learning_rate=0.02)
    )
    assert "ignored" in back.warnings[0]
    assert check_hyperparameter("learning_rate", 0.02, framework="timm").warnings == ()


def test_batch_larger_than_the_training_set_warns() -> None:
    check = check_hyperparameter("batch_size", 64, framework="timm", dataset_images=40)
    assert check.accepted and "larger than the training set (40 images)" in check.warnings[0]
    assert (
        check_hyperparameter("batch_size", 32, framework="timm", dataset_images=40).warnings == ()
    )


def test_image_size_different_from_pretrained_warns() -> None:
    check = check_hyperparameter("image_size", 320, framework="timm", pretrained_input_size=224)
    assert check.accepted and "pretrained input size 224" in check.warnings[0]
    same = check_hyperparameter("image_size", 224, framework="timm", pretrained_input_size=224)
    assert same.warnings == ()


def test_warmup_not_shorter_than_training_warns() -> None:
    check = check_hyperparameter(
        "warmup_epochs", 10, framework="ultralytics", config=TrainingConfig(epochs=5)
    )
    assert check.accepted and "never reaches" in check.warnings[0]


def test_korean_reasons_and_warnings() -> None:
    refused = check_hyperparameter("epochs", 0, framework="timm", lang="ko")
    assert (
        refused.reason
        == "에폭 값은 1 이상 10000 이하의 정수여야 합니다. 입력값: 0. 아무것도 바꾸지 않았습니다."
    )
    warned = check_hyperparameter("learning_rate", 0.01, framework="ultralytics", lang="ko")
    assert "optimizer=auto" in warned.warnings[0] and "무시" in warned.warnings[0]


def test_unknown_name_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="known: epochs"):
        check_hyperparameter("dropout", 0.1, framework=None)
    with pytest.raises(KeyError):
        describe_hyperparameter("dropout")


def test_describe_answers_what_does_it_mean() -> None:
    text = describe_hyperparameter("batch_size")
    assert "images the model sees" in text and "timm 128, ultralytics 16" in text
    assert "이미지 수" in describe_hyperparameter("batch_size", "ko")
    assert "plateau" in describe_hyperparameter("patience")


def test_name_tables_come_from_the_frameworks() -> None:
    assert "auto" in OPTIMIZERS["ultralytics"] and len(OPTIMIZERS["timm"]) == 95
    assert {"sgd", "adamw", "lamb", "lars", "adabelief", "lion", "adafactor"} <= set(
        OPTIMIZERS["timm"]
    )
    assert SCHEDULERS["ultralytics"] == ("linear", "cosine")
    assert {"cosine", "step", "plateau", "poly", "tanh", "multistep"} <= set(SCHEDULERS["timm"])
