"""The graph's pure nodes — the plan, the acts, the step nodes and the routing — as plain
functions of a frozen state, run with the disk and the network closed.

Every call below runs inside ``no_world``: opening a file, listing or scanning a folder,
``stat``-ing a path or opening a socket raises. The dataset folders and weights files these
tests name do not exist anywhere; what "was seen" on disk is handed in through the turn's fields,
as ``inspect_files`` hands it in the graph. Only the I/O nodes (``understand``,
``inspect_files``, the training nodes) may touch the world; they are tested through the graph.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import END

from graph import acts
from graph.config import TrainingConfig
from graph.patch import Ambiguity, FieldChanges, TurnPatch
from graph.routing import route_act, route_inspected, route_start, route_step, route_understood
from graph.run import TrainingRun
from graph.slot_verdicts import FilesSeen
from graph.state import ConversationState, DatasetFacts, TurnFields
from graph.steps import rules
from graph.steps.confirm import confirm
from graph.steps.dataset import dataset as dataset_node
from graph.steps.done import done
from graph.steps.reply import finish_turn
from graph.steps.select_model import select_model
from graph.turn_plan import plan_turn
from graph.undo import ConfigChange

_CLOSED = {"open", "os.listdir", "os.scandir", "socket.connect", "socket.getaddrinfo"}
_world_closed = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _world_closed and event in _CLOSED:
        raise AssertionError(f"a pure node touched the world: {event} {args[:1]!r}")


sys.addaudithook(_audit)


@contextmanager
def no_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Files, folders, stat and sockets closed for the block."""
    global _world_closed

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a pure node touched the world: stat {args[:1]!r}")

    with monkeypatch.context() as patched:
        patched.setattr(os, "stat", refuse)
        patched.setattr(os, "lstat", refuse)
        _world_closed = True
        try:
            yield
        finally:
            _world_closed = False


@pytest.fixture(autouse=True)
def _catalog_loaded() -> None:
    """The model catalog is package data read once per process, before any turn."""
    rules.find_model("resnet18")


@pytest.fixture
def closed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with no_world(monkeypatch):
        yield


class Read:
    """An interpretation as ``understand`` gets it."""

    def __init__(self, patch: TurnPatch, fallback_reason: str | None = None) -> None:
        self.patch = patch
        self.fallback_reason = fallback_reason


YOLO = TrainingConfig(model_name="yolov8n", framework="ultralytics", task_type="object_detection")
FOLDER = "/nowhere/at/all/coco8"
SEEN = DatasetFacts(
    path=FOLDER, found=True, format="yolo", num_classes=3, images=12,
    summary="12 images, 3 classes", label_kinds=("boxes",),
)  # fmt: skip


def said(state: ConversationState, text: str) -> ConversationState:
    return state.model_copy(update={"messages": (*state.messages, HumanMessage(text))})


def sets(**changes: Any) -> TurnPatch:
    return TurnPatch(changes=FieldChanges(**changes))


def planned(state: ConversationState, patch: TurnPatch, **kwargs: Any) -> ConversationState:
    turn = plan_turn(state, Read(patch), lang="en", **kwargs)
    return state.model_copy(update={"turn": turn})


def seen(state: ConversationState, *facts: DatasetFacts, weights: tuple[str, ...] = ()) -> Any:
    """``state`` with what ``inspect_files`` would have handed on."""
    assert state.turn is not None
    turn = state.turn.model_copy(update={"datasets": facts, "weights_present": weights})
    return state.model_copy(update={"turn": turn})


# --- the plan: which act, which files --------------------------------------------------------


def test_the_plan_names_the_folder_and_the_weights_before_the_act(closed: None) -> None:
    state = said(ConversationState(config=YOLO, step="dataset"), "data at ...")
    turn = planned(state, sets(dataset_path=f" {FOLDER} ", weights="'best.pt'")).turn
    assert turn is not None and turn.act == "apply_patch"
    assert turn.inspect == (FOLDER,) and turn.weights == ("best.pt",)
    assert route_understood(planned(state, sets(epochs=3))) == "apply_patch"
    assert route_understood(state.model_copy(update={"turn": turn})) == "inspect_files"


@pytest.mark.parametrize(
    ("step", "text", "patch", "act"),
    [
        ("hyperparameters", "10 or 20 epochs", TurnPatch(ambiguities=(Ambiguity(field="epochs", values=(10, 20)),)), "clarify"),
        ("hyperparameters", "undo", TurnPatch(intent="undo"), "undo"),
        ("hyperparameters", "start over", TurnPatch(intent="reset"), "reset"),
        ("hyperparameters", "help", TurnPatch(intent="question", question_topic="help"), "answer_question"),
        ("hyperparameters", "lr?", TurnPatch(intent="question", use_defaults=True), "apply_patch"),
        ("done", "new", TurnPatch(), "reset"),
        ("done", "another with yolo11n", TurnPatch(new_job=True), "apply_patch"),
        ("done", "epochs 5", sets(epochs=5), "answer_question"),
    ],
)  # fmt: skip
def test_the_plan_chooses_the_act_from_the_patch_and_the_step(
    closed: None, step: str, text: str, patch: TurnPatch, act: str
) -> None:
    state = said(ConversationState(config=YOLO, step=step), text)  # type: ignore[arg-type]
    planned_state = planned(state, patch)
    assert planned_state.turn is not None and planned_state.turn.act == act
    assert route_inspected(planned_state) == act


def test_another_job_carries_the_folder_and_looks_at_it_again(closed: None) -> None:
    config = YOLO.patch(dataset_path=FOLDER)
    state = said(ConversationState(config=config, step="done"), "another one with yolo11n")
    turn = planned(state, TurnPatch(new_job=True, changes=FieldChanges(model_name="yolo11n"))).turn
    assert turn is not None and turn.inspect == (FOLDER,)


# --- apply_patch: the values, with the folder as it was seen -----------------------------------


def test_apply_patch_takes_the_folder_from_what_was_seen(closed: None) -> None:
    state = said(ConversationState(config=YOLO, step="dataset"), f"data at {FOLDER}")
    after = acts.apply_patch(seen(planned(state, sets(dataset_path=FOLDER)), SEEN))
    assert after.config.dataset_format == "yolo" and after.config.num_classes == 3
    assert after.dataset == SEEN and after.datasets_seen == (SEEN,)
    assert after.step == "hyperparameters" and route_act(after) == "hyperparameters"
    assert after.turn is not None and SEEN.summary in after.turn.lines and after.turn.prompt


def test_a_path_that_skipped_inspection_is_a_wiring_error_that_says_where(closed: None) -> None:
    state = said(ConversationState(config=YOLO, step="dataset"), FOLDER)
    with pytest.raises(LookupError, match="inspect_files"):
        acts.apply_patch(planned(state, sets(dataset_path=FOLDER)))


@pytest.mark.parametrize(("present", "warned"), [((), True), (("w/best.pt",), False)])
def test_a_weights_file_is_found_or_not_by_what_was_seen(
    closed: None, present: tuple[str, ...], warned: bool
) -> None:
    state = said(ConversationState(config=YOLO), "use weights w/best.pt")
    after = acts.apply_patch(seen(planned(state, sets(weights="w/best.pt")), weights=present))
    assert after.config.weights == "w/best.pt"
    assert after.turn is not None
    assert (
        any("not found" in line or "was not found" in line for line in after.turn.lines) is warned
    )


def test_merge_validates_with_the_inspection_it_is_given(closed: None) -> None:
    from graph.steps.merge import merge_changes

    merge = merge_changes(YOLO, None, {"dataset_path": FOLDER}, "ko", FilesSeen((SEEN,)))
    assert merge.config.num_classes == 3 and merge.dataset == SEEN


# --- undo: what was seen then ------------------------------------------------------------------


def _with_folder_undone() -> ConversationState:
    other = "/nowhere/else"
    then = YOLO.patch(dataset_path=FOLDER, dataset_format="yolo", num_classes=3)
    now = then.patch(dataset_path=other, dataset_format=None, num_classes=None)
    elsewhere = DatasetFacts(path=other, found=False)
    return ConversationState(
        config=now,
        step="hyperparameters",
        dataset=elsewhere,
        datasets_seen=(SEEN, elsewhere),
        previous=(ConfigChange.between(then, now),),
    )


def test_undo_restores_the_folder_as_it_was_seen_and_says_it_changed(closed: None) -> None:
    state = said(_with_folder_undone(), "undo")
    plan = planned(state, TurnPatch(intent="undo"))
    assert plan.turn is not None and plan.turn.inspect == (FOLDER,)  # looked at again first
    grown = SEEN.model_copy(update={"images": 40})
    after = acts.undo(seen(plan, grown))
    assert after.config.dataset_path == FOLDER and after.dataset == SEEN  # what was seen then
    assert after.turn is not None
    assert any("has changed since it was inspected" in line for line in after.turn.lines)
    unchanged = acts.undo(seen(plan, SEEN.model_copy(update={"summary": "другой язык"})))
    assert unchanged.turn is not None
    assert not any("has changed" in line for line in unchanged.turn.lines)


def test_a_forked_turn_looks_at_its_folder_again_and_says_when_it_changed(closed: None) -> None:
    base = ConversationState(config=YOLO.patch(dataset_path=FOLDER), step="hyperparameters",
                             dataset=SEEN, messages=(HumanMessage("10 epochs"),))  # fmt: skip
    plan = planned(base, sets(epochs=10), forked=True)
    assert plan.turn is not None and plan.turn.inspect == (FOLDER,)
    assert plan.turn.recheck == FOLDER
    grown = seen(plan, SEEN.model_copy(update={"num_classes": 5}))
    reply = finish_turn(acts.apply_patch(grown))["messages"][0].content
    assert "has changed since it was inspected" in reply
    assert planned(base, sets(epochs=10)).turn.inspect == ()  # type: ignore[union-attr]


# --- the step nodes: what each asks ------------------------------------------------------------


def test_select_model_asks_for_the_model_with_the_task_hint(closed: None) -> None:
    state = said(ConversationState(), "segment cells")
    after = acts.apply_patch(planned(state, sets(task_type="instance_segmentation")))
    reply = select_model(after)["messages"][0].content
    assert "Which model should I train?" in reply and "yolo11n-seg" in reply
    assert "turn" not in select_model(after)  # the turn's fields end with the turn


def test_dataset_asks_for_the_ways_out_of_a_misfit(closed: None) -> None:
    seg = TrainingConfig(model_name="yolo11n-seg", framework="ultralytics",
                         task_type="instance_segmentation")  # fmt: skip
    state = said(ConversationState(config=seg, step="dataset"), FOLDER)
    after = acts.apply_patch(seen(planned(state, sets(dataset_path=FOLDER)), SEEN))
    assert after.step == "dataset"
    reply = dataset_node(after)["messages"][0].content
    assert "yolo11n" in reply  # a model that fits box labels is offered


def test_confirm_shows_the_summary_once_then_only_asks(closed: None) -> None:
    full = YOLO.patch(dataset_path=FOLDER, epochs=3, batch_size=8, learning_rate=0.01)
    state = said(ConversationState(config=full, step="hyperparameters"), "lr 0.01")
    after = acts.apply_patch(planned(state, sets(learning_rate=0.01, epochs=4)))
    first = confirm(after)["messages"][0].content
    assert "Configuration" in first or "configuration" in first
    again = said(after.model_copy(update={"turn": None, "step": "confirm"}), "hmm")
    asked = acts.apply_patch(planned(again, TurnPatch()))
    assert confirm(asked)["messages"][0].content.count("\n") < first.count("\n")


def test_yes_builds_the_job_and_start_training_continues_to_the_training_node(
    closed: None,
) -> None:
    full = YOLO.patch(dataset_path=FOLDER, epochs=3, batch_size=8, learning_rate=0.01)
    state = said(ConversationState(config=full, step="confirm"), "start training")
    plan = planned(state, TurnPatch(intent="confirm"), asked_to_start=True, can_train=True)
    after = acts.apply_patch(plan, thread_id="t-1")
    assert after.step == "done" and after.job is not None and after.job.created_from == "t-1"
    update = done(after, {"configurable": {"thread_id": "t-1"}})
    assert update["turn"].run_action == "start_training"
    assert route_step(after.model_copy(update={"turn": update["turn"]})) == "start_training"
    offered = done(acts.apply_patch(planned(state, TurnPatch(intent="confirm"), can_train=True)),
                   {"configurable": {}})  # fmt: skip
    assert "turn" not in offered and "train" in offered["messages"][0].content.lower()
    assert route_step(after.model_copy(update={"turn": None})) == END


def test_the_reply_joins_a_notice_written_earlier_this_turn(closed: None) -> None:
    notice = AIMessage("Run r-1 failed.", id="notice-1")
    state = ConversationState(messages=(HumanMessage("help"), notice))
    after = acts.answer_question(
        planned(state, TurnPatch(intent="question", question_topic="help"))
    )
    message = select_model(after)["messages"][0]
    assert message.id == "notice-1" and message.content.startswith("Run r-1 failed.")


# --- routing on explicit fields --------------------------------------------------------------


def test_routing_reads_explicit_fields(closed: None) -> None:
    idle = ConversationState()
    assert route_start(idle) == "understand"
    running = TrainingRun(run_id="r", epochs=3, output_dir="runs/r", status="running")
    assert route_start(idle.model_copy(update={"run": running})) == "check_training"
    at_confirm = idle.model_copy(update={"step": "confirm"})
    assert route_act(at_confirm) == "confirm"
    stop = TurnFields(act="answer_run_request", lang="en", step_before="dataset",
                      run_action="stop_training")  # fmt: skip
    assert route_step(idle.model_copy(update={"turn": stop})) == "stop_training"


def test_the_guard_catches_the_io_nodes_work(closed: None) -> None:
    """The closed world is real: what ``inspect_files`` does would fail here."""
    with pytest.raises(AssertionError, match="touched the world"):
        rules.weights_file_exists("w/best.pt")
    with pytest.raises(AssertionError, match="touched the world"):
        open(__file__).close()  # noqa: SIM115
    with pytest.raises(AssertionError, match="touched the world"):
        os.listdir("/")
