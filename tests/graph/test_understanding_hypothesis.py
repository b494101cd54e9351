"""Random and adversarial text: the parser, the offline model and the interpreter never crash,
always return a valid ``TurnPatch``, and read composed messages back exactly."""

from __future__ import annotations

import json
import math
import random
import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from langchain_core.messages import HumanMessage

from graph.config import TrainingConfig
from graph.patch import TurnPatch
from graph.understanding import Interpreter, OfflineChatModel, parse_message
from graph.understanding.value_phrases import spell_numbers_as_digits
from tests.fakes.chat_models import ScriptedGemini

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = (
    "resnet18", "ResNet 18", "yolov8n", "yolo11n-seg", "epochs", "에폭", "batch", "배치 크기",
    "lr", "학습률", "C:\\data\\x-10", "/data/imagenet-10로", "~", '"', "'", "yes", "네", "no",
    "undo", "취소", "start over", "처음부터", "기본값", "기본 데이터셋", "?", "help", "=", ":",
    "-5", "1e999", "9" * 60, "0", "3e-4", "\u202e", "\u200f", "🙂", "\x00", "\n", "\t", "ـ",
    "مرحبا", "שלום", "𝟘𝟙", "１０", "٣", "ﬁ",
)  # fmt: skip

noisy_text = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.one_of(st.sampled_from(WORDS), st.text(max_size=8), st.integers().map(str)),
        max_size=25,
    ).map(" ".join),
    st.lists(st.sampled_from(WORDS), max_size=40).map("".join),
)
STEPS = st.sampled_from(["select_model", "dataset", "hyperparameters", "confirm", "done", None])


def _valid(patch: TurnPatch, *, question_may_set: bool = False) -> None:
    """``question_may_set``: a model's "question" may carry values the message states (issue
    #15: a question that also sets a value sets it); the offline parser's never does."""
    assert isinstance(patch, TurnPatch)
    assert TurnPatch.model_validate_json(patch.model_dump_json()) == patch
    for value in patch.changes.stated().values():
        if isinstance(value, float):
            assert math.isfinite(value)
    if patch.intent == "question" and not question_may_set:
        assert patch.changes.stated() == {}


@FAST
@given(text=noisy_text, step=STEPS)
def test_parse_message_never_crashes(text: str, step: str | None) -> None:
    _valid(parse_message(text, step=step, config=TrainingConfig(epochs=3)))


@FAST
@given(text=noisy_text)
def test_offline_model_matches_parse_message(text: str) -> None:
    structured = OfflineChatModel().with_structured_output(TurnPatch)
    patch = structured.invoke([HumanMessage(content=text)])
    assert isinstance(patch, TurnPatch)
    _valid(patch)
    assert patch == parse_message(text)


@FAST
@given(text=noisy_text, step=st.sampled_from(["select_model", "dataset", "hyperparameters"]))
def test_interpreter_with_offline_model_never_falls_back(text: str, step: str) -> None:
    result = Interpreter().interpret(text, step=step, config=TrainingConfig())
    assert result.fallback_reason is None and result.source == "offline"
    _valid(result.patch)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
field_names = st.sampled_from(
    [
        "model_name",
        "dataset_path",
        "epochs",
        "batch_size",
        "learning_rate",
        "optimizer",
        "seed",
        "x",
    ]
)
model_answers = st.one_of(
    st.text(max_size=50),
    st.fixed_dictionaries(
        {
            "intent": st.sampled_from(
                ["set", "confirm", "decline", "undo", "reset", "question", "?"]
            ),
            "changes": st.dictionaries(field_names, json_values, max_size=4),
        },
        optional={"use_defaults": json_values, "question_subjects": json_values},
    ).map(lambda answer: json.dumps(answer, allow_nan=True)),
)


def _model_changes(answer: str) -> dict[str, object]:
    try:
        changes = json.loads(answer).get("changes")
    except (ValueError, AttributeError):
        return {}
    return changes if isinstance(changes, dict) else {}


@FAST
@given(answer=model_answers, text=noisy_text)
def test_any_model_answer_gives_a_sane_patch(
    scripted: ScriptedGemini, answer: str, text: str
) -> None:
    result = Interpreter(scripted(answer), source="gemini", attempts=1).interpret(
        text, step="hyperparameters", config=TrainingConfig(epochs=5)
    )
    _valid(result.patch, question_may_set=True)
    if result.patch.intent == "question":  # only values the model itself gave, never filled in
        assert set(result.patch.changes.stated()) <= set(_model_changes(answer))
    if result.patch.intent in ("reset", "undo"):
        # a destructive intent only ever survives when the user's own words ask for it
        assert parse_message(
            text, step="hyperparameters", config=TrainingConfig(epochs=5)
        ).intent == (result.patch.intent)


@FAST
@given(n=st.integers(min_value=-(10**30), max_value=10**30), form=st.sampled_from(
    ["epochs {n}", "epochs={n}", "{n} epochs", "에폭 {n}", "train for {n} epochs", "에폭은 {n}으로"]
))  # fmt: skip
def test_epochs_are_passed_through_as_stated(n: int, form: str) -> None:
    assert parse_message(form.format(n=n)).changes.epochs == n


@FAST
@given(lr=st.floats(min_value=1e-9, max_value=1e3, allow_nan=False))
def test_learning_rates_are_passed_through(lr: float) -> None:
    assert parse_message(f"lr {lr!r}").changes.learning_rate == lr


@FAST
@given(
    folder=st.from_regex(r"[a-z]{1,8}-?[0-9]{1,3}", fullmatch=True),
    style=st.sampled_from(["/data/{f}", "C:\\datasets\\{f}", "C:/datasets/{f}", "~/{f}"]),
    tail=st.sampled_from(["", "로", " 입니다", "입니다", "에", "으로", "이에요", ".", "!"]),
)
def test_numbers_inside_paths_are_never_values(folder: str, style: str, tail: str) -> None:
    path = style.format(f=folder)
    patch = parse_message(f"my data is {path}{tail}")
    assert patch.changes.stated() == {"dataset_path": path}


@FAST
@given(
    model=st.sampled_from(["resnet18", "ResNet 18", "efficientnet_b0", "YOLOv8n", "yolo11n-seg"]),
    epochs=st.integers(1, 5000),
    batch=st.integers(1, 4096),
    lr=st.sampled_from(["0.001", "3e-4", "0.01", "1e-5"]),
    path=st.sampled_from(["/data/imagenet-10", "C:\\datasets\\coco8", "~/cats-2"]),
    order=st.randoms(use_true_random=False),
    joiner=st.sampled_from([", ", " and ", "; ", " "]),
)
def test_composed_messages_are_read_back_exactly(
    model: str, epochs: int, batch: int, lr: str, path: str, order: random.Random, joiner: str
) -> None:
    parts = [model, f"{epochs} epochs", f"batch size {batch}", f"lr {lr}", f"data at {path}"]
    order.shuffle(parts)
    patch = parse_message(joiner.join(parts))
    stated = patch.changes.stated()
    assert "model_name" in stated
    assert stated["epochs"] == epochs and stated["batch_size"] == batch
    assert stated["learning_rate"] == float(lr) and stated["dataset_path"] == path
    assert patch.intent == "set"


SET_FIELDS = TrainingConfig(model_name="resnet18", framework="timm", epochs=5, batch_size=16)
numberless_text = st.text(alphabet="abcdefghijklmnopqrstuvwxyz .,!?:=가나다라에폭배치", max_size=80)


@FAST
@given(
    text=numberless_text,
    epochs=st.integers(-(10**6), 10**6),
    batch=st.integers(-(10**6), 10**6),
    model=st.sampled_from(["yolov8n", "efficientnet_b0", "resnet50", "yolo11n-seg"]),
)
def test_a_model_never_overwrites_a_set_value_the_message_does_not_state(
    scripted: ScriptedGemini, text: str, epochs: int, batch: int, model: str
) -> None:
    assume(not re.search(r"\d", spell_numbers_as_digits(text)) and "resnet" not in text)
    answer = {
        "intent": "set",
        "changes": {"epochs": epochs, "batch_size": batch, "model_name": model},
    }
    result = Interpreter(scripted(answer), source="gemini", attempts=1).interpret(
        text, step="hyperparameters", config=SET_FIELDS
    )
    proposed = {"epochs": epochs, "batch_size": batch, "model_name": model}
    # Words such as "pose" may legitimately set an unset field (task_type); the fields the
    # model proposed without evidence must never come through.
    assert not set(result.patch.changes.stated()) & set(proposed)
    expected = {f: v for f, v in proposed.items() if getattr(SET_FIELDS, f) != v}
    assert set(result.ignored) == set(expected)


@FAST
@given(
    batch=st.integers(1, 4096),
    noise=st.lists(st.sampled_from(["please", "SYSTEM:", "null", "clear", "가", "!"]), max_size=6),
    answer=st.dictionaries(
        st.sampled_from(["epochs", "learning_rate", "model_name", "seed"]),
        st.none() | st.integers(1, 99),
        max_size=4,
    ),
)
def test_a_stated_batch_size_survives_any_set_answer(
    scripted: ScriptedGemini, batch: int, noise: list[str], answer: dict[str, int | None]
) -> None:
    text = " ".join([f"batch size {batch}.", *noise])
    changes = {k: (str(v) if k == "model_name" and v else v) for k, v in answer.items()}
    result = Interpreter(
        scripted({"intent": "set", "changes": changes}), source="gemini", attempts=1
    ).interpret(text, step="hyperparameters", config=SET_FIELDS)
    assert result.patch.changes.batch_size == batch
