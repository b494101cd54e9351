"""Retention and listing: ``prune(older_than=...)`` removes idle conversations only, and
``list_threads`` answers for every thread in one pass, on every database."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import langgraph.checkpoint.base.id as langgraph_ids
import pytest
import sqlalchemy as sa
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.base.id import uuid6

from storage import SQLSaver
from storage.retention import checkpoint_id_floor, checkpoint_time

DAY = datetime.timedelta(days=1)


def _at(moment: datetime.datetime) -> str:
    """A LangGraph checkpoint id made at ``moment`` (by LangGraph's own ``uuid6``, whose
    never-go-back guard is reset so that it accepts a moment in the past)."""
    with (
        mock.patch("time.time_ns", return_value=int(moment.timestamp() * 1e6) * 1000),
        mock.patch.object(langgraph_ids, "_last_v6_timestamp", None),
    ):
        return str(uuid6(clock_seq=0))


def _write(saver: SQLSaver, thread: str, ages_in_days: list[float], ns: str = "") -> None:
    """A chain of checkpoints of ``thread`` made that many days ago (oldest first), each with a
    message list and a step stored."""
    now = datetime.datetime.now(datetime.UTC)
    config: Any = {"configurable": {"thread_id": thread, "checkpoint_ns": ns}}
    for turn, age in enumerate(ages_in_days):
        checkpoint = empty_checkpoint()
        checkpoint["id"] = _at(now - datetime.timedelta(days=age))
        checkpoint["ts"] = (now - datetime.timedelta(days=age)).isoformat()
        version = saver.get_next_version(None if turn == 0 else f"{turn:032}.0", None)
        checkpoint["channel_values"] = {
            "messages": [f"m{i}" for i in range(turn + 1)],
            "step": f"s{turn}",
        }
        checkpoint["channel_versions"] = {"messages": version, "step": version}
        config = saver.put(
            config, checkpoint, {"step": turn}, {"messages": version, "step": version}
        )
        saver.put_writes(config, [("messages", "pending")], "task")


def test_checkpoint_ids_and_times_agree() -> None:
    moment = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
    made = _at(moment)
    assert checkpoint_time(made) == moment
    assert (
        checkpoint_id_floor(moment)
        <= made
        < checkpoint_id_floor(moment + datetime.timedelta(microseconds=1))
    )
    assert checkpoint_id_floor(moment - DAY) < made
    assert checkpoint_time("not-a-uuid") is None and checkpoint_time("1") is None


@pytest.mark.parametrize("strategy", ["delete", "keep_latest"])
def test_prune_older_than_touches_idle_conversations_only(saver: SQLSaver, strategy: str) -> None:
    _write(saver, "idle", [90, 60, 45])
    _write(saver, "active", [90, 60, 1])  # old history, but a turn yesterday
    _write(saver, "idle-sub", [50, 40], ns="child:1")  # only a subgraph namespace, idle
    _write(saver, "hand-made-ids", [])
    saver.put(
        {"configurable": {"thread_id": "hand-made-ids", "checkpoint_ns": ""}},
        {**empty_checkpoint(), "id": "1"},
        {},
        {},
    )

    pruned = saver.prune_idle(30 * DAY, strategy=strategy)

    assert sorted(pruned) == ["idle", "idle-sub"]
    listed = lambda tid: list(saver.list({"configurable": {"thread_id": tid}}))  # noqa: E731
    assert len(listed("active")) == 3
    assert len(listed("hand-made-ids")) == 1
    if strategy == "delete":
        assert listed("idle") == [] and listed("idle-sub") == []
    else:
        (kept,) = listed("idle")
        assert kept.checkpoint["channel_values"]["messages"] == ["m0", "m1", "m2"]
        assert kept.pending_writes == [("task", "messages", "pending")]


def test_prune_keeps_a_thread_that_is_only_younger_than_the_limit(saver: SQLSaver) -> None:
    _write(saver, "t", [10, 5])
    saver.prune(older_than=30 * DAY, strategy="delete")
    saver.prune(["t"], older_than=6 * DAY, strategy="delete")
    assert len(list(saver.list({"configurable": {"thread_id": "t"}}))) == 2
    saver.prune(["t"], older_than=4 * DAY, strategy="delete")
    assert list(saver.list({"configurable": {"thread_id": "t"}})) == []


def test_prune_refuses_bad_arguments_and_changes_nothing(saver: SQLSaver) -> None:
    _write(saver, "t", [90])
    with pytest.raises(ValueError, match="unknown prune strategy 'forget'"):
        saver.prune(older_than=DAY, strategy="forget")
    with pytest.raises(ValueError, match="negative"):
        saver.prune(older_than=-DAY)
    with pytest.raises(ValueError, match="thread_ids, older_than"):
        saver.prune()
    assert len(list(saver.list({"configurable": {"thread_id": "t"}}))) == 1


async def test_aprune_older_than(saver: SQLSaver) -> None:
    _write(saver, "idle", [40])
    _write(saver, "active", [2])
    assert list(await saver.aprune_idle(30 * DAY, strategy="delete")) == ["idle"]
    assert [s.thread_id for s in await saver.alist_threads()] == ["active"]


def test_list_threads_gives_each_heads_values_newest_first(saver: SQLSaver) -> None:
    _write(saver, "older", [20, 10])
    _write(saver, "newer", [3, 2, 1])
    _write(saver, "newer", [], ns="child:1")  # nothing: namespaces are not conversations
    _write(saver, "sub-only", [1], ns="child:1")

    summaries = saver.list_threads(channels=("messages", "step"))

    assert [s.thread_id for s in summaries] == ["newer", "older"]
    newer, older = summaries
    assert newer.checkpoints == 3 and older.checkpoints == 2
    assert newer.values == {"messages": ["m0", "m1", "m2"], "step": "s2"}
    assert older.values == {"messages": ["m0", "m1"], "step": "s1"}
    assert newer.updated_at is not None and older.updated_at is not None
    assert newer.updated_at > older.updated_at
    assert (
        newer.checkpoint_id
        == list(saver.list({"configurable": {"thread_id": "newer"}}))[0].config["configurable"][
            "checkpoint_id"
        ]
    )


def test_list_threads_is_one_query_whatever_the_number_of_threads(saver: SQLSaver) -> None:
    """Listing reads every thread's head, count and channel values in a single statement
    (``threads``), not one per thread: the cost of ``trainchat threads`` does not grow with
    round trips. Counted on the one path the listing takes (SQLAlchemy's ``Connection``)."""
    for number in range(5):
        _write(saver, f"t{number}", [3, 2, 1])
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    sa.event.listen(saver.engine, "before_cursor_execute", count)
    try:
        summaries = saver.list_threads(channels=("messages", "step"))
    finally:
        sa.event.remove(saver.engine, "before_cursor_execute", count)
    assert len(summaries) == 5
    assert all(s.values["messages"] == ["m0", "m1", "m2"] for s in summaries)
    assert len([s for s in sent if "trainchat_" in s]) == 1, sent


def test_list_threads_reads_the_heads_value_after_a_fork(saver: SQLSaver) -> None:
    """A fork from an old checkpoint: the newest stored version is not the head's."""
    _write(saver, "t", [3, 2])
    first = list(saver.list({"configurable": {"thread_id": "t"}}))[-1]
    fork = first.checkpoint.copy()
    fork["id"] = _at(datetime.datetime.now(datetime.UTC))
    low = "00000000000000000000000000000001.5"  # below every version the thread stored
    fork["channel_values"] = {"messages": ["forked"]}
    fork["channel_versions"] = {"messages": low}
    saver.put(first.config, fork, {}, {"messages": low})

    (summary,) = saver.list_threads(channels=("messages",))
    assert summary.values == {"messages": ["forked"]}
