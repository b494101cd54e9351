"""(b) The checkpointer interface one call at a time: put, put_writes, get_tuple, list.

One conversation of ``checkpoints`` checkpoints is written through ``put`` (each followed by a
``put_writes`` of two pending writes, as a node leaves them), then the latest state is read with
``get_tuple`` and the whole history with ``list``. The checkpoints are built the way the Pregel
loop builds them: every channel's value in ``channel_values``, only the changed ones in
``new_versions``, versions from the saver's own ``get_next_version``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.base import Checkpoint, empty_checkpoint
from langgraph.checkpoint.base.id import uuid6

from bench.conversation_graph import ai_reply, thread_config, turn_input
from bench.interleave import round_robin
from bench.report import Timings
from bench.savers import OpenSaver

__all__ = ["OPERATIONS", "OpsScale", "measure_operations"]

OPERATIONS = ("put", "put_writes", "get_tuple (latest)", "list (whole thread)", "list (limit 10)")
"""The rows of table (b), in order."""

_THREAD = "ops"


@dataclass(frozen=True)
class OpsScale:
    """How many of each call to make."""

    checkpoints: int = 1000
    """Length of the thread written with put (and put_writes after each)."""
    reads: int = 300
    """get_tuple calls and list(limit=10) calls."""
    lists: int = 5
    """Full-history list calls (each returns ``checkpoints`` tuples)."""


def _checkpoints(opened: OpenSaver, count: int) -> Iterator[tuple[Checkpoint, dict[str, Any]]]:
    """Successive checkpoints of one conversation and, for each, the versions that changed."""
    saver = opened.saver
    versions: dict[str, Any] = {}
    messages = [
        *turn_input(1, _THREAD)["messages"],
        ai_reply(1, "model"),
        *turn_input(2, _THREAD)["messages"],
        ai_reply(2, "hyperparameters"),
    ]
    values: dict[str, Any] = {"messages": messages, "config": {"batch_size": 16}, "errors": []}
    for step in range(count):
        changed = ["step", "turn"] + (["messages", "config"] if step % 6 == 0 else [])
        values["step"], values["turn"] = ("dataset", "model", "review")[step % 3], step
        if "config" in changed:
            values["config"] = {**values["config"], "epochs": 100 + step}
        for channel in changed:
            versions[channel] = saver.get_next_version(versions.get(channel), None)
        checkpoint = empty_checkpoint()
        checkpoint["id"] = str(uuid6(clock_seq=step))
        checkpoint["ts"] = dt.datetime.now(dt.UTC).isoformat()
        checkpoint["channel_values"] = dict(values)
        checkpoint["channel_versions"] = dict(versions)
        checkpoint["versions_seen"] = {"respond": {c: versions[c] for c in ("step", "turn")}}
        yield checkpoint, {channel: versions[channel] for channel in changed}


def _workload(opened: OpenSaver, scale: OpsScale, out: dict[str, list[float]]) -> Iterator[None]:
    saver, clock = opened.saver, time.perf_counter
    config: Any = {"configurable": {"thread_id": _THREAD, "checkpoint_ns": ""}}
    note = HumanMessage(content="pending write of a node", id="pending")
    for step, (checkpoint, new_versions) in enumerate(_checkpoints(opened, scale.checkpoints)):
        start = clock()
        config = saver.put(config, checkpoint, {"source": "loop", "step": step}, new_versions)
        middle = clock()
        saver.put_writes(config, [("messages", [note]), ("step", "plan")], f"task-{step}")
        out["put"].append(middle - start)
        out["put_writes"].append(clock() - middle)
        if step % 50 == 49:
            yield
    latest = thread_config(_THREAD)
    opened.analyze()
    for read in range(scale.reads):
        start = clock()
        found = saver.get_tuple(latest)
        out["get_tuple (latest)"].append(clock() - start)
        assert found is not None and found.config == config, "get_tuple missed the latest"
        start = clock()
        page = list(saver.list(latest, limit=10))
        out["list (limit 10)"].append(clock() - start)
        assert len(page) == min(10, scale.checkpoints), "list(limit=10) returned a short page"
        if read % 20 == 19:
            yield
    for _ in range(scale.lists):
        start = clock()
        history = list(saver.list(latest))
        out["list (whole thread)"].append(clock() - start)
        assert len(history) == scale.checkpoints, f"list returned {len(history)} checkpoints"
        yield


def measure_operations(savers: list[OpenSaver], scale: OpsScale) -> dict[str, dict[str, Timings]]:
    """Per saver label, per operation in OPERATIONS: the durations, savers interleaved."""
    samples: dict[str, dict[str, list[float]]] = {
        o.label: {op: [] for op in OPERATIONS} for o in savers
    }
    round_robin([_workload(o, scale, samples[o.label]) for o in savers], collect=True)
    return {
        label: {op: Timings(tuple(durations)) for op, durations in ops.items()}
        for label, ops in samples.items()
    }
