"""Random text never crashes a turn and never removes a set field the user did not ask to remove.

"Asked to remove" means: undo, start over, a new model or a new dataset path (a correction
re-checks the fields that depend on it and may clear one that no longer holds — and says so). The patch the turn was
built from is recomputed with the same offline parser to know what the user asked.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver

from graph.build import build_graph
from graph.config import CONFIG_FIELDS
from graph.datasets.samples import make_sample_dataset
from graph.state import STEPS
from graph.turn_plan import NEW_CONFIGURATION_PHRASES
from graph.understanding import parse_message

VOCABULARY = (
    "epochs", "10", "0", "-5", "batch", "batch size", "lr", "5", "3e-4", "learning rate", "0.01",
    "resnet18", "yolov8n", "efficientnet_b0", "resnat18", "yolo11n-seg", "undo", "start over",
    "yes", "no", "ok", "에폭", "배치 크기", "학습률", "기본값", "기본 데이터셋", "새로", "new",
    "use the defaults", "what", "?", "actually", "/tmp/nowhere", r"C:\data\x", "~/d", "로",
    "입니다", "help", "what's left?", "image size", "100", "640", "optimizer", "adamw", "seed",
    "classes", "3", "for detection", "for segmentation", "framework", "ultralytics", "timm", "=",
    ",", "and", "네", "아니요", "처음부터", "되돌려", "compare", "tell me about",
)  # fmt: skip

phrases = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=7).map(" ".join)
texts = st.one_of(phrases, st.text(max_size=60))
_threads = itertools.count()


@pytest.fixture(scope="module")
def graph() -> Any:
    return build_graph(InMemorySaver())


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(make_sample_dataset(tmp_path_factory.mktemp("prop"), "yolo"))


def say(graph: Any, thread: str, text: str) -> dict[str, Any]:
    out: dict[str, Any] = graph.invoke(
        {"messages": [{"role": "user", "content": text}]}, {"configurable": {"thread_id": thread}}
    )
    return out


def asked_to_remove(text: str, before: Any, step: str) -> bool:
    patch = parse_message(text, step=step, config=before)
    if patch.intent in ("undo", "reset"):
        return True
    if step == "done":
        # The product's own list of what starts a new job after ``done`` ("start a new one"...),
        # and "another job with <model>" / "하나 더, 이번엔 <model>" (issue #10).
        return patch.new_job or text.strip().strip(".!").lower() in NEW_CONFIGURATION_PHRASES
    # A new model re-checks its dependents; a new dataset path replaces the old one's findings.
    return bool({"model_name", "dataset_path"} & set(patch.changes.stated()))


def check_turn(before: Any, step: str, text: str, out: dict[str, Any]) -> None:
    reply = out["messages"][-1]
    assert isinstance(reply, AIMessage) and reply.content.strip()
    assert out["step"] in STEPS
    after = out["config"]
    if asked_to_remove(text, before, step):
        return
    for name in CONFIG_FIELDS:
        if getattr(before, name) is not None:
            assert getattr(after, name) is not None, f"{text!r} removed {name}"
    if step == "done":
        assert after == before, f"{text!r} changed a confirmed job"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(turns=st.lists(texts, min_size=1, max_size=5))
def test_random_turns_from_a_full_configuration(graph: Any, dataset: str, turns: list[str]) -> None:
    thread = f"prop-{next(_threads)}"
    out = say(graph, thread, f"yolov8n on {dataset}, epochs=5 batch_size 8 lr 0.01 seed 3")
    assert out["step"] == "confirm"
    for text in turns:
        before, step = out["config"], out["step"]
        out = say(graph, thread, text)
        check_turn(before, step, text, out)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(turns=st.lists(texts, min_size=1, max_size=4))
def test_random_turns_after_confirmation(graph: Any, dataset: str, turns: list[str]) -> None:
    thread = f"done-{next(_threads)}"
    say(graph, thread, f"yolov8n on {dataset}, epochs=5 batch_size 8 lr 0.01")
    out = say(graph, thread, "yes")
    assert out["step"] == "done"
    for text in turns:
        before, step = out["config"], out["step"]
        out = say(graph, thread, text)
        check_turn(before, step, text, out)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(turns=st.lists(texts, min_size=1, max_size=6))
def test_random_turns_from_an_empty_conversation(graph: Any, turns: list[str]) -> None:
    thread = f"empty-{next(_threads)}"
    out: dict[str, Any] | None = None
    for text in turns:
        if out is None:
            out = say(graph, thread, text)
            assert out["messages"][-1].content.strip()
            continue
        before, step = out["config"], out["step"]
        out = say(graph, thread, text)
        check_turn(before, step, text, out)


@pytest.mark.slow
@pytest.mark.timeout(1200)  # 150 examples, each several brand-new agents on SQLite
def test_random_turns_through_sql_and_a_fresh_agent_per_turn(sqlite_db: str, dataset: str) -> None:
    """The same property with every turn coming back from SQLite through a brand-new agent."""
    from agent import create_agent

    def fresh() -> Any:
        return create_agent(db=sqlite_db, llm="offline")

    @settings(max_examples=150, deadline=None, database=None)
    @given(turns=st.lists(texts, min_size=1, max_size=4))
    def run(turns: list[str]) -> None:
        thread = f"sql-{next(_threads)}"
        out = say(fresh(), thread, f"yolov8n on {dataset}, epochs=5 batch_size 8 lr 0.01")
        for text in turns:
            before, step = out["config"], out["step"]
            out = say(fresh(), thread, text)
            check_turn(before, step, text, out)
            stored = fresh().get_state({"configurable": {"thread_id": thread}}).values
            assert stored["config"] == out["config"]

    run()
