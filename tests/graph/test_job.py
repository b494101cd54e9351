"""The job at confirmation: argv for timm and ultralytics checked against the real argument
names (lists extracted from timm's train.py and ultralytics' cfg/default.yaml, shipped in
tests/graph/data so no network is needed), exports, and refusal to build incomplete jobs."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml

from graph.config import TrainingConfig
from graph.hyperparameters import HYPERPARAMETERS, framework_defaults
from graph.job import ULTRALYTICS_TASKS, TrainingJob, build_job

DATA = Path(__file__).parent / "data"


def names(file_name: str) -> set[str]:
    """A shipped name list without its comment header."""
    lines = (DATA / file_name).read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


TIMM_FLAGS = names("timm_train_flags.txt")
ULTRALYTICS_KEYS = names("ultralytics_cfg_keys.txt")

TIMM_FULL = TrainingConfig(
    framework="timm",
    model_name="efficientnet_b0",
    task_type="image_classification",
    dataset_path="/data/my flowers",
    dataset_format="imagefolder",
    num_classes=5,
    **framework_defaults("timm", pretrained_input_size=256),  # type: ignore[arg-type]
)
YOLO_FULL = TrainingConfig(
    framework="ultralytics",
    model_name="yolo11n-seg",
    task_type="instance_segmentation",
    dataset_path="/data/coco8-seg",
    dataset_format="yolo",
    **framework_defaults("ultralytics"),  # type: ignore[arg-type]
)


def test_name_lists_are_the_real_ones() -> None:
    assert {"--model", "--lr", "--opt", "--sched", "--img-size", "-b", "--val-split"} <= TIMM_FLAGS
    assert len(TIMM_FLAGS) > 150 and len(ULTRALYTICS_KEYS) > 100
    assert {"lr0", "imgsz", "cos_lr", "optimizer", "patience", "warmup_epochs"} <= ULTRALYTICS_KEYS
    for spec in HYPERPARAMETERS.values():
        assert spec.timm_flag in TIMM_FLAGS and spec.ultralytics_key in ULTRALYTICS_KEYS


def test_timm_command_uses_only_real_flags_and_carries_every_value() -> None:
    job = build_job(TIMM_FULL)
    argv = job.command
    assert argv[:3] == ("python", "train.py", "/data/my flowers")
    flags = [a for a in argv[3:] if a.startswith("-")]
    assert set(flags) <= TIMM_FLAGS and len(flags) == len(set(flags))
    pairs = dict(zip(argv[3::1], argv[4::1], strict=False))
    assert pairs["--model"] == "efficientnet_b0" and pairs["--num-classes"] == "5"
    assert pairs["--epochs"] == "300" and pairs["--batch-size"] == "128"
    assert pairs["--lr"] == "0.05" and pairs["--opt"] == "sgd" and pairs["--sched"] == "cosine"
    assert pairs["--weight-decay"] == "2e-05" and pairs["--momentum"] == "0.9"
    assert pairs["--warmup-epochs"] == "5" and pairs["--patience-epochs"] == "10"
    assert pairs["--seed"] == "42" and pairs["--img-size"] == "256"
    assert pairs["--train-split"] == "train" and pairs["--val-split"] == "val"
    assert "--pretrained" in argv
    assert job.command_line().startswith("python train.py '/data/my flowers' --model")
    assert shlex.split(job.command_line()) == list(argv)


@pytest.mark.parametrize(("task_type", "word"), sorted(ULTRALYTICS_TASKS.items()))
def test_yolo_task_words(task_type: str, word: str) -> None:
    model = "yolov8n-cls" if word == "classify" else "yolov8n"
    fmt = "imagefolder" if word == "classify" else "yolo"
    config = YOLO_FULL.patch(task_type=task_type, model_name=model, dataset_format=fmt)
    argv = build_job(config).command
    assert argv[:3] == ("yolo", word, "train") and f"model={model}.pt" in argv
    data = "data=/data/coco8-seg" + ("" if word == "classify" else "/data.yaml")
    assert data in argv


def test_yolo_command_uses_only_real_keys() -> None:
    job = build_job(YOLO_FULL.patch(scheduler="cosine", optimizer="adamw", learning_rate=0.001))
    pairs = dict(arg.split("=", 1) for arg in job.command[3:])
    assert set(pairs) <= ULTRALYTICS_KEYS
    assert pairs == {
        "model": "yolo11n-seg.pt",
        "data": "/data/coco8-seg/data.yaml",
        "epochs": "100",
        "batch": "16",
        "lr0": "0.001",
        "optimizer": "AdamW",
        "imgsz": "640",
        "weight_decay": "0.0005",
        "momentum": "0.937",
        "cos_lr": "True",
        "warmup_epochs": "3.0",
        "patience": "100",
        "seed": "0",
    }


def test_ultralytics_yaml_has_the_same_content_as_the_command() -> None:
    job = build_job(YOLO_FULL)
    doc = yaml.safe_load(job.ultralytics_yaml())
    assert set(doc) <= ULTRALYTICS_KEYS
    assert doc["task"] == "segment" and doc["mode"] == "train" and doc["cos_lr"] is False
    as_cli = {k: v for k, v in doc.items() if k not in ("task", "mode")}
    assert [f"{k}={v}" for k, v in as_cli.items()] == list(job.command[3:])
    with pytest.raises(ValueError, match="only for ultralytics"):
        build_job(TIMM_FULL).ultralytics_yaml()


def test_windows_paths_and_yaml_paths_are_kept() -> None:
    windows = build_job(YOLO_FULL.patch(dataset_path="C:\\datasets\\coco8"))
    assert "data=C:\\datasets\\coco8\\data.yaml" in windows.command
    given_yaml = build_job(YOLO_FULL.patch(dataset_path="/d/coco8/custom.yaml"))
    assert "data=/d/coco8/custom.yaml" in given_yaml.command


def test_unset_hyperparameters_are_left_to_the_framework() -> None:
    minimal = TrainingConfig(
        framework="timm",
        model_name="resnet18",
        task_type="image_classification",
        dataset_path="/d",
        num_classes=2,
        epochs=3,
        batch_size=8,
        learning_rate=0.001,
    )
    argv = build_job(minimal).command
    assert "--opt" not in argv and "--img-size" not in argv and "--lr" in argv


def test_exports_round_trip() -> None:
    job = build_job(TIMM_FULL, created_from="thread-7")
    doc = json.loads(job.to_json())
    assert doc["schema_version"] == 1 and doc["created_from"] == "thread-7"
    assert doc["config"]["model_name"] == "efficientnet_b0" and doc["command"][0] == "python"
    assert TrainingJob.from_json(job.to_json()) == job
    assert yaml.safe_load(job.to_yaml()) == doc
    with pytest.raises(Exception, match="frozen"):
        job.command = ("rm",)  # type: ignore[misc]


def test_missing_fields_are_all_named() -> None:
    with pytest.raises(ValueError) as info:
        build_job(TrainingConfig(framework="timm", model_name="resnet18", epochs=5))
    message = str(info.value)
    for field in ("task_type", "dataset_path", "batch_size", "learning_rate", "num_classes"):
        assert field in message


def test_refused_values_and_incompatible_dataset_block_the_job() -> None:
    bad = YOLO_FULL.patch(
        image_size=500, dataset_format="imagefolder", task_type="object_detection"
    )
    with pytest.raises(ValueError) as info:
        build_job(bad)
    message = str(info.value)
    assert "multiple of 32" in message and "class labels only" in message
    assert "Nothing was changed" not in message


def test_coco_for_ultralytics_builds_with_a_conversion_note_left_to_the_conversation() -> None:
    job = build_job(YOLO_FULL.patch(dataset_format="coco", task_type="object_detection"))
    assert job.command[1] == "detect"


def test_optimizer_spelling_is_canonical_in_the_job() -> None:
    job = build_job(YOLO_FULL.patch(optimizer="sgd"))
    assert job.config.optimizer == "SGD" and "optimizer=SGD" in job.command
