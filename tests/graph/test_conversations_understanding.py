"""Issue #10 as conversations: what the user meant, or one question — never a silently wrong value.

Every turn goes through a *fresh* agent built from the SQLite database (``create_agent(db=…)``
per turn), so each turn reads its state back from SQL exactly as a restarted process would.
Rows use the same ``T``/``conv`` table shape as ``test_conversations``; every reply is also
checked for identifiers (``object_detection``, ``learning_rate``) and, after a Korean message,
for English sentences. Sections follow the issue's points 1-7.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest

from agent import create_agent
from graph.datasets.samples import make_sample_dataset
from tests.graph.layouts import roboflow_coco, ultralytics_yolo, vocdevkit
from tests.graph.test_conversations import C, T, conv, fill

YOLO_FULL = "yolov8n on {yolo}, 20 epochs, batch 8, lr 0.01"
KO_FULL = "yolov8n으로 {yolo} 데이터, 에폭 20, 배치 8, 학습률 0.01"
TIMM_FULL = "resnet18 on {imagefolder}, 10 epochs, batch 4, lr 0.001"
AT_CONFIRM = {"epochs": 20, "batch_size": 8, "learning_rate": 0.01}
KO_ASKED = "중 어느 쪽인가요"

CONVERSATIONS: tuple[C, ...] = (
    # --- 1. the rule: unclear → one specific question, nothing changes ---------------------------
    conv("increase without to or by asks", T(YOLO_FULL), T("increase epochs 10", "confirm", AT_CONFIRM, ("Did you mean 10 more epochs (→ 30) or epochs = 10?",), unchanged=True)),
    conv("increase to a lower value asks", T(YOLO_FULL), T("increase epochs to 10", "confirm", says=("10 more epochs (→ 30)", "epochs = 10", "changed nothing"), unchanged=True)),
    conv("increase to a higher value sets", T(YOLO_FULL), T("increase epochs to 30", "confirm", {"epochs": 30})),
    conv("decrease without to or by asks", T(YOLO_FULL), T("decrease epochs 5", says=("5 fewer epochs (→ 15)", "epochs = 5"), unchanged=True)),
    conv("two offered values ask", T(YOLO_FULL), T("10 or 20 epochs", says=("epochs = 10 or epochs = 20",), unchanged=True)),
    conv("a fractional half asks", T("yolov8n on {yolo}, 20 epochs, batch 15, lr 0.01"), T("halve the batch size", says=("batch size = 7 or batch size = 8",), unchanged=True)),
    conv("the question is answered next turn", T(YOLO_FULL), T("increase epochs 10", unchanged=True), T("10 more epochs", "confirm", {"epochs": 30}, ("epochs 20 → 30",))),
    conv("an unclear value changes nothing else either", T(YOLO_FULL), T("batch 4 and 10 or 20 epochs", has={"batch_size": 8, "epochs": 20}, says=("Did you mean",), unchanged=True)),
    conv("ko increase to a lower value asks", T(KO_FULL), T("에폭 10으로 늘려", "confirm", AT_CONFIRM, ("에폭 10 더 (→ 30)", "에폭 = 10", KO_ASKED), unchanged=True)),
    conv("ko decrease to sets", T(KO_FULL), T("에폭 10으로 줄여", "confirm", {"epochs": 10})),
    conv("ko two offered values ask", T(KO_FULL), T("에폭 10 아니면 20", says=("에폭 = 10 아니면 에폭 = 20", "아무것도 바꾸지"), unchanged=True)),
    conv("ko batch alternatives ask", T(KO_FULL), T("배치 16 혹은 32", says=("배치 크기 = 16", "배치 크기 = 32"), unchanged=True)),
    conv("ko fractional half asks", T("yolov8n으로 {yolo}, 에폭 21, 배치 8, 학습률 0.01"), T("에폭 반으로", says=("에폭 = 10 아니면 에폭 = 11",), unchanged=True)),
    conv("more without an amount asks how much", T(YOLO_FULL), T("more epochs please", "confirm", AT_CONFIRM, ("By how much should epochs go up (epochs = 20)?",), unchanged=True)),
    conv("ko 좀 늘려 asks how much", T(KO_FULL), T("에폭 좀 늘려줘", says=("얼마나 늘릴까요", "에폭 = 20"), unchanged=True)),
    conv("reduce without an amount asks", T(YOLO_FULL), T("reduce the batch size", says=("go down",), unchanged=True), T("halve it", unchanged=True)),
    # --- 2. relative and arithmetic changes ------------------------------------------------------
    conv("n more epochs", T(YOLO_FULL), T("10 more epochs", "confirm", {"epochs": 30}, ("Changed epochs 20 → 30",))),
    conv("add n epochs", T(YOLO_FULL), T("add 5 epochs", has={"epochs": 25}, says=("20 → 25",))),
    conv("n fewer epochs", T(YOLO_FULL), T("5 fewer epochs", has={"epochs": 15}, says=("20 → 15",))),
    conv("double the batch", T(YOLO_FULL), T("double the batch size", has={"batch_size": 16}, says=("batch size 8 → 16",))),
    conv("triple the epochs", T(YOLO_FULL), T("triple the epochs", has={"epochs": 60})),
    conv("halve the lr", T(YOLO_FULL), T("halve the learning rate", has={"learning_rate": 0.005}, says=("learning rate 0.01 → 0.005",))),
    conv("cut the batch in half", T(YOLO_FULL), T("cut the batch size in half", has={"batch_size": 4})),
    conv("increase by a percentage", T(YOLO_FULL), T("increase lr by 50%", has={"learning_rate": 0.015})),
    conv("reduce by a percentage", T(YOLO_FULL), T("reduce epochs by 25%", has={"epochs": 15})),
    conv("n times bigger", T(YOLO_FULL), T("image size 320", has={"image_size": 320}), T("make the image size 2x bigger", has={"image_size": 640}, says=("image size 320 → 640",))),
    conv("increase by n", T(YOLO_FULL), T("increase the batch size by 8", has={"batch_size": 16})),
    conv("relative result is validated", T(YOLO_FULL), T("lr 0.6"), T("double the learning rate", has={"learning_rate": 0.6}, says=("at most 1", "0.6")), T("halve the learning rate", has={"learning_rate": 0.3})),
    conv("relative on an unset slot asks for the base", T("resnet18"), T("10 more epochs", "dataset", {"epochs": None}, ("not set yet", "What epochs should I use?"), unchanged=True), T("epochs 12", has={"epochs": 12})),
    conv("spelled relative", T(YOLO_FULL), T("ten more epochs", has={"epochs": 30})),
    conv("ko n more", T(KO_FULL), T("에폭 10 더", "confirm", {"epochs": 30}, ("에폭 20 → 30",))),
    conv("ko n fewer", T(KO_FULL), T("에폭 5 덜", has={"epochs": 15})),
    conv("ko increase by", T(KO_FULL), T("에폭 10 늘려줘", has={"epochs": 30})),
    conv("ko reduce by", T(KO_FULL), T("에폭을 5 줄여", has={"epochs": 15})),
    conv("ko double", T(KO_FULL), T("배치 두 배로", has={"batch_size": 16}, says=("배치 크기 8 → 16",))),
    conv("ko triple", T(KO_FULL), T("에폭 세 배", has={"epochs": 60})),
    conv("ko halve", T(KO_FULL), T("배치 반으로 줄여줘", has={"batch_size": 4})),
    conv("ko half of the lr", T(KO_FULL), T("학습률 절반으로", has={"learning_rate": 0.005})),
    conv("ko percentage", T(KO_FULL), T("학습률 50% 늘려", has={"learning_rate": 0.015})),
    conv("ko n epochs more", T(KO_FULL), T("10 에폭 더", has={"epochs": 30})),
    conv("ko relative on unset asks", T("resnet18로 해줘"), T("에폭 두 배로", "dataset", {"epochs": None}, ("아직 없어서", "얼마로"), unchanged=True)),
    conv("ko relative refused keeps", T(KO_FULL), T("학습률 0.6"), T("학습률 두 배로", has={"learning_rate": 0.6}, says=("0.6", "유지"))),
    # --- 3. negation and self-correction ---------------------------------------------------------
    conv("don't want A give me B", T("I don't want resnet18, give me efficientnet_b0", "dataset", {"model_name": "efficientnet_b0"})),
    conv("don't want A use B", T("don't want yolov8n, use yolo11n", has={"model_name": "yolo11n"})),
    conv("anything but A sets nothing", T("anything but resnet18", "select_model", {"model_name": None}, ("Which model",))),
    conv("instead of A", T("instead of resnet18 use resnet50", has={"model_name": "resnet50"})),
    conv("A no wait B", T("resnet18, no wait, efficientnet_b0", has={"model_name": "efficientnet_b0"})),
    conv("sorry I mean", T("use resnet18, sorry, I mean resnet50", has={"model_name": "resnet50"})),
    conv("epochs no wait", T("yolov8n"), T("10 epochs, no wait, 20", has={"epochs": 20}, says=("epochs 20",), not_says=("epochs 10",))),
    conv("make it", T("yolov8n"), T("batch 16... actually make it 32", has={"batch_size": 32})),
    conv("negated value never applied", T(YOLO_FULL), T("not 10 epochs", "confirm", {"epochs": 20}, unchanged=True, job=False)),
    conv("two values last wins", T("yolov8n"), T("epochs 10 epochs 20", has={"epochs": 20})),
    conv("optimizer not A but B", T("resnet18"), T("optimizer not adam, sgd", has={"optimizer": "sgd"})),
    conv("ko A 말고 B", T("resnet18 말고 efficientnet_b0", "dataset", {"model_name": "efficientnet_b0"})),
    conv("ko A 대신 B", T("resnet18 대신 resnet50으로", has={"model_name": "resnet50"})),
    conv("ko A 아니 B", T("yolov8n, 아니 yolo11n으로", has={"model_name": "yolo11n"})),
    conv("ko 아 아니다", T("yolov8n"), T("에폭 10 아 아니다 20", has={"epochs": 20}, says=("에폭 20",))),
    conv("ko optimizer 말고", T("resnet18"), T("adam 말고 sgd로", has={"optimizer": "sgd"})),
    conv("ko two values last wins", T("yolov8n"), T("에폭 10, 에폭 20", has={"epochs": 20})),
    conv("ko 싫어", T("resnet18은 싫어, efficientnet_b0", has={"model_name": "efficientnet_b0"})),
    conv("mixed correction", T("yolov8n"), T("batch 16 아니 32", has={"batch_size": 32})),
    # --- 4. hedges and questions that carry a value ----------------------------------------------
    conv("maybe n epochs", T(YOLO_FULL), T("maybe 30 epochs?", "confirm", {"epochs": 30}, not_says=("Nothing in the configuration changed",))),
    conv("would be ok", T(YOLO_FULL), T("30 epochs would be ok?", has={"epochs": 30})),
    conv("could we do", T(YOLO_FULL), T("could we do batch 4?", has={"batch_size": 4}, not_says=("not sure what you're asking",))),
    conv("is fine", T(YOLO_FULL), T("lr 0.001 is fine?", has={"learning_rate": 0.001})),
    conv("ko 쯤", T(KO_FULL), T("한 30 에폭쯤?", has={"epochs": 30}, not_says=("설정은 바뀌지 않았습니다",))),
    conv("ko 괜찮을까", T(KO_FULL), T("배치 16 괜찮을까?", has={"batch_size": 16})),
    conv("ko 될까", T(KO_FULL), T("에폭 50 정도면 될까?", has={"epochs": 50})),
    conv("ko restating says already", T(KO_FULL), T("에폭 20?", has={"epochs": 20}, says=("이미",), unchanged=True)),
    # --- 5. intents ------------------------------------------------------------------------------
    conv("show the config", T(YOLO_FULL), T("what's the config now?", "confirm", says=("Current configuration", "epochs: 20", "task: object detection"), unchanged=True)),
    conv("show settings mid-way", T("resnet18"), T("show me the current settings", "dataset", says=("model: resnet18", "Still needed: dataset path"), unchanged=True)),
    conv("ko show config", T(KO_FULL), T("설정 보여줘", says=("현재 설정", "에폭: 20", "작업: 객체 탐지"), unchanged=True)),
    conv("ko show config 어떻게", T("resnet18로 해줘"), T("지금 설정 어떻게 돼?", says=("모델: resnet18",), unchanged=True)),
    conv("another job keeps the dataset", T(YOLO_FULL), T("yes", "done"), T("another job with yolo11n", "hyperparameters", {"model_name": "yolo11n", "dataset_path": "{yolo}", "epochs": None}, ("Kept from the last one", "{yolo}"), job=False)),
    conv("another job with a new dataset", T(YOLO_FULL), T("yes"), T("another one with resnet18 on {imagefolder}", "hyperparameters", {"model_name": "resnet18", "dataset_path": "{imagefolder}"}, ("new configuration",), not_says=("Kept from",))),
    conv("another job whose model misfits the kept dataset", T(YOLO_FULL), T("yes"), T("another job with resnet18", "dataset", {"model_name": "resnet18", "dataset_path": "{yolo}"}, ("Problem", "another dataset"))),
    conv("ko one more this time", T(TIMM_FULL), T("네", "done"), T("하나 더, 이번엔 efficientnet_b0", "hyperparameters", {"model_name": "efficientnet_b0", "dataset_path": "{imagefolder}", "epochs": None}, ("새 작업", "그대로 가져왔고"))),
    conv("new still starts empty", T(YOLO_FULL), T("yes"), T("new", "select_model", {"model_name": None, "dataset_path": None})),
    conv("cancel at confirm declines and keeps", T(YOLO_FULL), T("cancel", "confirm", AT_CONFIRM, ("won't start", "kept"), unchanged=True, job=False), T("yes", "done", job=True)),
    conv("ko 취소 at confirm keeps", T(KO_FULL), T("취소", "confirm", AT_CONFIRM, ("시작하지 않고", "그대로"), unchanged=True, job=False)),
    conv("ko 그만 at confirm keeps", T(KO_FULL), T("그만", "confirm", AT_CONFIRM, ("시작하지 않고",), unchanged=True, job=False)),
    conv("ko 취소 elsewhere is still undo", T("resnet18"), T("에폭 10"), T("취소", has={"epochs": None}, says=("되돌렸습니다",))),
    conv("undo at confirm is its own intent", T(YOLO_FULL), T("batch 4"), T("undo", "confirm", {"batch_size": 8}, ("Undone",))),
    conv("gpt-4 is not a vision model", T("gpt-4", "select_model", {"model_name": None}, ("large language model", "not a vision model", "resnet18", "yolo11n"), not_says=("I don't know a model",))),
    conv("stable diffusion", T("train stable diffusion", "select_model", {"model_name": None}, ("image-generation", "yolo11n-seg"))),
    conv("whisper offers the configured task", T("for detection"), T("whisper", says=("speech model", "object detection: yolo11n"), not_says=("image classification:",))),
    conv("ko llama", T("llama로 학습해줘", "select_model", {"model_name": None}, ("대규모 언어 모델", "이미지 분류: resnet18"))),
    conv("asking about llama", T("what is llama?", "select_model", says=("large language model", "resnet18"), not_says=("I don't know",), unchanged=True)),
    conv("ko asking about whisper", T("whisper 학습 가능해?", says=("음성 모델", "이미지 분류: resnet18"), unchanged=True)),
    conv("ko whisper", T(KO_FULL), T("whisper 써줘", says=("음성 모델", "객체 탐지: yolo11n"), unchanged=True)),
    # --- 6. the dataset must fit the task, and a misfit stops the flow there ---------------------
    conv("segmentation on boxes stops", T("yolo11n-seg"), T("{boxes}", "dataset", says=("Problem", "bounding boxes only", "polygon masks", "object detection: yolo11n", "another dataset"))),
    conv("segmentation on polygons goes on", T("yolo11n-seg"), T("{seg}", "hyperparameters", {"dataset_format": "yolo"})),
    conv("pose without kpt_shape stops", T("yolo11n-pose"), T("{pose_nokpt}", "dataset", says=("kpt_shape",))),
    conv("obb on boxes stops", T("yolo11n-obb"), T("{boxes}", "dataset", says=("oriented boxes",))),
    conv("obb on obb goes on", T("yolo11n-obb"), T("{obb}", "hyperparameters")),
    conv("detector on class folders stops", T("yolov8n"), T("{imagefolder}", "dataset", says=("class labels only", "image classification: resnet18"))),
    conv("classifier on a detection set stops", T("resnet18"), T("{yolo}", "dataset", says=("image classification needs imagefolder",))),
    conv("hyperparameters wait while it misfits", T("yolo11n-seg"), T("{boxes}"), T("20 epochs, batch 8, lr 0.01", "dataset", {"epochs": 20}, not_says=("Shall I start",))),
    conv("a fitting model is a way out", T("yolo11n-seg"), T("{boxes}", "dataset"), T("yolo11n", "hyperparameters", {"task_type": "object_detection"})),
    conv("another dataset is a way out", T("yolo11n-seg"), T("{boxes}", "dataset"), T("{seg}", "hyperparameters")),
    conv("roboflow coco umbrella not a class", T("yolov8n"), T("{rf_coco}", "hyperparameters", {"dataset_format": "coco", "num_classes": 2}, ("2 classes (head, helmet)",))),
    conv("vocdevkit is voc", T("yolov8n"), T("{vocdevkit}", "hyperparameters", {"dataset_format": "voc", "num_classes": 2})),
    conv("ko segmentation on boxes stops", T("yolo11n-seg로 해줘"), T("데이터는 {boxes}", "dataset", says=("문제", "폴리곤 마스크", "다른 데이터셋", "객체 탐지: yolo11n"))),
    conv("ko classifier on detection set", T("resnet18로 해줘"), T("{yolo}로", "dataset", says=("이미지 분류", "imagefolder"))),
    conv("ko misfit then fitting model", T("yolo11n-obb로"), T("데이터 {boxes}"), T("yolo11n으로 바꿔줘", "hyperparameters", {"model_name": "yolo11n"})),
    # --- 7. replies: Korean all through, words not identifiers, the summary ----------------------
    conv("summary lists set values and one defaults line", T(TIMM_FULL, "confirm", says=("task: image classification", "Everything else uses the timm defaults"), not_says=("(not set)", "seed:"))),
    conv("ko summary", T(KO_FULL, "confirm", says=("설정 요약", "작업: 객체 탐지", "나머지는 ultralytics 기본값을 씁니다"), not_says=("(미설정)",))),
    conv("ko refusal names the field in Korean", T(KO_FULL), T("학습률 5", says=("학습률 값은",), unchanged=True)),
    conv("ko task mismatch in words", T("resnet18로 탐지 해줘", says=("이미지 분류 모델", "객체 탐지에 맞는 모델"))),
    conv("ko models list names the task", T("세그멘테이션 모델 뭐 있어?", says=("인스턴스 분할",), unchanged=True)),
    conv("en task in words", T("for segmentation", says=("For instance segmentation",))),
    conv("ko relative reply", T(KO_FULL), T("배치 두 배로", says=("배치 크기 8 → 16(으)로 바꿨습니다",))),
    conv("ko another job reply is korean", T(KO_FULL), T("네"), T("이번엔 yolo11n으로 하나 더", "hyperparameters", {"model_name": "yolo11n"}, ("새 작업",))),
)  # fmt: skip

_IDENTIFIERS = re.compile(
    r"\b(?:object_detection|image_classification|instance_segmentation|pose_estimation"
    r"|oriented_detection|learning_rate|batch_size|image_size|weight_decay|warmup_epochs"
    r"|num_classes|dataset_path|dataset_format|model_name|task_type)\b"
)
_ENGLISH_SENTENCES = (
    "Set ", "Changed ", "Did you mean", "Problem", "The dataset", "The labels", "Configuration",
    "Shall I", "I didn't", "is not set", "Everything else", "To go on", "Starting a new",
)  # fmt: skip


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("understanding")
    paths = {
        name: str(make_sample_dataset(root / name, name))
        for name in ("imagefolder", "yolo", "coco", "voc")
    }
    paths["boxes"] = str(ultralytics_yolo(root / "boxes", "boxes"))
    paths["seg"] = str(ultralytics_yolo(root / "seg", "polygons"))
    paths["pose_nokpt"] = str(ultralytics_yolo(root / "pose", "keypoints", kpt_shape=False))
    paths["obb"] = str(ultralytics_yolo(root / "obb", "obb"))
    paths["rf_coco"] = str(roboflow_coco(root / "rf"))
    paths["vocdevkit"] = str(vocdevkit(root / "voc2012"))
    return paths


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('sql') / 'understanding.db'}"


_ids = itertools.count()


def test_the_suite_covers_the_issue() -> None:
    assert len(CONVERSATIONS) >= 80
    korean = [c for c in CONVERSATIONS if any(ord(ch) > 0x3000 for t in c.turns for ch in t.text)]
    assert len(korean) / len(CONVERSATIONS) >= 0.40
    assert len({c.name for c in CONVERSATIONS}) == len(CONVERSATIONS)


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=lambda c: c.name)
def test_conversation(conversation: C, database: str, samples: dict[str, str]) -> None:
    config = {"configurable": {"thread_id": f"u10-{next(_ids)}"}}
    before = None
    for number, turn in enumerate(conversation.turns, start=1):
        text = fill(turn.text, samples)
        agent: Any = create_agent(db=database, llm="offline")  # a fresh agent: state from SQL
        out = agent.invoke({"messages": [{"role": "user", "content": text}]}, config)
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
        if turn.unchanged and before is not None:
            assert out["config"] == before, where
        if turn.job is not None:
            assert (out.get("job") is not None) == turn.job, where
        shown = reply.replace(str(Path(samples["yolo"]).parent.parent), "")
        assert not _IDENTIFIERS.search(shown), f"identifier in reply: {where}"
        if any("\uac00" <= ch <= "\ud7a3" for ch in text):
            leaked = [s for s in _ENGLISH_SENTENCES if s in reply]
            assert not leaked, f"English {leaked} in a Korean reply: {where}"
        before = out["config"]
