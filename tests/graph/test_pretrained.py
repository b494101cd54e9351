"""The ``pretrained`` and ``weights`` slots: phrases, validation, summary, job and command line.

"from scratch" and "처음부터 학습" choose random weights, while "start over", "start from scratch"
and "처음부터 다시" keep meaning reset; a local weights file is taken as given and reaches the
command line in each framework's own spelling.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from graph.build import build_graph
from graph.config import HYPERPARAMETER_FIELDS, TrainingConfig
from graph.job import build_job
from graph.understanding import parse_message

NO = [
    "train from scratch",
    "resnet18 from scratch please",
    "no pretrained weights",
    "without pretraining",
    "don't use pretrained weights",
    "pretrained=false",
    "randomly initialized weights",
    "사전학습 없이",
    "사전학습 없이 학습해줘",
    "사전 학습된 가중치 없이",
    "처음부터 학습",
    "처음부터 학습해줘",
]
YES = [
    "with pretrained weights",
    "use pretrained weights",
    "use the imagenet pretrained model",
    "pretrained: true",
    "사전학습 가중치로",
    "사전학습 가중치로 학습해줘",
]
RESET = [
    "start over",
    "start from scratch",
    "let's start over from scratch",
    "처음부터 다시",
    "처음부터",
]


@pytest.mark.parametrize("text", NO)
def test_from_scratch_phrases_set_pretrained_no(text: str) -> None:
    patch = parse_message(text)
    assert patch.intent == "set", text
    assert patch.changes.pretrained is False


@pytest.mark.parametrize("text", YES)
def test_pretrained_phrases_set_pretrained_yes(text: str) -> None:
    patch = parse_message(text)
    assert patch.intent == "set", text
    assert patch.changes.pretrained is True


@pytest.mark.parametrize("text", RESET)
def test_start_over_keeps_meaning_reset(text: str) -> None:
    patch = parse_message(text)
    assert patch.intent == "reset", text
    assert patch.changes.pretrained is None


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("use weights /runs/exp/weights/best.pt", "/runs/exp/weights/best.pt"),
        ("weights: ~/models/resnet.pth", "~/models/resnet.pth"),
        ("가중치 /runs/best.pt로 시작해줘", "/runs/best.pt"),
        ("start from C:\\runs\\last.pt", "C:\\runs\\last.pt"),
    ],
)
def test_a_weights_file_is_read_and_is_not_the_dataset(text: str, path: str) -> None:
    patch = parse_message(text)
    assert patch.changes.weights == path
    assert patch.changes.dataset_path is None


def test_weights_and_dataset_in_one_message() -> None:
    patch = parse_message("train yolov8n on /data/coco8 with weights /runs/best.pt, 3 epochs")
    stated = patch.changes.stated()
    assert stated["weights"] == "/runs/best.pt" and stated["dataset_path"] == "/data/coco8"
    assert stated["model_name"] == "yolov8n" and stated["epochs"] == 3


def test_a_model_file_name_is_still_a_model() -> None:
    assert parse_message("use yolov8n.pt").changes.stated() == {"model_name": "yolov8n"}


def test_pretrained_is_not_a_framework_hyperparameter() -> None:
    """It sits with the model fields, so defaults and range checks never touch it."""
    assert "pretrained" not in HYPERPARAMETER_FIELDS and "weights" not in HYPERPARAMETER_FIELDS
    fields = list(TrainingConfig.model_fields)
    assert fields.index("task_type") < fields.index("pretrained") < fields.index("dataset_path")


_threads = itertools.count()


def chat(*texts: str) -> dict[str, Any]:
    graph = build_graph(InMemorySaver())
    config = {"configurable": {"thread_id": f"pretrained-{next(_threads)}"}}
    out: dict[str, Any] = {}
    for text in texts:
        out = graph.invoke({"messages": [{"role": "user", "content": text}]}, config)
    return out


YOLO = "yolov8n on /nowhere/data, epochs=5 batch 8 lr 0.01"
TIMM = "resnet18 on /nowhere/images, 3 classes, 5 epochs, batch 8, lr 0.001"


def test_summary_shows_the_default_and_the_choice() -> None:
    default = chat(YOLO)["messages"][-1].content
    assert "- pretrained weights: yes (default)" in default
    scratch = chat(YOLO, "from scratch")
    assert scratch["config"].pretrained is False
    assert "- pretrained weights: no" in scratch["messages"][-1].content
    korean = chat(YOLO, "사전학습 없이")["messages"][-1].content
    assert "사전학습 가중치: 아니요" in korean


def test_from_scratch_then_undo_then_pretrained() -> None:
    out = chat(YOLO, "from scratch", "undo")
    assert out["config"].pretrained is None
    assert chat(YOLO, "from scratch", "with pretrained weights")["config"].pretrained is True


def test_a_model_without_pretrained_weights_refuses_pretrained_yes() -> None:
    out = chat("train starnet_s050 for classification", "with pretrained weights")
    assert out["config"].pretrained is False
    reply = out["messages"][-1].content
    assert "no pretrained weights" in reply and "Keeping no." in reply


def test_a_model_without_pretrained_weights_trains_from_scratch_until_another_is_chosen() -> None:
    out = chat("train starnet_s050 for classification")
    assert out["config"].pretrained is False
    assert (
        chat("train starnet_s050 for classification", "use resnet18")["config"].pretrained is None
    )
    kept = chat("resnet18", "from scratch", "use resnet50")["config"]
    assert kept.pretrained is False  # the user's own choice survives a model change


def test_a_new_model_drops_the_old_models_weights_file() -> None:
    out = chat(YOLO, "use weights /runs/best.pt", "use yolo11n")
    assert out["config"].weights is None and out["config"].model_name == "yolo11n"
    assert "No longer starting from /runs/best.pt" in out["messages"][-1].content
    same = chat("yolov8n with weights /runs/best.pt on /nowhere/data")["config"]
    assert same.weights == "/runs/best.pt" and same.model_name == "yolov8n"


def test_weights_file_is_kept_with_a_warning_when_not_here() -> None:
    out = chat(YOLO, "use weights /nowhere/runs/best.pt")
    assert out["config"].weights == "/nowhere/runs/best.pt"
    assert "was not found on this machine" in out["messages"][-1].content


def test_ultralytics_refuses_a_weights_file_it_cannot_load() -> None:
    out = chat(YOLO, "use weights /runs/best.pt", "use weights /runs/model.safetensors")
    assert out["config"].weights == "/runs/best.pt"
    reply = out["messages"][-1].content
    assert "not a weights file ultralytics can load" in reply and "Keeping /runs/best.pt" in reply


def test_from_scratch_after_a_weights_file_drops_the_file() -> None:
    out = chat(YOLO, "use weights /runs/best.pt", "train from scratch")
    assert out["config"].weights is None and out["config"].pretrained is False
    assert "No longer starting from /runs/best.pt" in out["messages"][-1].content


def test_from_scratch_reaches_the_confirmed_job() -> None:
    out = chat(YOLO, "from scratch", "yes")
    assert out["step"] == "done"
    assert "model=yolov8n.yaml" in out["job"].command and "pretrained=False" in out["job"].command


def _config(framework: str, **changes: Any) -> TrainingConfig:
    if framework == "timm":
        base = TrainingConfig(
            framework="timm", model_name="resnet18", task_type="image_classification",
            dataset_path="/d", num_classes=3, epochs=1, batch_size=2, learning_rate=0.01,
        )  # fmt: skip
    else:
        base = TrainingConfig(
            framework="ultralytics", model_name="yolov8n", task_type="object_detection",
            dataset_path="/d", epochs=1, batch_size=2, learning_rate=0.01,
        )  # fmt: skip
    return base.patch(**changes)


@pytest.mark.parametrize(
    ("changes", "present", "absent"),
    [
        ({}, ("--pretrained",), ("--pretrained-path",)),
        ({"pretrained": True}, ("--pretrained",), ()),
        ({"pretrained": False}, (), ("--pretrained",)),
        ({"weights": "/w/a.pth"}, ("--pretrained", "--pretrained-path", "/w/a.pth"), ()),
    ],
)
def test_timm_command(
    changes: dict[str, Any], present: tuple[str, ...], absent: tuple[str, ...]
) -> None:
    command = build_job(_config("timm", **changes)).command
    for part in present:
        assert part in command
    for part in absent:
        assert part not in command


@pytest.mark.parametrize(
    ("changes", "model", "pretrained_key"),
    [
        ({}, "model=yolov8n.pt", False),
        ({"pretrained": True}, "model=yolov8n.pt", False),
        ({"pretrained": False}, "model=yolov8n.yaml", True),
        ({"weights": "/w/best.pt"}, "model=/w/best.pt", False),
    ],
)
def test_ultralytics_command(changes: dict[str, Any], model: str, pretrained_key: bool) -> None:
    job = build_job(_config("ultralytics", **changes))
    assert model in job.command
    assert ("pretrained=False" in job.command) is pretrained_key
    assert ("pretrained: false" in job.ultralytics_yaml()) is pretrained_key


def test_job_document_round_trips_the_new_fields() -> None:
    job = build_job(_config("timm", pretrained=False))
    again = type(job).from_json(job.to_json())
    assert again.config.pretrained is False and again.config.weights is None
    assert "pretrained: false" in job.to_yaml()
