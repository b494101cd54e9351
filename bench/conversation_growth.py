"""(d) One long conversation: how each saver's storage and latest-state read grow with its length.

A single thread runs turn after turn of the four-node graph; every turn adds a user and an AI
message (~200 characters each), so the message list grows without bound. At each mark (50, 100
and 200 turns by default) the saver's bytes are read and the latest state is loaded through
``graph.get_state`` (what the agent does at the start of a turn) and ``saver.get_tuple``.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bench.conversation_graph import build_conversation_graph, thread_config, turn_input
from bench.interleave import round_robin
from bench.report import Timings
from bench.savers import OpenSaver

__all__ = ["GrowthPoint", "measure_growth"]

_THREAD = "long-conversation"


@dataclass(frozen=True)
class GrowthPoint:
    """One saver, one conversation length."""

    label: str
    """Saver implementation."""
    channel: str
    """How the message list is kept: "add_messages" or "DeltaChannel"."""
    turns: int
    """Turns taken so far (messages = 2 × turns)."""
    bytes_used: int
    """Bytes the saver's tables and indexes hold for the conversation."""
    checkpoints: int
    """Checkpoints stored so far."""
    get_state: Timings
    """Seconds per ``graph.get_state`` of the latest state."""
    get_tuple: Timings
    """Seconds per ``saver.get_tuple`` of the latest checkpoint."""


def _workload(
    opened: OpenSaver, marks: Sequence[int], reads: int, delta: bool, out: list[GrowthPoint]
) -> Iterator[None]:
    graph = build_conversation_graph(opened.saver, delta_messages=delta)
    config = thread_config(_THREAD)
    for turn in range(1, max(marks) + 1):
        graph.invoke(turn_input(turn, _THREAD), config)
        if turn in marks:
            state_times, tuple_times = [], []
            opened.analyze()
            # As timeit does: no garbage collection inside a timed read, so a collection
            # triggered by one saver's allocations is not billed to whichever read runs next.
            gc.collect()
            gc.disable()
            try:
                for _ in range(reads):
                    start = time.perf_counter()
                    state = graph.get_state(config)
                    state_times.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    opened.saver.get_tuple(config)
                    tuple_times.append(time.perf_counter() - start)
            finally:
                gc.enable()
            got = len(state.values["messages"])
            assert got == 2 * turn, f"{opened.label} lost messages: {got} != {2 * turn}"
            out.append(
                GrowthPoint(
                    label=opened.label,
                    channel="DeltaChannel" if delta else "add_messages",
                    turns=turn,
                    bytes_used=opened.bytes_used(),
                    checkpoints=len(list(opened.saver.list(config))),
                    get_state=Timings(tuple(state_times)),
                    get_tuple=Timings(tuple(tuple_times)),
                )
            )
        yield


def measure_growth(
    savers: list[OpenSaver], marks: Sequence[int], reads: int = 20, *, delta: bool = False
) -> list[GrowthPoint]:
    """Grow one conversation per saver (interleaved turn by turn); a point per saver per mark.

    ``delta`` keeps the messages in a ``DeltaChannel`` rather than an ``add_messages`` list.
    """
    points: list[GrowthPoint] = []
    round_robin([_workload(opened, marks, reads, delta, points) for opened in savers])
    return points
