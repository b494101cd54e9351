"""One long conversation of the real agent: turn time and bytes per turn, hundred by hundred.

A single thread runs 1,000 turns of ``create_agent(llm="offline")`` — jobs configured one after
another in the same conversation, each with a long stretch of corrections ("epochs 12", "undo",
"what's left?") at the confirm step, so the undo history fills to its bound. Every saver runs the
same graph with the same serializer allow-list; their turns are interleaved (``round_robin``) so
the shared machine's background load falls on all of them alike.

Recorded per saver: every turn's wall time, the database's bytes at each hundred (and ten turns
past it, for the 11-210 window), then ``get_state`` of the thread at that length. The machine is
shared and its load drifts over a run, so afterwards the long thread takes 110 more turns in
alternation with the first 110 turns of a fresh thread: early and late turns timed under the
same load (all bytes are read before that).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from agent import create_agent
from bench.interleave import round_robin
from bench.savers import OpenSaver, open_saver
from graph.datasets.samples import make_sample_dataset
from graph.state import STATE_MSGPACK_TYPES
from storage import make_serializer

__all__ = ["LongRun", "job_cycle", "run_long_conversations", "script_turns"]

THREAD = "one-long-conversation"

CONTROL_TURNS = 110
"""Turns of the fresh control thread (its turns 11-110 are compared)."""


def job_cycle(dataset: str, cycle: int) -> list[str]:
    """One job of 100 turns: set up (5), 93 corrections and questions, confirm, a new job."""
    texts = ["train resnet18 for classification", dataset, "10 epochs", "batch size 32", "lr 0.001"]
    for k in range(93):
        n = cycle * 93 + k
        texts.append(
            (
                f"epochs {10 + n % 50}",
                f"batch size {16 * (1 + n % 4)}",
                "undo",
                f"lr 0.00{1 + n % 9}",
                "what's left?",
            )[k % 5]
        )
    return [*texts, "yes", "new job"]


def script_turns(dataset: str, turns: int) -> list[str]:
    """The user's messages for ``turns`` turns: job cycles, back to back."""
    texts: list[str] = []
    cycle = 0
    while len(texts) < turns:
        texts.extend(job_cycle(dataset, cycle))
        cycle += 1
    return texts[:turns]


@dataclass
class LongRun:
    """One saver's run of the long conversation."""

    label: str
    """Saver and database, e.g. "SQLSaver (sqlite)"."""
    turn_seconds: list[float] = field(default_factory=list)
    """Wall time of every turn, in order."""
    turn_cpu_seconds: list[float] = field(default_factory=list)
    """This process's CPU time (all its threads) for every turn, in order: what the turn costs
    the agent, free of the time spent waiting for a core on a shared machine."""
    bytes_at: dict[int, int] = field(default_factory=dict)
    """Bytes the saver's tables hold after turn N (no entry for InMemorySaver)."""
    continued_seconds: list[float] = field(default_factory=list)
    """The long thread's next ``CONTROL_TURNS`` turns (after the measured ones), each followed
    by one turn of a fresh thread (``control_seconds``)."""
    control_seconds: list[float] = field(default_factory=list)
    """A fresh thread's first ``CONTROL_TURNS`` turns, alternating with ``continued_seconds``."""
    get_state_seconds: list[float] = field(default_factory=list)
    """``get_state`` of the finished thread, repeated."""
    url: str | None = None
    """Database URL (for the ``trainchat show`` measurement), None in memory."""

    def median_ms(self, first: int, last: int) -> float:
        """Median turn time over turns ``first``..``last`` (1-based, inclusive), in ms."""
        return statistics.median(self.turn_seconds[first - 1 : last]) * 1000

    def median_cpu_ms(self, first: int, last: int) -> float:
        """Median CPU time per turn over turns ``first``..``last`` (1-based, inclusive), in ms."""
        return statistics.median(self.turn_cpu_seconds[first - 1 : last]) * 1000

    def alternated_ms(self) -> tuple[float, float] | None:
        """Median ms of the long thread's continued turns and of the fresh thread's turns
        11-110, timed in alternation (same load); None when not run."""
        if len(self.control_seconds) < CONTROL_TURNS:
            return None
        return (
            statistics.median(self.continued_seconds[10:]) * 1000,
            statistics.median(self.control_seconds[10:]) * 1000,
        )

    def bytes_per_turn(self, first: int, last: int) -> float | None:
        """Bytes added per turn over turns ``first``..``last`` (needs marks first-1 and last)."""
        if first - 1 not in self.bytes_at or last not in self.bytes_at:
            return None
        return (self.bytes_at[last] - self.bytes_at[first - 1]) / (last - first + 1)


def _marks(turns: int) -> set[int]:
    return {t for t in range(turns + 1) if t % 100 in (0, 10)} | {turns}


def _timed(
    agent: Any,
    text: str,
    config: dict[str, Any],
    into: list[float],
    cpu_into: list[float] | None = None,
) -> None:
    start, cpu_start = time.perf_counter(), time.process_time()
    agent.invoke({"messages": [{"role": "user", "content": text}]}, config)
    into.append(time.perf_counter() - start)
    if cpu_into is not None:
        cpu_into.append(time.process_time() - cpu_start)


def _workload(
    agent: Any,
    texts: list[str],
    turns: int,
    opened: OpenSaver | None,
    reads: int,
    run: LongRun,
) -> Iterator[None]:
    """``turns`` measured turns of ``texts``, the reads, then the alternated control turns."""
    config = {"configurable": {"thread_id": THREAD}}
    marks = _marks(turns)
    measure_bytes = None if opened is None else opened.bytes_used
    if measure_bytes is not None:
        run.bytes_at[0] = measure_bytes()
    for number, text in enumerate(texts[:turns], start=1):
        _timed(agent, text, config, run.turn_seconds, run.turn_cpu_seconds)
        if measure_bytes is not None and number in marks:
            run.bytes_at[number] = measure_bytes()
        if number % 10 == 0:
            yield
    if opened is not None:
        opened.analyze()  # planner statistics, as autovacuum keeps them (as in bench.storage)
    gc.collect()
    gc.disable()  # as timeit does: a collection of someone else's garbage is not billed here
    try:
        for _ in range(reads):
            start = time.perf_counter()
            agent.get_state(config)
            run.get_state_seconds.append(time.perf_counter() - start)
    finally:
        gc.enable()
    control = {"configurable": {"thread_id": f"{THREAD}-control"}}
    for number in range(CONTROL_TURNS):
        # The long thread goes on where its script left off while a fresh thread starts it:
        # alternating, both are timed under the same load.
        _timed(agent, texts[turns + number], config, run.continued_seconds)
        _timed(agent, texts[number], control, run.control_seconds)
        if number % 10 == 9:
            yield


def _peer_serde() -> JsonPlusSerializer:
    """LangGraph's own serializer with our state types allowed (what a peer user would set)."""
    return JsonPlusSerializer(allowed_msgpack_modules=list(STATE_MSGPACK_TYPES))


@contextmanager
def _opened(label: str, backend: str, workdir: Path) -> Iterator[tuple[OpenSaver, Any]]:
    with open_saver(label, backend, workdir) as opened:
        saver = opened.saver
        saver.serde = (  # type: ignore[misc]
            make_serializer(STATE_MSGPACK_TYPES) if label == "SQLSaver" else _peer_serde()
        )
        yield opened, create_agent(checkpointer=saver, llm="offline")


def run_long_conversations(
    stack: ExitStack,
    workdir: Path,
    turns: int,
    backends: list[str],
    *,
    reads: int = 20,
    memory: bool = True,
) -> list[LongRun]:
    """Run the conversation on every saver of ``backends`` (and InMemorySaver), interleaved.

    The databases stay open (and on PostgreSQL, in place) until ``stack`` closes, so the
    threads can be read again afterwards (``trainchat show``)."""
    dataset = str(make_sample_dataset(workdir / "data", "imagefolder"))
    texts = script_turns(dataset, turns + CONTROL_TURNS)
    runs: list[LongRun] = []
    workloads: list[Iterator[None]] = []
    if memory:
        run = LongRun("InMemorySaver")
        agent = create_agent(checkpointer=InMemorySaver(serde=_peer_serde()), llm="offline")
        runs.append(run)
        workloads.append(_workload(agent, texts, turns, None, reads, run))
    for backend in backends:
        for label in (("SqliteSaver" if backend == "sqlite" else "PostgresSaver"), "SQLSaver"):
            opened, agent = stack.enter_context(_opened(label, backend, workdir))
            run = LongRun(f"{label} ({backend})", url=opened.url)
            runs.append(run)
            workloads.append(_workload(agent, texts, turns, opened, reads, run))
    round_robin(workloads)
    return runs
