"""The state model, the messages reducer, slot declarations and one turn through the graph.

These drive ``take_turn`` (``tests.graph.one_turn``: one run of the compiled graph) with
hand-written ``TurnPatch`` values (what any interpreter returns), with the real catalog, dataset
inspection and hyperparameter rules behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import ValidationError

from graph.build import build_graph
from graph.config import CONFIG_FIELDS, TrainingConfig
from graph.datasets.samples import make_sample_dataset
from graph.patch import FieldChanges, TurnPatch
from graph.replies import MESSAGES, detect_language
from graph.slots import SLOT_BY_NAME, SLOTS, missing_slots, required_slots, step_for
from graph.state import (
    HISTORY_MESSAGES,
    RECENT_MESSAGES,
    UNDO_DEPTH,
    ConversationState,
    DatasetFacts,
    append_messages,
)
from tests.graph.one_turn import take_turn


@dataclass(frozen=True)
class Said:
    """An interpretation as the understanding layer returns it."""

    patch: TurnPatch
    fallback_reason: str | None = None


def turn(state: ConversationState, text: str, patch: TurnPatch) -> ConversationState:
    """Append the user's message and take the turn, as a node does."""
    asked = state.model_copy(
        update={"messages": append_messages(state.messages, [HumanMessage(text)])}
    )
    return take_turn(asked, Said(patch))


def sets(**changes: object) -> TurnPatch:
    return TurnPatch(changes=FieldChanges(**changes))  # type: ignore[arg-type]


# --- the state model -------------------------------------------------------------------------


def test_state_is_frozen_all_the_way_down() -> None:
    state = ConversationState()
    with pytest.raises(ValidationError):
        state.step = "done"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        state.config.epochs = 3  # type: ignore[misc]
    assert isinstance(state.messages, tuple) and isinstance(state.previous, tuple)


def test_reducer_accepts_role_dicts_and_returns_a_tuple_with_ids() -> None:
    merged = append_messages((), [{"role": "user", "content": "hi"}])
    assert isinstance(merged, tuple) and isinstance(merged[0], HumanMessage)
    assert merged[0].id
    again = append_messages(merged, [AIMessage("hello")])
    assert [m.type for m in again] == ["human", "ai"] and isinstance(again, tuple)


def test_reducer_replaces_a_message_that_reuses_an_id_instead_of_duplicating() -> None:
    first = append_messages((), [AIMessage("draft", id="m1")])
    second = append_messages(first, [AIMessage("final", id="m1")])
    assert [m.content for m in second] == ["final"]


def test_reducer_keeps_the_newest_messages_the_interpreter_needs() -> None:
    """A state holds RECENT_MESSAGES messages: what the interpreter sees, the user's message
    and the reply; older ones live in earlier checkpoints (issue 14)."""
    assert RECENT_MESSAGES >= HISTORY_MESSAGES + 2
    kept: tuple[AIMessage | HumanMessage, ...] = ()
    for number in range(3 * RECENT_MESSAGES):
        kept = append_messages(kept, [HumanMessage(f"m{number}", id=f"m{number}")])  # type: ignore[assignment]
    assert [m.content for m in kept] == [
        f"m{n}" for n in range(2 * RECENT_MESSAGES, 3 * RECENT_MESSAGES)
    ]


def test_reducer_never_drops_a_message_of_the_update_itself() -> None:
    """A big update (update_state with many messages) stays whole in its own checkpoint, so the
    transcript read back from the checkpoints has no gap."""
    start = append_messages((), [HumanMessage("old", id="old")])
    many = [AIMessage(f"a{n}", id=f"a{n}") for n in range(RECENT_MESSAGES + 5)]
    merged = append_messages(start, many)
    assert [m.id for m in merged] == [m.id for m in many]


def test_reducer_keeps_batches_the_same_as_one_at_a_time() -> None:
    """Folding writes one by one or all at once gives the same window (replays agree)."""
    writes = [[HumanMessage(f"u{n}", id=f"u{n}"), AIMessage(f"a{n}", id=f"a{n}")] for n in range(9)]
    one_by_one: tuple[AIMessage | HumanMessage, ...] = ()
    for batch in writes:
        one_by_one = append_messages(one_by_one, batch)  # type: ignore[assignment]
    at_once = append_messages(
        append_messages((), [m for b in writes[:4] for m in b]), [m for b in writes[4:] for m in b]
    )
    assert [m.id for m in one_by_one] == [m.id for m in at_once][-RECENT_MESSAGES:]


def _written(saver: InMemorySaver, config: dict[str, Any]) -> set[str]:
    """The state channels the newest checkpoint wrote (a version newer than its parent's)."""
    latest = saver.get_tuple(config)
    assert latest is not None and latest.parent_config is not None
    parent = saver.get_tuple(latest.parent_config)
    assert parent is not None
    now, before = latest.checkpoint["channel_versions"], parent.checkpoint["channel_versions"]
    fields = set(ConversationState.model_fields) - {"turn"}  # bumped when it ends, never stored
    return {name for name in now if name in fields and now[name] != before.get(name)}


def test_a_turn_writes_only_changed_channels_and_new_messages() -> None:
    saver = InMemorySaver()
    graph = build_graph(saver)
    config: dict[str, Any] = {"configurable": {"thread_id": "writes"}}

    def say_(text: str) -> dict[str, Any]:
        message = {"messages": [{"role": "user", "content": text}]}
        return graph.invoke(message, config, durability="exit")  # type: ignore[arg-type]

    say_("train resnet18")
    out = say_("10 epochs")
    # step stays "dataset" (not its default): written before, so not again; language and job
    # hold their defaults and are written so the turn's output carries them, and ``run`` is
    # written as None while there is none, so ``out["run"]`` is always present. The turn's
    # own fields (``turn``) never reach a checkpoint.
    assert _written(saver, config) == {"messages", "config", "previous", "language", "job", "run"}
    assert out["step"] == "dataset" and out["run"] is None
    say_("help")
    assert "dataset" not in _written(saver, config)  # written only when it changed
    assert "turn" not in saver.get_tuple(config).checkpoint["channel_values"]  # type: ignore[union-attr]
    assert [m.type for m in out["messages"][-2:]] == ["human", "ai"]


# --- slot declarations -----------------------------------------------------------------------


def test_every_config_field_is_declared_once_as_a_slot() -> None:
    assert sorted(slot.name for slot in SLOTS) == sorted(CONFIG_FIELDS)
    assert len(SLOT_BY_NAME) == len(SLOTS)
    assert SLOT_BY_NAME["epochs"].value_type == int | None
    assert {slot.step for slot in SLOTS} == {"select_model", "dataset", "hyperparameters"}


def test_every_message_and_slot_text_exists_in_both_languages() -> None:
    for key, text in MESSAGES.items():
        assert text.en.strip() and text.ko.strip(), key
    for slot in SLOTS:
        assert slot.question.en and slot.question.ko and slot.label.en and slot.label.ko


def test_required_slots_follow_the_inspection_and_the_framework() -> None:
    empty = TrainingConfig()
    names = [slot.name for slot in required_slots(empty, None)]
    assert names == [
        "model_name", "framework", "task_type", "dataset_path", "epochs", "batch_size",
        "learning_rate",
    ]  # fmt: skip
    timm = TrainingConfig(framework="timm")
    assert "num_classes" in [slot.name for slot in required_slots(timm, None)]
    found = DatasetFacts(path="/d", found=True, format="yolo", num_classes=3)
    assert {"dataset_format", "num_classes"} <= {s.name for s in required_slots(empty, found)}


def test_step_is_the_step_of_the_first_missing_slot() -> None:
    assert step_for(TrainingConfig(), None) == "select_model"
    model = TrainingConfig(
        model_name="yolov8n", framework="ultralytics", task_type="object_detection"
    )
    assert step_for(model, None) == "dataset"
    with_data = model.patch(dataset_path="/elsewhere")
    assert step_for(with_data, None) == "hyperparameters"
    assert missing_slots(with_data, None)[0].name == "epochs"
    done = with_data.patch(epochs=3, batch_size=8, learning_rate=0.01)
    assert step_for(done, None) == "confirm"


def test_language_detection_keeps_the_previous_language_for_a_bare_path() -> None:
    assert detect_language("에폭 10", "en") == "ko"
    assert detect_language("use the defaults", "ko") == "en"
    assert detect_language("C:/datasets/coco8", "ko") == "ko"
    assert detect_language("32", "en") == "en"


# --- one turn --------------------------------------------------------------------------------


def test_a_model_sets_framework_and_task_and_asks_for_the_dataset() -> None:
    state = turn(ConversationState(), "train ResNet-18", sets(model_name="ResNet-18"))
    assert state.config.filled() == {
        "framework": "timm", "model_name": "resnet18", "task_type": "image_classification",
    }  # fmt: skip
    assert state.step == "dataset"
    assert "dataset" in state.messages[-1].text.lower()


def test_a_refused_value_never_reaches_the_state_and_the_old_value_is_kept() -> None:
    state = turn(ConversationState(), "10 epochs", sets(epochs=10))
    refused = turn(state, "epochs 0", sets(epochs=0))
    assert refused.config.epochs == 10
    assert "10" in refused.messages[-1].text and "epochs" in refused.messages[-1].text


def test_a_dataset_path_is_inspected_and_its_format_and_classes_fill_the_config(
    tmp_path: Path,
) -> None:
    path = str(make_sample_dataset(tmp_path, "imagefolder"))
    state = turn(ConversationState(), "resnet18", sets(model_name="resnet18"))
    state = turn(state, path, sets(dataset_path=path))
    assert state.config.dataset_format == "imagefolder"
    assert state.config.num_classes == state.dataset.num_classes  # type: ignore[union-attr]
    assert "imagefolder" in state.messages[-1].text
    assert state.step == "hyperparameters"


def test_switching_to_a_detector_with_an_imagefolder_dataset_is_flagged(tmp_path: Path) -> None:
    path = str(make_sample_dataset(tmp_path, "imagefolder"))
    state = turn(ConversationState(), "resnet18", sets(model_name="resnet18", dataset_path=path))
    state = turn(state, "actually yolov8n", sets(model_name="yolov8n"))
    assert state.config.model_name == "yolov8n" and state.config.framework == "ultralytics"
    assert state.config.dataset_path == path
    assert "imagefolder" in state.messages[-1].text and "Problem" in state.messages[-1].text


def test_undo_walks_back_a_bounded_history_of_configs() -> None:
    state = ConversationState()
    for epochs in range(1, UNDO_DEPTH + 5):
        state = turn(state, f"{epochs} epochs", sets(epochs=epochs))
    assert len(state.previous) == UNDO_DEPTH
    undone = turn(state, "undo", TurnPatch(intent="undo"))
    assert undone.config.epochs == UNDO_DEPTH + 3
    assert len(undone.previous) == UNDO_DEPTH - 1


def test_the_fallback_reason_is_said_in_one_line() -> None:
    asked = ConversationState(messages=(HumanMessage("resnet18"),))
    line = "Gemini is rate-limited right now (429), so I used the offline parser."
    state = take_turn(asked, Said(sets(model_name="resnet18"), fallback_reason=line))
    assert state.messages[-1].text.splitlines()[0] == line
    assert state.config.model_name == "resnet18"


def test_a_warning_raised_by_several_values_is_said_once() -> None:
    state = turn(ConversationState(), "yolov8n", sets(model_name="yolov8n"))
    state = turn(state, "use the defaults", TurnPatch(use_defaults=True))
    reply = state.messages[-1].text
    assert state.config.optimizer == "auto" and state.config.learning_rate == 0.01
    assert reply.count("optimizer=auto") == 1


def test_values_and_a_question_in_one_message_are_applied_then_answered() -> None:
    patch = TurnPatch(
        intent="question",
        changes=FieldChanges(epochs=10),
        question_topic="explain",
        question_subjects=("batch_size",),
    )
    state = turn(ConversationState(), "10 epochs; what does batch size mean?", patch)
    assert state.config.epochs == 10
    assert "Set epochs 10" in state.messages[-1].text and "images" in state.messages[-1].text
