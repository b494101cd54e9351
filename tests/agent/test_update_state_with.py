"""``TurnLockedGraph.update_state_with``: a read-then-write of the state under one turn lock.

The training worker and ``trainchat stop`` decide what to write from what is stored now; these
tests pin that nothing is written when the change says so, that a value is validated like any
``update_state``, and that a turn cannot slip between the read and the write.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from agent import create_agent
from graph.run import TrainingRun


def thread(thread_id: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread_id}}


def said(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def _run(**fields: Any) -> TrainingRun:
    return TrainingRun(run_id="r1", epochs=3, output_dir="/tmp/r1", **fields)


def test_writes_the_change_or_nothing(sqlite_db: str) -> None:
    agent = create_agent(db=sqlite_db, llm="offline")
    agent.invoke(said("train resnet18"), thread("w"))
    before = len(list(agent.get_state_history(thread("w"))))
    assert agent.update_state_with(thread("w"), lambda values: None) is None
    assert len(list(agent.get_state_history(thread("w")))) == before
    seen: list[Any] = []

    def change(values: dict[str, Any]) -> dict[str, Any]:
        seen.append(values.get("run"))
        return {"run": _run()}

    assert agent.update_state_with(thread("w"), change) is not None
    assert seen == [None]
    assert agent.get_state(thread("w")).values["run"] == _run()
    assert agent.get_state(thread("w")).values["config"].model_name == "resnet18"


def test_a_refused_value_writes_nothing(sqlite_db: str) -> None:
    agent = create_agent(db=sqlite_db, llm="offline")
    agent.invoke(said("train resnet18"), thread("v"))
    with pytest.raises(ValueError):
        agent.update_state_with(thread("v"), lambda values: {"run": {"run_id": "x"}})
    assert agent.get_state(thread("v")).values.get("run") is None


def test_a_turn_waits_for_the_read_and_the_write(sqlite_db: str) -> None:
    agent = create_agent(db=sqlite_db, llm="offline")
    agent.invoke(said("train resnet18"), thread("l"))
    inside = threading.Event()

    def slow_change(values: dict[str, Any]) -> dict[str, Any]:
        inside.set()
        time.sleep(1.0)  # a turn sent now must wait: it would otherwise build on stale values
        return {"run": _run(status="running")}

    writer = threading.Thread(target=agent.update_state_with, args=(thread("l"), slow_change))
    writer.start()
    inside.wait(5)
    out = agent.invoke(said("20 epochs"), thread("l"))
    writer.join()
    assert out["run"] == _run(status="running")  # the turn ran after the write and kept it
    assert out["config"].epochs == 20
