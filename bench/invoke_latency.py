"""(a) ms per invoke of the four-node graph, and (c) bytes per checkpoint of the state it leaves.

Each saver runs ``invokes`` invokes spread round-robin over ``threads`` conversations, one at a
time (latency, not throughput). Afterwards the same database tells how many bytes each
checkpoint cost: the saver's tables and indexes minus the empty schema, divided by the number of
checkpoints the saver lists for those conversations.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from bench.conversation_graph import build_conversation_graph, thread_config, turn_input
from bench.interleave import round_robin
from bench.report import Timings
from bench.savers import OpenSaver

__all__ = ["InvokeResult", "measure_invokes"]


@dataclass(frozen=True)
class InvokeResult:
    """What one saver did on the invoke workload."""

    label: str
    """Saver implementation."""
    backend: str
    """Database."""
    timings: Timings
    """Seconds per invoke."""
    checkpoints: int
    """Checkpoints stored (listed back through the saver)."""
    bytes_used: int
    """Bytes the saver's tables and indexes grew by."""

    @property
    def bytes_per_checkpoint(self) -> float:
        """Storage cost of one checkpoint of this graph's state."""
        return self.bytes_used / self.checkpoints if self.checkpoints else float("nan")


def _workload(opened: OpenSaver, invokes: int, threads: int, out: list[float]) -> Iterator[None]:
    graph = build_conversation_graph(opened.saver)
    graph.invoke(turn_input(0, "warm-up"), thread_config("warm-up"))  # connections, caches
    yield
    for i in range(invokes):
        thread, turn = f"conversation-{i % threads}", i // threads
        start = time.perf_counter()
        graph.invoke(turn_input(turn, thread), thread_config(thread))
        out.append(time.perf_counter() - start)
        yield


def _count_checkpoints(opened: OpenSaver, threads: int) -> int:
    names = ["warm-up"] + [f"conversation-{i}" for i in range(threads)]
    return sum(len(list(opened.saver.list(thread_config(name)))) for name in names)


def measure_invokes(savers: list[OpenSaver], invokes: int, threads: int) -> list[InvokeResult]:
    """Run the invoke workload on every saver, interleaved invoke by invoke, and size the result."""
    samples: dict[str, list[float]] = {opened.label: [] for opened in savers}
    round_robin([_workload(o, invokes, threads, samples[o.label]) for o in savers])
    return [
        InvokeResult(
            label=opened.label,
            backend=opened.backend,
            timings=Timings(tuple(samples[opened.label])),
            checkpoints=_count_checkpoints(opened, threads),
            bytes_used=opened.bytes_used(),
        )
        for opened in savers
    ]
