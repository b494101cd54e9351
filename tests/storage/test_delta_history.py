"""get_delta_channel_history: the one-pass query returns exactly what LangGraph's walk returns."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Annotated, Any, TypedDict

import pytest
from langgraph.channels.delta import DeltaChannel
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph

from storage import SQLSaver
from tests.storage.graphs import config_for


def _extend(state: list[str] | None, writes: Sequence[list[str]]) -> list[str]:
    return [*(state or []), *(item for write in writes for item in write)]


class DeltaState(TypedDict, total=False):
    items: Annotated[list[str], DeltaChannel(_extend, snapshot_frequency=3)]
    notes: Annotated[list[str], operator.add]
    turns: int


def _delta_graph(saver: SQLSaver) -> Any:
    def first(state: DeltaState) -> dict[str, Any]:
        return {"turns": state.get("turns", 0) + 1, "items": [f"first-{state.get('turns', 0)}"]}

    def second(state: DeltaState) -> dict[str, Any]:
        return {"items": ["second"], "notes": [str(len(state.get("items", [])))]}

    def third(state: DeltaState) -> dict[str, Any]:
        return {"items": ["third"]}

    graph = StateGraph(DeltaState)
    graph.add_node("first", first)
    graph.add_node("second", second)
    graph.add_node("third", third)
    graph.add_edge(START, "first")
    # second and third run in the same super-step: their writes must keep writes_sort_key order
    graph.add_edge("first", "second")
    graph.add_edge("first", "third")
    graph.add_edge("second", END)
    graph.add_edge("third", END)
    return graph.compile(checkpointer=saver)


CHANNELS = ["items", "notes", "turns", "branch:to:second", "never-written"]


def test_matches_the_default_walk_everywhere(saver: SQLSaver) -> None:
    """For every checkpoint of a forked DeltaChannel thread, sync and async."""
    graph = _delta_graph(saver)
    for word in ("a", "b", "c", "d"):
        graph.invoke({"items": [word]}, config_for("d"))
    history = list(graph.get_state_history(config_for("d")))
    graph.invoke({"items": ["fork"]}, history[len(history) // 2].config)
    graph.update_state(config_for("d"), {"items": ["manual"]}, as_node="third")

    state = graph.get_state(config_for("d"))
    assert state.values["items"][-1] == "manual" and "fork" in state.values["items"]

    every = list(saver.list(config_for("d")))
    assert len(every) > 20
    longest, seeded, unseeded = 0, 0, 0
    for tup in [*every, None]:
        config = tup.config if tup else config_for("d")  # None: "latest" (no checkpoint_id)
        expected = BaseCheckpointSaver.get_delta_channel_history(
            saver, config=config, channels=CHANNELS
        )
        assert saver.get_delta_channel_history(config=config, channels=CHANNELS) == expected
        longest = max(longest, len(expected["items"]["writes"]))
        seeded += "seed" in expected["items"]
        unseeded += "seed" not in expected["items"]
    # the comparison covered multi-write replays, snapshot seeds and seedless roots
    assert longest >= 4 and seeded and unseeded
    assert saver.get_delta_channel_history(config=config_for("d"), channels=[]) == {}
    missing = {"configurable": {"thread_id": "d", "checkpoint_ns": "", "checkpoint_id": "nope"}}
    assert saver.get_delta_channel_history(config=missing, channels=["items"]) == {
        "items": {"writes": []}
    }


async def test_async_matches_the_default_walk(saver: SQLSaver) -> None:
    graph = _delta_graph(saver)
    for word in ("a", "b", "c"):
        await graph.ainvoke({"items": [word]}, config_for("e"))
    async for tup in saver.alist(config_for("e")):
        expected = await BaseCheckpointSaver.aget_delta_channel_history(
            saver, config=tup.config, channels=CHANNELS
        )
        got = await saver.aget_delta_channel_history(config=tup.config, channels=CHANNELS)
        assert got == expected
    await saver.aclose()


def test_long_chains_are_paged(saver: SQLSaver, monkeypatch: pytest.MonkeyPatch) -> None:
    """A channel whose seed lies beyond one page of ancestors is still found."""
    from storage import delta_history

    monkeypatch.setattr(delta_history, "PAGE", 2)
    graph = _delta_graph(saver)
    for word in "abcde":
        graph.invoke({"items": [word]}, config_for("p"))
    config = config_for("p")
    channels = ["items", "notes", "never-written"]
    expected = BaseCheckpointSaver.get_delta_channel_history(
        saver, config=config, channels=channels
    )
    assert saver.get_delta_channel_history(config=config, channels=channels) == expected
    assert expected["never-written"]["writes"] == [] and "seed" not in expected["never-written"]


def test_keep_latest_keeps_what_a_delta_channel_replays(saver: SQLSaver) -> None:
    """LangGraph's own savers refuse keep_latest on DeltaChannel threads; this one keeps the
    head's chain back to the last stored snapshot and drops the rest, state unchanged."""
    graph = _delta_graph(saver)
    for word in "abcdefg":
        graph.invoke({"items": [word]}, config_for("r"))
    history = list(graph.get_state_history(config_for("r")))
    graph.invoke({"items": ["fork"]}, history[3].config)  # a branch the prune must drop
    # a turn ends on a snapshot; one more update leaves the head needing its history
    graph.update_state(config_for("r"), {"items": ["tail"]}, as_node="third")
    before = graph.get_state(config_for("r")).values
    head = saver.get_tuple(config_for("r"))
    assert head is not None and "counters_since_delta_snapshot" in head.metadata
    channels = ["items", "notes", "turns"]
    replay = saver.get_delta_channel_history(config=head.config, channels=channels)
    count = len(list(saver.list(config_for("r"))))

    saver.prune(["r"], strategy="keep_latest")

    left = list(saver.list(config_for("r")))
    assert 1 < len(left) < count  # the snapshot's ancestors and the old branch are gone
    assert graph.get_state(config_for("r")).values == before
    assert saver.get_delta_channel_history(config=head.config, channels=channels) == replay
    graph.invoke({"items": ["after"]}, config_for("r"))
    after = graph.get_state(config_for("r")).values["items"]
    assert after[: len(before["items"]) + 1] == [*before["items"], "after"]


def test_keep_latest_on_a_snapshot_head_keeps_only_it(saver: SQLSaver) -> None:
    """A head that stores every delta channel in full needs no ancestor."""
    graph = _delta_graph(saver)
    for word in "abcd":
        graph.invoke({"items": [word]}, config_for("s"))
    head = saver.get_tuple(config_for("s"))
    assert head is not None and "counters_since_delta_snapshot" not in head.metadata
    before = graph.get_state(config_for("s")).values
    saver.prune(["s"], strategy="keep_latest")
    assert len(list(saver.list(config_for("s")))) == 1
    assert graph.get_state(config_for("s")).values == before
