"""``trainchat graph`` draws what runs: exactly the compiled graph's nodes and edges.

The Mermaid text is parsed back (one ``name(label)`` line per node, one ``a --> b;`` or
``a -.-> b;`` line per edge) and compared with ``build_graph().get_graph()``, which LangGraph
derives from the nodes and the routing functions' declared destinations. A node added without
its routes, or a route that is not drawn, fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graph.build import build_graph

_NODE = re.compile(r"^\s*([A-Za-z_]+)[\(\[]")
_EDGE = re.compile(r"^\s*([A-Za-z_]+) (-->|-\.->)(?:\|[^|]*\|)? ([A-Za-z_]+);$")


def _drawn(mermaid: str) -> tuple[set[str], set[tuple[str, str, bool]]]:
    nodes: set[str] = set()
    edges: set[tuple[str, str, bool]] = set()
    for line in mermaid.splitlines():
        edge = _EDGE.match(line)
        if edge is not None:
            edges.add((edge.group(1), edge.group(3), edge.group(2) == "-.->"))
            continue
        node = _NODE.match(line)
        if node is not None and not line.strip().startswith("classDef"):
            nodes.add(node.group(1))
    return nodes, edges


def test_the_mermaid_drawing_is_the_compiled_graph(invoke: Callable[..., Any]) -> None:
    nodes, edges = _drawn(invoke("graph").stdout)
    compiled = build_graph().get_graph()
    assert nodes == set(compiled.nodes)
    assert edges == {(edge.source, edge.target, edge.conditional) for edge in compiled.edges}


def test_the_drawing_shows_where_the_world_is_touched_and_the_shape_of_a_turn(
    invoke: Callable[..., Any],
) -> None:
    nodes, edges = _drawn(invoke("graph").stdout)
    pairs = {(source, target) for source, target, _ in edges}
    acts = {"apply_patch", "clarify", "answer_question", "undo", "reset", "answer_run_request"}
    steps = {"select_model", "dataset", "hyperparameters", "confirm", "done"}
    io = {"check_training", "understand", "inspect_files"} | {
        "start_training", "resume_training", "stop_training"
    }  # fmt: skip
    assert nodes == {"__start__", "__end__"} | acts | steps | io
    # START → [check_training] → understand → [inspect_files] → act → step → [training] → END
    assert {("__start__", "check_training"), ("__start__", "understand")} <= pairs
    assert ("check_training", "understand") in pairs
    assert {("understand", act) for act in acts} | {("understand", "inspect_files")} <= pairs
    assert {(act, "select_model") for act in acts} | {
        ("apply_patch", step) for step in steps
    } <= pairs
    assert ("reset", "confirm") not in pairs and ("undo", "done") not in pairs  # cannot happen
    assert {("done", "start_training"), ("done", "__end__"), ("confirm", "__end__")} <= pairs
    # no act reaches the world or the end directly: the step node always finishes the reply
    assert not {(act, target) for act in acts for target in io | {"__end__"}} & pairs


def test_ascii_drawing_names_every_node(invoke: Callable[..., Any]) -> None:
    drawing = invoke("graph", "--format", "ascii").stdout
    for node in build_graph().get_graph().nodes:
        if not node.startswith("__"):
            assert node in drawing
