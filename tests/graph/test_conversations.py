"""Multi-turn conversations, English and Korean, through the compiled graph and offline parser.

Each row is a conversation: a list of turns, each with the step expected after it, config values
that must hold (``None`` means "must be unset"), and fragments the reply must (and must not)
contain. ``{imagefolder}``, ``{yolo}``, ``{coco}``, ``{voc}``, ``{broken_yolo}`` are real sample
datasets written for this module; ``{missing}`` is a path that does not exist here.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from graph.build import build_graph
from graph.datasets.samples import make_sample_dataset


@dataclass(frozen=True)
class T:
    """One user turn and what must be true after it."""

    text: str
    step: str | None = None
    has: Mapping[str, Any] = field(default_factory=dict)
    says: tuple[str, ...] = ()
    not_says: tuple[str, ...] = ()
    unchanged: bool = False
    """The config must equal the config before this turn."""
    job: bool | None = None
    """Whether ``out["job"]`` must be a built job (True) or None (False)."""


@dataclass(frozen=True)
class C:
    """A conversation."""

    name: str
    turns: tuple[T, ...]


def conv(name: str, *turns: T) -> C:
    return C(name, turns)


RESNET = {"model_name": "resnet18", "framework": "timm", "task_type": "image_classification"}
YOLO = {"model_name": "yolov8n", "framework": "ultralytics", "task_type": "object_detection"}
FULL_TIMM = "train resnet18 on {imagefolder} for 10 epochs, batch 32, lr 0.001"
FULL_YOLO = "yolov8n on {yolo}, epochs=5 batch_size 8 lr 0.01"

CONVERSATIONS: tuple[C, ...] = (
    # --- asking for the next slot, with a reason ---------------------------------------------
    conv("model then ask dataset", T("train resnet18 for classification", "dataset", RESNET, ("dataset", "format"))),
    conv("dataset then ask epochs", T("resnet18"), T("{imagefolder}", "hyperparameters", {"dataset_format": "imagefolder"}, ("epochs",))),
    conv("epochs then ask batch", T("yolov8n"), T("{yolo}"), T("10 epochs", "hyperparameters", {"epochs": 10}, ("batch size",))),
    conv("batch then ask lr", T("yolov8n"), T("{yolo}"), T("10 epochs"), T("batch 32", "hyperparameters", {"batch_size": 32}, ("learning rate",))),
    conv("empty first turn asks model", T("hello there", "select_model", {"model_name": None}, ("Which model",))),
    # --- model names -------------------------------------------------------------------------
    conv("ResNet18", T("ResNet18", "dataset", RESNET)),
    conv("resnet-18", T("use resnet-18", "dataset", RESNET)),
    conv("ResNet 18", T("train ResNet 18", "dataset", RESNET)),
    conv("EfficientNet B0", T("EfficientNet B0 please", "dataset", {"model_name": "efficientnet_b0", "framework": "timm"})),
    conv("YOLOv8n", T("YOLOv8n", "dataset", YOLO)),
    conv("yolo11n-seg", T("yolo11n-seg", "dataset", {"model_name": "yolo11n-seg", "task_type": "instance_segmentation"})),
    conv("typo is not set", T("resnat18", "select_model", {"model_name": None}, ("resnat18", "Did you mean resnet18"))),
    conv("typo after a model keeps it", T("yolov8n"), T("resnat18", "dataset", YOLO, ("Did you mean resnet18",), unchanged=True)),
    # --- several slots in one message --------------------------------------------------------
    conv("everything at once lands on confirm", T(FULL_TIMM, "confirm", {**RESNET, "epochs": 10, "batch_size": 32, "learning_rate": 0.001, "num_classes": 3}, ("Configuration:", "Shall I start"))),
    conv("yolo everything at once", T(FULL_YOLO, "confirm", {**YOLO, "dataset_format": "yolo", "epochs": 5, "batch_size": 8})),
    conv("three hyperparameters in one turn", T("yolov8n"), T("{yolo}"), T("epochs=10 batch_size 16 lr 3e-4", "confirm", {"epochs": 10, "batch_size": 16, "learning_rate": 0.0003})),
    # issue #10 point 7: the summary lists what is set and one line for the defaults (was one "(not set)" line per field)
    conv("summary lists what is set", T(FULL_TIMM, "confirm", says=("model: resnet18", "dataset format: imagefolder", "task: image classification", "Everything else uses the timm defaults"), not_says=("(not set)", "optimizer:", "image_classification"))),
    # --- any slot at any step ----------------------------------------------------------------
    conv("hyperparameters before the model", T("10 epochs", "select_model", {"epochs": 10}), T("resnet18", "dataset", {**RESNET, "epochs": 10})),
    conv("dataset before the model", T("{yolo}", "select_model", {"dataset_format": "yolo"}), T("yolov8n", "hyperparameters", {**YOLO, "dataset_format": "yolo"})),
    conv("task before the model", T("for segmentation", "select_model", {"task_type": "instance_segmentation"}, ("For instance segmentation: yolo11n-seg",)), T("yolo11n-seg", "dataset", {"task_type": "instance_segmentation"})),
    conv("model overrides an earlier task", T("for segmentation"), T("resnet18", "dataset", RESNET, ("image classification",))),
    conv("optimizer at the model step", T("optimizer adamw, weight decay 0.05", "select_model", {"optimizer": "adamw", "weight_decay": 0.05})),
    # --- corrections -------------------------------------------------------------------------
    conv("correct the model keeps the rest", T(FULL_TIMM), T("actually use efficientnet_b0", "confirm", {"model_name": "efficientnet_b0", "epochs": 10, "batch_size": 32, "dataset_format": "imagefolder"})),
    # issue #10 point 6: a model/dataset misfit holds the flow at the dataset step (was: carried on to confirm)
    conv("switch to a detector is flagged", T(FULL_TIMM), T("actually use yolov8n", "dataset", {**YOLO, "dataset_format": "imagefolder", "epochs": 10}, ("Problem", "imagefolder", "resnet18", "another dataset"))),
    conv("flagged job cannot be confirmed", T(FULL_TIMM), T("actually use yolov8n"), T("yes", "dataset", says=("can't start",), job=False)),
    conv("correct epochs", T("yolov8n"), T("10 epochs"), T("no wait, 20 epochs", "dataset", {"epochs": 20})),
    conv("correct the dataset re-inspects", T("yolov8n"), T("{imagefolder}", has={"dataset_format": "imagefolder"}, says=("Problem",)), T("{yolo}", "hyperparameters", {"dataset_format": "yolo"})),
    conv("framework follows the model, not the user", T("resnet18"), T("framework ultralytics", "dataset", RESNET, ("timm model",), unchanged=True)),
    # issue #10 point 7: tasks and fields in words (was: the identifiers image_classification, learning_rate)
    conv("task must match the model", T("resnet18 for detection", "dataset", RESNET, ("resnet18 does image classification", "For object detection: yolo11n"))),
    conv("switching framework drops an invalid image size", T("resnet18"), T("image size 100", has={"image_size": 100}), T("yolov8n", has={**YOLO, "image_size": None}, says=("Cleared image size (100)", "multiple of 32"))),
    conv("switching framework keeps a valid image size", T("resnet18"), T("image size 224"), T("yolov8n", has={**YOLO, "image_size": 224})),
    # --- refusals keep the previous value ----------------------------------------------------
    conv("epochs 0 refused", T("yolov8n"), T("10 epochs"), T("epochs 0", "dataset", {"epochs": 10}, ("epochs", "Keeping the previous value (10)"), unchanged=True)),
    conv("epochs -5 refused", T("epochs -5", "select_model", {"epochs": None}, ("-5",), unchanged=True)),
    conv("lr 5 refused", T("lr 0.001"), T("lr 5", has={"learning_rate": 0.001}, says=("learning rate", "0.001"), not_says=("learning_rate",), unchanged=True)),
    conv("image size not multiple of 32 for yolo", T("yolov8n"), T("image size 100", has={"image_size": None}, says=("multiple of 32",))),
    conv("one bad one good in a message", T("yolov8n"), T("epochs 0, batch 16", has={"epochs": None, "batch_size": 16}, says=("batch size 16",))),
    conv("timm optimizer name", T("resnet18"), T("optimizer adamw", has={"optimizer": "adamw"})),
    conv("optimizer renamed for ultralytics", T("optimizer adamw"), T("yolov8n", has={**YOLO, "optimizer": "AdamW"})),
    # --- defaults ----------------------------------------------------------------------------
    conv("timm defaults", T("resnet18"), T("{imagefolder}"), T("use the defaults", "confirm", {"epochs": 300, "batch_size": 128, "optimizer": "sgd"}, ("timm defaults",))),
    conv("ultralytics defaults", T("yolov8n"), T("{yolo}"), T("use the defaults", "confirm", {"epochs": 100, "batch_size": 16, "learning_rate": 0.01, "image_size": 640})),
    conv("defaults keep the user's values", T("yolov8n"), T("20 epochs"), T("use the defaults", has={"epochs": 20, "batch_size": 16}, says=("Kept your own epochs 20",))),
    conv("defaults need a model", T("use the defaults", "select_model", {"epochs": None}, ("need the model first",), unchanged=True)),
    conv("model and defaults in one message", T("yolov8n with the default hyperparameters", "dataset", {**YOLO, "epochs": 100})),
    # --- undo --------------------------------------------------------------------------------
    conv("undo the last change", T("resnet18"), T("10 epochs"), T("undo", "dataset", {**RESNET, "epochs": None}, ("Undone",))),
    conv("undo twice", T("resnet18"), T("10 epochs"), T("batch 8"), T("undo", has={"batch_size": None, "epochs": 10}), T("undo", has={"epochs": None, "model_name": "resnet18"})),
    conv("nothing to undo", T("undo", "select_model", says=("nothing to undo",), unchanged=True)),
    conv("undo a correction", T("resnet18"), T("actually use efficientnet_b0"), T("undo", has=RESNET)),
    conv("undo skips questions", T("resnet18"), T("10 epochs"), T("what's left?", unchanged=True), T("undo", has={"epochs": None})),
    conv("undo a refused value changes the earlier one", T("10 epochs"), T("20 epochs"), T("epochs 0", unchanged=True), T("undo", has={"epochs": 10})),
    # --- start over --------------------------------------------------------------------------
    conv("start over empties", T(FULL_TIMM), T("start over", "select_model", {"model_name": None, "epochs": None, "dataset_path": None}, ("Started over",))),
    conv("undo after start over restores", T("yolov8n"), T("10 epochs"), T("start over", has={"model_name": None}), T("undo", "dataset", {**YOLO, "epochs": 10})),
    # --- questions change nothing ------------------------------------------------------------
    conv("what does batch size mean", T("yolov8n"), T("what does batch size mean?", "dataset", says=("images", "Defaults"), unchanged=True)),
    conv("what's left", T("yolov8n"), T("what's left?", "dataset", says=("Still needed", "dataset path", "epochs"), unchanged=True)),
    conv("a turn at confirm that changes nothing only asks again", T(FULL_TIMM), T("resnat18", "confirm", says=("Did you mean resnet18", "Shall I start"), not_says=("Configuration:",), unchanged=True)),
    conv("nothing left", T(FULL_TIMM), T("what's left?", "confirm", says=("Everything required is set",), unchanged=True)),
    conv("help", T("resnet18"), T("help", "dataset", says=("undo", "start over"), unchanged=True)),
    conv("models for segmentation", T("what models do you have for segmentation?", "select_model", {"model_name": None}, ("seg",), unchanged=True)),
    conv("something small for detection", T("something small for detection", "select_model", says=("yolo",), unchanged=True)),
    conv("tell me about resnet50", T("yolov8n"), T("tell me about resnet50", "dataset", YOLO, ("resnet50 is a timm", "Licence"), unchanged=True)),
    conv("compare two models", T("compare resnet18 and efficientnet_b0", says=("model ", "resnet18", "efficientnet_b0", "11.69 M"), unchanged=True)),
    conv("recommend a model", T("recommend a model for 500 images of 3 classes", "select_model", says=("suggest",), unchanged=True)),
    # --- confirmation ------------------------------------------------------------------------
    conv("yes confirms", T(FULL_TIMM), T("yes", "done", says=("Confirmed", "train.py", "--num-classes 3"), job=True)),
    conv("ok confirms", T(FULL_YOLO), T("ok", "done", says=("yolo detect train",), job=True)),
    conv("start confirms", T(FULL_YOLO), T("start", "done", job=True)),
    conv("no keeps it editable", T(FULL_TIMM), T("no", "confirm", says=("what to change",), unchanged=True, job=False), T("20 epochs", "confirm", {"epochs": 20})),
    conv("a change at confirm stays at confirm", T(FULL_TIMM), T("yes but 20 epochs", "confirm", {"epochs": 20}, job=False)),
    conv("yes before everything is set", T("resnet18"), T("yes", "dataset", says=("Not ready", "dataset path"), job=False)),
    conv("done is frozen", T(FULL_TIMM), T("yes"), T("epochs 5", "done", {"epochs": 10}, ("frozen", "new"), unchanged=True, job=True)),
    conv("new after done starts fresh", T(FULL_TIMM), T("yes"), T("new", "select_model", {"model_name": None, "epochs": None}, ("new configuration",), job=False)),
    conv("start over after done", T(FULL_YOLO), T("ok"), T("start over", "select_model", {"model_name": None}, job=False)),
    conv("undo after done is refused", T(FULL_YOLO), T("ok"), T("undo", "done", YOLO, ("frozen",), unchanged=True)),
    # --- datasets ----------------------------------------------------------------------------
    conv("path not found is kept after saying so", T("yolov8n"), T("{missing}", "hyperparameters", {"dataset_path": "{missing}", "dataset_format": None}, ("not found on this machine",))),
    conv("windows backslash path", T("yolov8n"), T(r"C:\datasets\cls\imagenet-10", "hyperparameters", {"dataset_path": r"C:\datasets\cls\imagenet-10"}, ("not found",))),
    conv("windows forward slash path", T("yolov8n"), T("C:/datasets/coco8", has={"dataset_path": "C:/datasets/coco8"})),
    conv("quoted path with spaces", T("yolov8n"), T('"C:/my data/set one"', has={"dataset_path": "C:/my data/set one"})),
    conv("timm on another machine asks for classes", T("resnet18"), T("{missing}", "dataset", says=("How many classes",)), T("5 classes", "hyperparameters", {"num_classes": 5})),
    conv("num classes must match the dataset", T("resnet18"), T("{imagefolder}"), T("7 classes", has={"num_classes": 3}, says=("3 classes",))),
    conv("coco for yolo is accepted with a note", T("yolov8n"), T("{coco}", "hyperparameters", {"dataset_format": "coco"}, ("Note",))),
    conv("voc for yolo is accepted with a note", T("yolov8n"), T("{voc}", "hyperparameters", {"dataset_format": "voc"}, ("Note",))),
    conv("broken dataset shows its problems", T("yolov8n"), T("{broken_yolo}", "hyperparameters", {"dataset_format": "yolo"}, ("error",))),
    # --- Korean ------------------------------------------------------------------------------
    conv("ko model", T("resnet18로 학습해줘", "dataset", RESNET, ("데이터셋",))),
    conv("ko hyperparameters", T("yolov8n으로 할게요"), T("{yolo}"), T("에폭 10", has={"epochs": 10}, says=("배치 크기",)), T("배치 크기 64", has={"batch_size": 64}), T("학습률 0.0005", "confirm", {"learning_rate": 0.0005}, ("설정 요약", "시작할까요"))),
    conv("ko epochs spelled 에포크", T("에포크 20", "select_model", {"epochs": 20}, ("모델",))),
    conv("ko defaults", T("yolov8n"), T("{yolo}"), T("기본값으로 해줘", "confirm", {"epochs": 100}, ("기본값",))),
    conv("ko built-in datasets is not defaults", T("yolov8n"), T("기본 데이터셋 보여줘", "dataset", {"epochs": None}, unchanged=True)),
    conv("ko undo", T("resnet18"), T("에폭 10"), T("되돌려", has={"epochs": None}, says=("되돌렸습니다",))),
    conv("ko reset", T("resnet18"), T("처음부터 다시", "select_model", {"model_name": None}, ("처음부터",))),
    conv("ko 네 confirms", T(FULL_TIMM), T("네", "done", says=("확정",), job=True)),
    conv("ko 예 confirms", T(FULL_YOLO), T("예", "done", job=True)),
    conv("ko 응 confirms", T(FULL_YOLO), T("응", "done", job=True)),
    conv("ko decline", T(FULL_TIMM), T("아니요", "confirm", says=("무엇을 바꿀지",), unchanged=True)),
    conv("ko path with particle", T("yolov8n"), T("{yolo}로", "hyperparameters", {"dataset_path": "{yolo}", "dataset_format": "yolo"})),
    conv("ko path then 입니다", T("yolov8n"), T("데이터는 {yolo}입니다", has={"dataset_path": "{yolo}"})),
    conv("ko help", T("도움말", says=("되돌리기",), unchanged=True)),
    conv("ko remaining", T("yolov8n"), T("뭐가 남았어?", "dataset", says=("아직 필요한 항목",), unchanged=True)),
    conv("ko explain", T("배치 크기가 뭐야?", says=("이미지 수",), unchanged=True)),
    conv("ko refusal keeps the value", T("에폭 10"), T("에폭 0", has={"epochs": 10}, says=("유지",), unchanged=True)),
    conv("ko frozen then 새로", T(FULL_YOLO), T("네"), T("에폭 3", "done", says=("고정",), unchanged=True), T("새로", "select_model", {"model_name": None}, ("새 설정",))),
    conv("language follows the user", T("resnet18", says=("dataset",)), T("에폭 10", says=("에폭",)), T("batch 32", says=("Set batch size 32",))),
    conv("a bare path keeps korean", T("yolov8n으로 할게요"), T("{yolo}", says=("데이터셋",))),
)  # fmt: skip


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("samples")
    paths = {
        name: str(make_sample_dataset(root / name, name))
        for name in ("imagefolder", "yolo", "coco", "voc")
    }
    broken = make_sample_dataset(root / "broken", "yolo", broken=("missing_label",))
    paths["broken_yolo"] = str(broken)
    paths["missing"] = str(Path(root) / "not-here" / "imagenet-10")
    return paths


@pytest.fixture(scope="module")
def graph() -> Any:
    return build_graph(InMemorySaver())


_ids = itertools.count()


def fill(value: Any, samples: Mapping[str, str]) -> Any:
    return value.format(**samples) if isinstance(value, str) else value


def test_there_are_at_least_sixty_conversations_in_both_languages() -> None:
    assert len(CONVERSATIONS) >= 60
    korean = [c for c in CONVERSATIONS if any(ord(ch) > 0x3000 for t in c.turns for ch in t.text)]
    assert len(korean) >= 15
    assert len({c.name for c in CONVERSATIONS}) == len(CONVERSATIONS)


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=lambda c: c.name)
def test_conversation(conversation: C, graph: Any, samples: dict[str, str]) -> None:
    config = {"configurable": {"thread_id": f"{conversation.name}-{next(_ids)}"}}
    before = None
    for number, turn in enumerate(conversation.turns, start=1):
        text = fill(turn.text, samples)
        out = graph.invoke({"messages": [{"role": "user", "content": text}]}, config)
        reply = out["messages"][-1].content
        where = f"turn {number} {text!r} -> {reply!r}"
        if turn.step is not None:
            assert out["step"] == turn.step, where
        for name, value in turn.has.items():
            assert getattr(out["config"], name) == fill(value, samples), f"{name}: {where}"
        for fragment in turn.says:
            assert fill(fragment, samples) in reply, f"missing {fragment!r}: {where}"
        for fragment in turn.not_says:
            assert fill(fragment, samples) not in reply, f"unexpected {fragment!r}: {where}"
        if turn.unchanged:
            assert before is not None or not out["config"].filled(), where
            if before is not None:
                assert out["config"] == before, where
        if turn.job is not None:
            assert (out.get("job") is not None) == turn.job, where
        before = out["config"]
