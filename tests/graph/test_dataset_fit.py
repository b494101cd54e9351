"""The dataset must fit the task (issue #10, point 6), on datasets laid out as Ultralytics and
Roboflow document them (``tests/graph/layouts.py``): one test per rule, each through
``inspect_dataset`` + ``check_compatibility`` and again through a turn, which must stop at the
dataset step with both ways out."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.config import TrainingConfig
from graph.datasets import check_compatibility, inspect_dataset
from graph.patch import FieldChanges, TurnPatch
from graph.state import ConversationState
from tests.graph.layouts import roboflow_coco, roboflow_yolo, ultralytics_yolo, vocdevkit
from tests.graph.one_turn import take_turn


class _Read:
    def __init__(self, patch: TurnPatch) -> None:
        self.patch = patch
        self.fallback_reason = None


def _turn(state: ConversationState, text: str, **changes: object) -> ConversationState:
    from langchain_core.messages import HumanMessage

    asked = state.model_copy(update={"messages": (*state.messages, HumanMessage(content=text))})
    return take_turn(asked, _Read(TurnPatch(changes=FieldChanges(**changes))))  # type: ignore[arg-type]


def _fit(path: Path, framework: str, task: str) -> tuple[str, str] | None:
    report = inspect_dataset(path)
    problem = check_compatibility(framework, task, report.format, report.label_kinds)
    return None if problem is None else (problem.code, problem.text("ko"))


CASES = [
    # (name, builder, model, task, expected code or None, a word the Korean reason must hold)
    ("box-only labels for segmentation", lambda p: ultralytics_yolo(p, "boxes"), "yolo11n-seg", "instance_segmentation", "labels_task_mismatch", "폴리곤"),
    ("polygon labels for segmentation", lambda p: ultralytics_yolo(p, "polygons"), "yolo11n-seg", "instance_segmentation", None, ""),
    ("no kpt_shape for pose", lambda p: ultralytics_yolo(p, "keypoints", kpt_shape=False), "yolo11n-pose", "pose_estimation", "labels_task_mismatch", "kpt_shape"),
    ("box-only labels for pose", lambda p: ultralytics_yolo(p, "boxes"), "yolo11n-pose", "pose_estimation", "labels_task_mismatch", "키포인트"),
    ("keypoints for pose", lambda p: ultralytics_yolo(p, "keypoints"), "yolo11n-pose", "pose_estimation", None, ""),
    ("non-OBB labels for obb", lambda p: ultralytics_yolo(p, "boxes"), "yolo11n-obb", "oriented_detection", "labels_task_mismatch", "회전 박스"),
    ("OBB labels for obb", lambda p: ultralytics_yolo(p, "obb"), "yolo11n-obb", "oriented_detection", None, ""),
    ("roboflow box export for segmentation", lambda p: roboflow_yolo(p, "boxes"), "yolo11n-seg", "instance_segmentation", "labels_task_mismatch", "바운딩 박스만"),
    ("roboflow coco boxes for segmentation", lambda p: roboflow_coco(p), "yolo11n-seg", "instance_segmentation", "labels_task_mismatch", "폴리곤"),
    ("roboflow coco polygons for segmentation", lambda p: roboflow_coco(p, segmentation=True), "yolo11n-seg", "instance_segmentation", None, ""),
    ("detection set for a classifier", lambda p: roboflow_yolo(p, "boxes"), "resnet18", "image_classification", "format_task_mismatch", "이미지 분류"),
    ("voc set for a classifier", lambda p: vocdevkit(p), "resnet18", "image_classification", "format_task_mismatch", "이미지 분류"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "build", "model", "task", "code", "word"), CASES, ids=[c[0] for c in CASES]
)
def test_fit_rule(
    tmp_path: Path, name: str, build, model: str, task: str, code: str | None, word: str
) -> None:  # type: ignore[no-untyped-def]
    path = build(tmp_path / "data")
    framework = "timm" if model == "resnet18" else "ultralytics"
    found = _fit(path, framework, task)
    if code is None:
        assert found is None or not found[0].endswith("mismatch"), found
        return
    assert found is not None and found[0] == code, found
    assert word in found[1] and "_" not in found[1].split("(")[0].replace("image_", ""), found


@pytest.mark.parametrize(
    ("name", "build", "model", "task", "code", "word"),
    [c for c in CASES if c[4]],
    ids=[c[0] for c in CASES if c[4]],
)
def test_misfit_stops_the_conversation_at_the_dataset_step(
    tmp_path: Path, name: str, build, model: str, task: str, code: str, word: str
) -> None:  # type: ignore[no-untyped-def]
    path = str(build(tmp_path / "data"))
    state = _turn(ConversationState(), model, model_name=model)
    state = _turn(state, path, dataset_path=path)
    assert state.config.dataset_path == path and state.step == "dataset"
    reply = state.messages[-1].text
    assert "Problem" in reply and "another dataset" in reply
    # Both ways out; with no readable label no catalog model fits, so "another model" is offered.
    assert "pick a model that fits this dataset" in reply or "pick another model" in reply
    # Hyperparameters do not move the conversation on while model and dataset do not fit.
    state = _turn(state, "20 epochs, batch 8, lr 0.01", epochs=20, batch_size=8, learning_rate=0.01)
    assert state.step == "dataset" and "Shall I start" not in state.messages[-1].text


def test_detector_on_a_classification_folder_offers_a_classifier(tmp_path: Path) -> None:
    from graph.datasets.samples import make_sample_dataset

    path = str(make_sample_dataset(tmp_path / "cls", "imagefolder"))
    state = _turn(ConversationState(), "yolov8n", model_name="yolov8n")
    state = _turn(state, path, dataset_path=path)
    reply = state.messages[-1].text
    assert state.step == "dataset" and "class labels only" in reply
    assert "image classification: resnet18" in reply and "another dataset" in reply
    # Taking the first way out (a model that fits) moves on.
    state = _turn(state, "resnet18", model_name="resnet18")
    assert state.step == "hyperparameters"


def test_segmentation_on_boxes_korean_reply_is_korean_all_through(tmp_path: Path) -> None:
    path = str(ultralytics_yolo(tmp_path / "d", "boxes"))
    state = _turn(ConversationState(), "yolo11n-seg로 해줘", model_name="yolo11n-seg")
    state = _turn(state, f"데이터는 {path}", dataset_path=path)
    reply = state.messages[-1].text
    assert state.step == "dataset" and "문제" in reply and "객체 탐지: yolo11n" in reply
    for english in ("The labels", "Problem", "instance_segmentation", "object_detection", "pick"):
        assert english not in reply, reply


def test_roboflow_coco_umbrella_category_is_not_a_class(tmp_path: Path) -> None:
    report = inspect_dataset(roboflow_coco(tmp_path / "rf"))
    assert report.format == "coco" and report.num_classes == 2
    assert report.class_names == ("head", "helmet")
    assert "empty_class" not in {problem.code for problem in report.problems}


def test_a_used_parent_category_still_counts(tmp_path: Path) -> None:
    import json

    root = roboflow_coco(tmp_path / "rf")
    for split in ("train", "valid", "test"):
        file = root / split / "_annotations.coco.json"
        data = json.loads(file.read_text())
        data["annotations"].append(dict(data["annotations"][0], id=99, category_id=0))
        file.write_text(json.dumps(data))
    assert inspect_dataset(root).num_classes == 3


def test_vocdevkit_folder_is_recognised_as_voc(tmp_path: Path) -> None:
    report = inspect_dataset(vocdevkit(tmp_path))
    assert report.format == "voc" and report.num_classes == 2
    assert {split.name for split in report.splits} == {"train", "val"}
    assert inspect_dataset(tmp_path).format == "voc"  # the folder holding VOCdevkit/ too


def test_obb_rows_also_train_segmentation(tmp_path: Path) -> None:
    report = inspect_dataset(ultralytics_yolo(tmp_path / "o", "obb"))
    assert report.label_kinds == ("obb",)
    assert (
        check_compatibility("ultralytics", "instance_segmentation", "yolo", report.label_kinds)
        is None
    )


def test_an_uninspected_dataset_is_judged_by_format_only() -> None:
    assert check_compatibility("ultralytics", "pose_estimation", "yolo", None) is None
    config = TrainingConfig(model_name="yolo11n-pose", framework="ultralytics",
                            task_type="pose_estimation", dataset_path="/elsewhere/x",
                            dataset_format="yolo")  # fmt: skip
    from graph.steps import rules

    assert rules.dataset_problem(config, "en", None) is None
