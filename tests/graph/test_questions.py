"""Catalog questions answered in the conversation: side-by-side comparison, no config change."""

from __future__ import annotations

from langgraph.checkpoint.memory import InMemorySaver

from graph.build import build_graph
from graph.steps.rules import compare_models


def _ask(text: str, thread: str = "q") -> dict:  # type: ignore[type-arg]
    graph = build_graph(InMemorySaver())
    return graph.invoke(
        {"messages": [{"role": "user", "content": text}]}, {"configurable": {"thread_id": thread}}
    )


def test_compare_puts_the_catalog_facts_side_by_side() -> None:
    out = _ask("compare resnet18 and efficientnet_b0")
    reply = out["messages"][-1].content
    lines = reply.splitlines()
    assert lines[0].split() == ["model", "resnet18", "efficientnet_b0"]
    params = next(line for line in lines if line.startswith("parameters"))
    assert "11.69 M" in params and "5.29 M" in params
    assert out["config"].model_name is None and out["step"] == "select_model"


def test_compare_in_korean_labels_the_rows_in_korean_and_aligns_them() -> None:
    reply = _ask("resnet18이랑 yolov8n 비교해줘")["messages"][-1].content
    rows = [line for line in reply.splitlines() if "resnet18" in line or "timm" in line]
    assert rows[0].startswith("모델") and "yolov8n" in rows[0]
    # Hangul is two columns wide: the model columns start at the same screen column.
    from graph.steps.questions import _columns

    starts = [
        _columns(row[: row.index(cell)])
        for row, cell in zip(rows[:2], ("resnet18", "timm"), strict=True)
    ]
    assert starts[0] == starts[1]


def test_compare_needs_two_known_models() -> None:
    assert compare_models(("resnet18", "resnat50")) is None
    reply = _ask("compare resnet18 and resnat50")["messages"][-1].content
    assert "resnet50" in reply  # the unknown one gets a suggestion instead of a table
