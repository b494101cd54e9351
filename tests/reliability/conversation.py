"""The known script every reliability driver runs, and the states a reference run goes through.

A state is compared as a plain snapshot (config, step, language, dataset facts, undo stack, job,
and every message as (type, content)): two runs of the same script through the offline parser
must produce equal snapshots turn by turn, so "the latest state is the state after some
completed turn" is an equality test against the reference sequence, never a heuristic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent import create_agent
from graph.state import STATE_MSGPACK_TYPES
from storage import SQLSaver, make_serializer

__all__ = [
    "TEST_LEASE",
    "make_agent",
    "make_saver",
    "reference_states",
    "script",
    "snapshot",
    "thread_config",
]

TEST_LEASE = 0.5
"""SQLite turn-lock lease for the kill loops: a killed holder's lease must expire before the
next driver can take the thread, and the product default (30 s) would make every kill cost
half a minute. Servers release the lock with the dead connection and ignore the lease."""


def script(dataset: Path | str) -> tuple[str, ...]:
    """A fixed conversation: every turn changes the state (one refusal keeps the old value)."""
    return (
        "train resnet18 for classification",
        f"the dataset is at {dataset}",
        "10 epochs, batch size 32",
        "learning rate 0.001",
        "actually use efficientnet_b0",
        "epochs 0",
        "batch size 16",
        "yes",
    )


def make_saver(url: str, *, lease: float = TEST_LEASE) -> SQLSaver:
    """A set-up ``SQLSaver`` on ``url`` with the graph's types allowed (what create_agent makes)."""
    saver = SQLSaver.from_url(url, serde=make_serializer(STATE_MSGPACK_TYPES), lock_lease=lease)
    saver.setup()
    return saver


def make_agent(url: str, *, lease: float = TEST_LEASE, **kwargs: Any) -> Any:
    """``create_agent`` on ``url`` with the offline parser and a short SQLite lease."""
    return create_agent(checkpointer=make_saver(url, lease=lease), llm="offline", **kwargs)


def thread_config(thread_id: str) -> dict[str, Any]:
    """The run config naming ``thread_id``."""
    return {"configurable": {"thread_id": thread_id}}


def snapshot(values: dict[str, Any]) -> dict[str, Any]:
    """A comparable, plain view of a state's values (message ids, objects and the job's
    thread id left out)."""

    def dump(value: Any) -> Any:
        return value.model_dump(mode="json") if hasattr(value, "model_dump") else value

    return {
        "config": dump(values.get("config")),
        "step": values.get("step"),
        "language": values.get("language"),
        "dataset": dump(values.get("dataset")),
        "previous": [dump(c) for c in values.get("previous", ())],
        "job": _without_thread(dump(values.get("job"))),
        "messages": [(m.type, m.content) for m in values.get("messages", ())],
    }


def _without_thread(job: Any) -> Any:
    """The job minus ``created_from`` (its thread id), so runs on other threads compare equal."""
    if isinstance(job, dict):
        return {key: value for key, value in job.items() if key != "created_from"}
    return job


def reference_states(url: str, dataset: Path | str, thread_id: str) -> list[dict[str, Any]]:
    """Snapshots after 0, 1, ..., n turns of the script on a fresh thread of ``url``."""
    agent = make_agent(url)
    config = thread_config(thread_id)
    states = [snapshot(agent.get_state(config).values)]
    for text in script(dataset):
        agent.invoke({"messages": [{"role": "user", "content": text}]}, config)
        states.append(snapshot(agent.get_state(config).values))
    agent.checkpointer.close()
    return states
