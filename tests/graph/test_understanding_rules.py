"""The offline parser, row by row: every phrasing the issue names, in English and Korean.

Each row is (message, intent, the exact changes expected, other TurnPatch fields expected).
``changes`` is compared exactly, so a row also proves nothing *else* was read — "imagenet-10" is
not ten epochs and "yolov8n" is not batch 8.
"""

from __future__ import annotations

from typing import Any

import pytest

from graph.config import TrainingConfig
from graph.patch import Ambiguity, RelativeChange
from graph.understanding import parse_message

WIN_CLS = r"C:\datasets\cls\imagenet-10"

ROWS: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    # --- model names ---------------------------------------------------------------------
    ("ResNet18", "set", {"model_name": "resnet18"}, {}),
    ("resnet-18", "set", {"model_name": "resnet18"}, {}),
    ("ResNet 18", "set", {"model_name": "resnet18"}, {}),
    ("EfficientNet B0", "set", {"model_name": "efficientnet_b0"}, {}),
    ("YOLOv8n", "set", {"model_name": "yolov8n"}, {}),
    ("yolo11n-seg", "set", {"model_name": "yolo11n-seg"}, {}),
    ("resnat18", "set", {}, {"unrecognised_model": "resnat18", "model_suggestions": ("resnet18",)}),
    ("actually use efficientnet_b0", "set", {"model_name": "efficientnet_b0"}, {}),
    ("switch from resnet18 to efficientnet_b0", "set", {"model_name": "efficientnet_b0"}, {}),
    (
        "resnet18 말고 efficientnet_b0로 해줘",
        "set",
        {"model_name": "efficientnet_b0"},
        {"language": "ko"},
    ),
    ("yolov8n으로 할게요", "set", {"model_name": "yolov8n"}, {"language": "ko"}),
    ("yolo v8 n", "set", {"model_name": "yolov8n"}, {}),
    (
        "train resnet18 for classification",
        "set",
        {"model_name": "resnet18", "task_type": "image_classification"},
        {},
    ),
    ("yolov8n for 10 epochs", "set", {"model_name": "yolov8n", "epochs": 10}, {}),
    # --- dataset paths -------------------------------------------------------------------
    (WIN_CLS, "set", {"dataset_path": WIN_CLS}, {}),
    ("my data is at C:/datasets/coco8.", "set", {"dataset_path": "C:/datasets/coco8"}, {}),
    ("dataset: /data/imagenet-10", "set", {"dataset_path": "/data/imagenet-10"}, {}),
    ("~/datasets/cats", "set", {"dataset_path": "~/datasets/cats"}, {}),
    (
        'use "/mnt/My Data/cats and dogs" please',
        "set",
        {"dataset_path": "/mnt/My Data/cats and dogs"},
        {},
    ),
    ("'C:/My Datasets/flowers'", "set", {"dataset_path": "C:/My Datasets/flowers"}, {}),
    ("/data/imagenet-10로 해줘", "set", {"dataset_path": "/data/imagenet-10"}, {"language": "ko"}),
    ("/data/imagenet-10 입니다", "set", {"dataset_path": "/data/imagenet-10"}, {"language": "ko"}),
    ("데이터는 /data/imagenet-10입니다", "set", {"dataset_path": "/data/imagenet-10"}, {}),
    ("데이터셋은 C:/datasets/coco8에 있어요", "set", {"dataset_path": "C:/datasets/coco8"}, {}),
    ("/home/kim/data으로", "set", {"dataset_path": "/home/kim/data"}, {}),
    ("데이터 경로는 ~/imgs/cls이에요", "set", {"dataset_path": "~/imgs/cls"}, {}),
    (WIN_CLS + "로 학습할게요", "set", {"dataset_path": WIN_CLS}, {"language": "ko"}),
    ("/data/고양이로 해줘", "set", {"dataset_path": "/data/고양이"}, {}),
    ("dataset at data/cats", "set", {"dataset_path": "data/cats"}, {}),
    ("coco8.yaml", "set", {"dataset_path": "coco8.yaml"}, {}),
    (
        "resnet18 on /data/imagenet-10 for 5 epochs",
        "set",
        {"model_name": "resnet18", "dataset_path": "/data/imagenet-10", "epochs": 5},
        {},
    ),
    # --- numbers -------------------------------------------------------------------------
    ("10 epochs", "set", {"epochs": 10}, {}),
    ("epochs=10", "set", {"epochs": 10}, {}),
    ("epochs: 10", "set", {"epochs": 10}, {}),
    ("에폭 10", "set", {"epochs": 10}, {"language": "ko"}),
    ("에포크 20", "set", {"epochs": 20}, {}),
    ("20 에폭", "set", {"epochs": 20}, {}),
    ("에폭은 30으로 해줘", "set", {"epochs": 30}, {}),
    ("batch 32", "set", {"batch_size": 32}, {}),
    ("batch_size 16", "set", {"batch_size": 16}, {}),
    ("배치 크기 64", "set", {"batch_size": 64}, {}),
    ("배치 64", "set", {"batch_size": 64}, {}),
    ("a batch size of 32", "set", {"batch_size": 32}, {}),
    ("lr 3e-4", "set", {"learning_rate": 3e-4}, {}),
    ("learning rate 0.001", "set", {"learning_rate": 0.001}, {}),
    ("학습률 0.0005", "set", {"learning_rate": 0.0005}, {}),
    ("learning rate of 1e-3", "set", {"learning_rate": 1e-3}, {}),
    ("학습률을 3e-4로 바꿔줘", "set", {"learning_rate": 3e-4}, {}),
    ("adamw optimizer", "set", {"optimizer": "adamw"}, {}),
    ("optimizer: sgd", "set", {"optimizer": "sgd"}, {}),
    ("image size 640", "set", {"image_size": 640}, {}),
    ("imgsz=640", "set", {"image_size": 640}, {}),
    ("weight decay 5e-4", "set", {"weight_decay": 5e-4}, {}),
    ("momentum 0.9", "set", {"momentum": 0.9}, {}),
    ("seed 42", "set", {"seed": 42}, {}),
    ("patience 20", "set", {"patience": 20}, {}),
    ("cosine scheduler", "set", {"scheduler": "cosine"}, {}),
    ("scheduler step", "set", {"scheduler": "step"}, {}),
    ("warmup epochs 3 and 50 epochs", "set", {"warmup_epochs": 3.0, "epochs": 50}, {}),
    ("3 classes", "set", {"num_classes": 3}, {}),
    ("클래스 5개", "set", {"num_classes": 5}, {}),
    ("epochs 10 batch 32", "set", {"epochs": 10, "batch_size": 32}, {}),
    ("train 1,000 epochs", "set", {"epochs": 1000}, {}),
    (
        "set the learning rate to 0.01 and train for 30 epochs",
        "set",
        {"learning_rate": 0.01, "epochs": 30},
        {},
    ),
    (
        "에폭은 10, 배치 크기는 32, 학습률은 0.001로 해주세요",
        "set",
        {"epochs": 10, "batch_size": 32, "learning_rate": 0.001},
        {"language": "ko"},
    ),
    # absurd values are passed through for the graph to refuse
    ("epochs -5", "set", {"epochs": -5}, {}),
    ("epochs 0", "set", {"epochs": 0}, {}),
    ("lr 5", "set", {"learning_rate": 5.0}, {}),
    ("batch size 99999999", "set", {"batch_size": 99999999}, {}),
    ("epochs 10.5", "set", {}, {}),  # a fractional count is not guessed
    ("lr 1e999", "set", {}, {}),  # not representable
    # --- everything at once --------------------------------------------------------------
    (
        "yolov8n on C:/datasets/coco8 for 10 epochs, batch 16, lr 0.01, adamw optimizer, imgsz=640",
        "set",
        {
            "model_name": "yolov8n",
            "dataset_path": "C:/datasets/coco8",
            "epochs": 10,
            "batch_size": 16,
            "learning_rate": 0.01,
            "optimizer": "adamw",
            "image_size": 640,
        },
        {},
    ),
    # --- task, framework, format ---------------------------------------------------------
    ("classification", "set", {"task_type": "image_classification"}, {}),
    ("분류 작업이에요", "set", {"task_type": "image_classification"}, {}),
    ("object detection", "set", {"task_type": "object_detection"}, {}),
    ("탐지", "set", {"task_type": "object_detection"}, {}),
    ("객체 검출", "set", {"task_type": "object_detection"}, {}),
    ("segmentation", "set", {"task_type": "instance_segmentation"}, {}),
    ("분할", "set", {"task_type": "instance_segmentation"}, {}),
    ("pose estimation", "set", {"task_type": "pose_estimation"}, {}),
    ("obb", "set", {"task_type": "oriented_detection"}, {}),
    ("oriented object detection", "set", {"task_type": "oriented_detection"}, {}),
    ("use timm", "set", {"framework": "timm"}, {}),
    ("it's in coco format", "set", {"dataset_format": "coco"}, {}),
    ("imagefolder", "set", {"dataset_format": "imagefolder"}, {}),
    ("YOLO 형식이에요", "set", {"dataset_format": "yolo"}, {"unrecognised_model": None}),
    ("labels are YOLO txt files", "set", {"dataset_format": "yolo"}, {}),
    ("pascal voc format", "set", {"dataset_format": "voc"}, {}),
    (
        "yolov8n with a yolo-format dataset at /data/x",
        "set",
        {"model_name": "yolov8n", "dataset_format": "yolo", "dataset_path": "/data/x"},
        {},
    ),
    ("use yolo", "set", {}, {"unrecognised_model": "yolo"}),  # a family: "which size?"
    # --- confirm / decline ---------------------------------------------------------------
    *[(word, "confirm", {}, {}) for word in ("yes", "y", "ok", "okay", "sure", "start", "go")],
    *[(word, "confirm", {}, {}) for word in ("confirm", "Yes!", "yes, start training")],
    *[(word, "confirm", {}, {"language": "ko"}) for word in ("네", "예", "응", "좋아요", "시작")],
    ("네, 시작해 주세요", "confirm", {}, {}),
    *[(word, "decline", {}, {}) for word in ("no", "nope", "not yet", "No.")],
    *[(word, "decline", {}, {"language": "ko"}) for word in ("아니요", "아니", "아니오")],
    ("yes, 20 epochs", "set", {"epochs": 20}, {}),  # values and yes: a set
    ("no, use resnet50", "set", {"model_name": "resnet50"}, {}),
    ("네 에폭 20으로", "set", {"epochs": 20}, {}),
    # --- undo / reset / defaults ---------------------------------------------------------
    ("undo", "undo", {}, {}),
    ("undo that", "undo", {}, {}),
    ("되돌려", "undo", {}, {}),
    ("취소", "undo", {}, {}),
    ("방금 거 취소해줘", "undo", {}, {}),
    ("취소하고 에폭 20으로 해줘", "set", {"epochs": 20}, {}),  # 취소 inside a bigger instruction
    ("에폭 설정 취소", "set", {}, {}),  # names a field: not a bare undo
    ("start over", "reset", {}, {}),
    ("reset", "reset", {}, {}),
    ("처음부터", "reset", {}, {}),
    ("초기화해줘", "reset", {}, {}),
    ("reset the learning rate to 0.01", "set", {"learning_rate": 0.01}, {}),
    ("start over with a new model", "reset", {}, {}),
    ("학습률 초기화", "set", {}, {}),
    ("use the defaults", "set", {}, {"use_defaults": True}),
    ("default hyperparameters please", "set", {}, {"use_defaults": True}),
    ("기본값", "set", {}, {"use_defaults": True}),
    ("기본값으로 해줘", "set", {}, {"use_defaults": True}),
    ("defaults but 20 epochs", "set", {"epochs": 20}, {"use_defaults": True}),
    ("기본 데이터셋으로", "set", {}, {"use_defaults": False}),
    # --- questions (never changes) -------------------------------------------------------
    (
        "what does batch size mean?",
        "question",
        {},
        {"question_topic": "explain", "question_subjects": ("batch_size",)},
    ),
    (
        "배치 크기가 뭐야?",
        "question",
        {},
        {"question_topic": "explain", "question_subjects": ("batch_size",)},
    ),
    ("what is the learning rate?", "question", {}, {"question_topic": "explain"}),
    ("what's left?", "question", {}, {"question_topic": "remaining"}),
    ("뭐가 남았어?", "question", {}, {"question_topic": "remaining"}),
    ("help", "question", {}, {"question_topic": "help"}),
    ("도움말", "question", {}, {"question_topic": "help"}),
    (
        "what models do you have for segmentation?",
        "question",
        {},
        {"question_topic": "models", "question_subjects": ("instance_segmentation",)},
    ),
    (
        "something small for detection",
        "question",
        {},
        {"question_topic": "models", "question_subjects": ("object_detection", "small")},
    ),
    (
        "tell me about resnet50",
        "question",
        {},
        {"question_topic": "model_info", "question_subjects": ("resnet50",)},
    ),
    ("resnet50에 대해 알려줘", "question", {}, {"question_topic": "model_info"}),
    (
        "compare resnet18 and efficientnet_b0",
        "question",
        {},
        {"question_topic": "compare", "question_subjects": ("resnet18", "efficientnet_b0")},
    ),
    (
        "recommend a model for 500 images of 3 classes",
        "question",
        {},
        {"question_topic": "recommend"},
    ),
    ("모델 추천해줘", "question", {}, {"question_topic": "recommend"}),
    (
        "객체 탐지용 작은 모델 있어?",
        "question",
        {},
        {"question_topic": "models", "question_subjects": ("object_detection", "small")},
    ),
    ("코코 형식이에요", "set", {"dataset_format": "coco"}, {}),
    ("아니요 배치를 64로 바꿔주세요", "set", {"batch_size": 64}, {}),
    ("모든 설정 초기화", "reset", {}, {}),
    ("이전 설정으로 되돌려줘", "undo", {}, {}),
    ("잠깐만요", "decline", {}, {}),
    ("기본 데이터셋 뭐 있어?", "question", {}, {"use_defaults": False}),
    ("is 3e-4 a good learning rate?", "question", {}, {}),
    ("can you set epochs to 10?", "set", {"epochs": 10}, {}),  # a request, not a question
    ("which is better, resnet18 or resnet50?", "question", {}, {"question_topic": "compare"}),
    # issue #10 point 5: "show the config" lists every value (was the missing-only "remaining")
    ("show me the config", "question", {}, {"question_topic": "show_config"}),
    ("현재 설정 보여줘", "question", {}, {"question_topic": "show_config"}),
    # --- more phrasings people use ---------------------------------------------------------
    ("train for fifty epochs", "set", {"epochs": 50}, {}),
    ("twenty five epochs", "set", {"epochs": 25}, {}),
    ("batch size of sixty-four", "set", {"batch_size": 64}, {}),
    ("에폭 수는 100", "set", {"epochs": 100}, {}),
    ("배치 사이즈 32", "set", {"batch_size": 32}, {}),
    ("옵티마이저는 AdamW로", "set", {"optimizer": "adamw"}, {}),
    ("스케줄러는 코사인", "set", {"scheduler": "cosine"}, {}),
    ("lr=1e-4, bs=64", "set", {"learning_rate": 1e-4, "batch_size": 64}, {}),
    (
        "use SGD with momentum 0.9 and weight decay 1e-4",
        "set",
        {"optimizer": "sgd", "momentum": 0.9, "weight_decay": 1e-4},
        {},
    ),
    ("data is in ./data/train", "set", {"dataset_path": "./data/train"}, {}),
    ("Sounds good!", "confirm", {}, {}),
    ("👍", "confirm", {}, {}),
    ("let's do it", "confirm", {}, {}),
    ("아직이요", "decline", {}, {}),
    ("good morning", "set", {}, {}),
    (
        "use yolov8n model for detection",
        "set",
        {"model_name": "yolov8n", "task_type": "object_detection"},
        {},
    ),
    ("I want a model for detection", "set", {"task_type": "object_detection"}, {}),
    ("a model for segmentation?", "question", {}, {"question_topic": "models"}),
    ("how about efficientnet_b0?", "set", {"model_name": "efficientnet_b0"}, {}),
    (
        "batch size?",
        "question",
        {},
        {"question_topic": "explain", "question_subjects": ("batch_size",)},
    ),
    ("epochs 10?", "set", {"epochs": 10}, {}),
    ("I don't know what batch size means", "question", {}, {"question_topic": "explain"}),
    ("yes but change the batch", "set", {}, {}),  # not a confirmation
    # --- pasted markup and number literals (reliability finding 7) -------------------------
    ("<script>alert(1)</script>", "set", {}, {}),  # "</script>" is no folder "/script"
    ("'<script>alert(1)</script>'", "set", {}, {}),
    ("my data is at </a>", "set", {}, {}),
    ("<br /> my data is /data/cats", "set", {"dataset_path": "/data/cats"}, {}),
    ("<b>/data/cats</b>", "set", {"dataset_path": "/data/cats"}, {}),
    ("<https://example.org/cats.zip>", "set", {"dataset_path": "https://example.org/cats.zip"}, {}),
    ("batch size 0x20", "set", {}, {}),  # not batch size 0: a hex literal is left unread
    ("epochs 0b101", "set", {}, {}),
    ("batch size 0", "set", {"batch_size": 0}, {}),  # a real zero is still read (and refused)
    ("image size 640x640", "set", {"image_size": 640}, {}),
    # --- issue #10: relative changes, negation, self-correction, hedges, intents -------------
    (
        "10 more epochs",
        "set",
        {},
        {"relative_changes": (RelativeChange(field="epochs", operation="add", amount=10),)},
    ),
    (
        "에폭 10 더",
        "set",
        {},
        {"relative_changes": (RelativeChange(field="epochs", operation="add", amount=10),)},
    ),
    (
        "5 fewer epochs",
        "set",
        {},
        {"relative_changes": (RelativeChange(field="epochs", operation="add", amount=-5),)},
    ),
    (
        "double the batch size",
        "set",
        {},
        {"relative_changes": (RelativeChange(field="batch_size", operation="multiply", amount=2),)},
    ),
    (
        "배치 두 배로",
        "set",
        {},
        {"relative_changes": (RelativeChange(field="batch_size", operation="multiply", amount=2),)},
    ),
    (
        "halve the learning rate",
        "set",
        {},
        {
            "relative_changes": (
                RelativeChange(field="learning_rate", operation="multiply", amount=0.5),
            )
        },
    ),
    (
        "학습률 절반",
        "set",
        {},
        {
            "relative_changes": (
                RelativeChange(field="learning_rate", operation="multiply", amount=0.5),
            )
        },
    ),
    (
        "increase epochs 10",
        "set",
        {},
        {
            "ambiguities": (
                Ambiguity(
                    field="epochs",
                    values=(10,),
                    relative=RelativeChange(field="epochs", operation="add", amount=10),
                ),
            )
        },
    ),
    (
        "10 or 20 epochs",
        "set",
        {"epochs": 20},
        {"ambiguities": (Ambiguity(field="epochs", values=(10, 20)),)},
    ),
    (
        "I don't want resnet18, give me efficientnet_b0",
        "set",
        {"model_name": "efficientnet_b0"},
        {},
    ),
    ("anything but resnet18", "set", {}, {}),
    ("resnet18 대신 resnet50", "set", {"model_name": "resnet50"}, {}),
    ("10 epochs, no wait, 20", "set", {"epochs": 20}, {}),
    ("에폭 10 아 아니다 20", "set", {"epochs": 20}, {}),
    ("에폭 10 말고 20", "set", {"epochs": 20}, {}),
    ("not 10 epochs", "set", {}, {}),
    ("maybe 30 epochs?", "set", {"epochs": 30}, {}),
    ("배치 16 괜찮을까?", "set", {"batch_size": 16}, {}),
    ("what's the config now?", "question", {}, {"question_topic": "show_config"}),
    ("gpt-4", "set", {}, {"other_domain_model": "gpt-4", "other_domain_kind": "language"}),
    ("stable diffusion으로", "set", {}, {"other_domain_kind": "image_generation"}),
    ("another job with yolo11n", "set", {"model_name": "yolo11n"}, {"new_job": True}),
    ("하나 더, 이번엔 resnet50", "set", {"model_name": "resnet50"}, {"new_job": True}),
]


@pytest.mark.parametrize(
    ("text", "intent", "changes", "extra"), ROWS, ids=[r[0][:40] for r in ROWS]
)
def test_parse_message(
    text: str, intent: str, changes: dict[str, Any], extra: dict[str, Any]
) -> None:
    patch = parse_message(text)
    assert patch.intent == intent
    assert (
        patch.changes.stated() == pytest.approx(changes)
        if changes
        else patch.changes.stated() == {}
    )
    for name, value in extra.items():
        assert getattr(patch, name) == value, name


def test_table_is_big_enough() -> None:
    assert len(ROWS) >= 80


@pytest.mark.parametrize(
    ("text", "config", "expected"),
    [
        ("32", TrainingConfig(epochs=10), {"batch_size": 32}),
        ("10", TrainingConfig(), {"epochs": 10}),
        ("0.001", TrainingConfig(epochs=10, batch_size=32), {"learning_rate": 0.001}),
        ("3e-4", TrainingConfig(epochs=10), {"learning_rate": 3e-4}),
        ("20으로", TrainingConfig(), {"epochs": 20}),
    ],
)
def test_bare_number_answers_the_first_missing_hyperparameter(
    text: str, config: TrainingConfig, expected: dict[str, Any]
) -> None:
    assert parse_message(text, step="hyperparameters", config=config).changes.stated() == expected


def test_bare_number_outside_the_hyperparameter_step_is_not_guessed() -> None:
    assert parse_message("32", step="select_model").changes.stated() == {}


def test_bare_name_at_the_dataset_step_is_the_dataset() -> None:
    assert parse_message("coco8", step="dataset").changes.dataset_path == "coco8"
    assert parse_message("ok", step="dataset").intent == "confirm"
    assert parse_message("undo", step="dataset").intent == "undo"


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "🙂🙂", "???"])
def test_empty_or_symbol_messages_are_an_empty_set(text: str) -> None:
    patch = parse_message(text)
    assert patch.changes.stated() == {}
    assert patch.intent in ("set", "question")


def test_language_is_none_without_letters() -> None:
    assert parse_message("/data/x").language in ("en", None)
    assert parse_message("42").language is None
    assert parse_message("에폭 10").language == "ko"
