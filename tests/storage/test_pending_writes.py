"""Pending writes keep LangGraph's per-(task, index) rule across repeated ``put_writes`` calls.

LangGraph re-sends a task's earlier writes with new ones (a resume carrying an update sends
``[u1, u2, resume]`` after ``[u1, resume]``): the new ``u2`` must be kept, the repeated ``u1``
must not be doubled, and a call made only of special channels (interrupts, errors) replaces.
``SqliteSaver`` is the reference: the same calls must read back the same pending writes.
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver, empty_checkpoint
from langgraph.checkpoint.sqlite import SqliteSaver

from storage import SQLSaver

CALLS: list[tuple[str, list[tuple[str, Any]]]] = [
    ("null", [("log", "u1"), ("__resume__", "1")]),
    ("task", [("__interrupt__", "ask 2"), ("__resume__", ["1"])]),
    ("null", [("log", "u1"), ("log", "u2"), ("__resume__", "2")]),
    ("task", [("__interrupt__", "ask 3"), ("__resume__", ["1", "2"])]),
    ("null", [("log", "u1"), ("log", "u2"), ("log", "u3"), ("__resume__", "3")]),
    ("task", [("__error__", "boom")]),
]


def _pending_after_calls(saver: BaseCheckpointSaver[Any]) -> list[tuple[str, str, Any]]:
    config = saver.put(
        {"configurable": {"thread_id": "t", "checkpoint_ns": ""}}, empty_checkpoint(), {}, {}
    )
    for task_id, writes in CALLS:
        saver.put_writes(config, writes, task_id, task_path="~a")
    found = saver.get_tuple(config)
    assert found is not None and found.pending_writes is not None
    return list(found.pending_writes)


def test_repeated_put_writes_read_back_as_sqlitesaver_reads_them(saver: SQLSaver) -> None:
    with SqliteSaver.from_conn_string(":memory:") as reference:
        expected = _pending_after_calls(reference)

    ours = _pending_after_calls(saver)

    assert ours == expected
    assert [value for task, channel, value in ours if channel == "log"] == ["u1", "u2", "u3"]
