"""Turn latency of the real agent (offline parser) on SQLite and PostgreSQL, and the saver's share.

One command: ``python -m bench.bench_turns``. Each backend runs the same scripted conversations
through ``create_agent(...).invoke``, one turn at a time, and times every turn. The same run on
LangGraph's ``InMemorySaver`` (with SQLSaver's serializer) is the baseline: the difference between
a SQL backend's median and the in-memory median is what the database costs per turn. The parser alone (``Interpreter``
on the same texts) shows how much of the rest is understanding the message.

Prints a markdown table; the target is a median at or under 10 ms per turn on SQLite.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from agent import create_agent
from graph.config import TrainingConfig
from graph.datasets.samples import make_sample_dataset
from graph.state import STATE_MSGPACK_TYPES
from graph.understanding import Interpreter, OfflineChatModel
from storage import make_serializer

__all__ = ["SCRIPT", "TurnTimes", "measure", "main"]

SCRIPT: tuple[str, ...] = (
    "train yolov8n for detection",
    "{dataset}",
    "10 epochs",
    "배치 크기 16",
    "lr 0.01",
    "what's left?",
    "actually use yolo11n",
    "undo",
    "yes",
)
"""One conversation: every step, a question, a correction, undo and confirmation (9 turns)."""


@dataclass(frozen=True)
class TurnTimes:
    """Seconds per turn for one backend."""

    label: str
    seconds: tuple[float, ...]

    def percentile(self, q: float) -> float:
        """The ``q`` quantile in milliseconds (nearest rank)."""
        ordered = sorted(self.seconds)
        index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
        return ordered[index] * 1000

    @property
    def p50(self) -> float:
        """Median milliseconds per turn."""
        return statistics.median(self.seconds) * 1000

    @property
    def p95(self) -> float:
        """95th percentile milliseconds per turn."""
        return self.percentile(0.95)


def measure(agent: Any, label: str, texts: tuple[str, ...], conversations: int) -> TurnTimes:
    """Run ``conversations`` copies of ``texts`` on ``agent``, timing each invoke."""
    warm = {"configurable": {"thread_id": f"{label}-warm-up"}}
    agent.invoke({"messages": [{"role": "user", "content": texts[0]}]}, warm)
    seconds: list[float] = []
    for number in range(conversations):
        config = {"configurable": {"thread_id": f"{label}-{number}"}}
        for text in texts:
            start = time.perf_counter()
            agent.invoke({"messages": [{"role": "user", "content": text}]}, config)
            seconds.append(time.perf_counter() - start)
    return TurnTimes(label, tuple(seconds))


def measure_parser(texts: tuple[str, ...], conversations: int) -> TurnTimes:
    """The offline interpreter alone on the same texts (no graph, no saver)."""
    interpreter = Interpreter(OfflineChatModel())
    seconds: list[float] = []
    for _ in range(conversations):
        for text in texts:
            start = time.perf_counter()
            interpreter.interpret(text, step="select_model", config=TrainingConfig())
            seconds.append(time.perf_counter() - start)
    return TurnTimes("parser only", tuple(seconds))


@contextmanager
def _postgres() -> Iterator[str | None]:
    """A throwaway PostgreSQL database, or None when the server is not reachable."""
    try:
        from tests.databases import server_database

        with server_database("postgres") as url:
            yield url
    except Exception as error:  # noqa: BLE001 - a missing server only skips that row
        if "postgres" in type(error).__module__ or "Skipped" in type(error).__name__:
            print(f"(PostgreSQL skipped: {error})")
            yield None
        else:
            raise


def _memory() -> InMemorySaver:
    """The in-memory baseline with SQLSaver's serializer, so the difference is the database."""
    return InMemorySaver(serde=make_serializer(STATE_MSGPACK_TYPES))


def run(conversations: int) -> list[TurnTimes]:
    """Every row of the table: parser only, in-memory, SQLite, PostgreSQL."""
    rows: list[TurnTimes] = []
    with tempfile.TemporaryDirectory() as folder:
        dataset = str(make_sample_dataset(Path(folder) / "data", "yolo"))
        texts = tuple(text.format(dataset=dataset) for text in SCRIPT)
        rows.append(measure_parser(texts, conversations))
        backends: list[tuple[str, Callable[[], Any]]] = [
            ("InMemorySaver", lambda: create_agent(checkpointer=_memory(), llm="offline")),
            ("SQLite (SQLSaver)", lambda: create_agent(f"sqlite:///{folder}/b.db", llm="offline")),
        ]
        for label, make in backends:
            rows.append(measure(make(), label, texts, conversations))
        with _postgres() as url:
            if url is not None:
                agent = create_agent(url, llm="offline")
                rows.append(measure(agent, "PostgreSQL (SQLSaver)", texts, conversations))
    return rows


def table(rows: list[TurnTimes]) -> str:
    """The markdown table of the rows."""
    memory = next((row for row in rows if row.label == "InMemorySaver"), None)
    lines = [
        "| backend | turns | p50 ms | p95 ms | checkpointer share of p50 |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        share = "—"
        if memory is not None and row.label not in ("InMemorySaver", "parser only"):
            extra = row.p50 - memory.p50
            share = f"{extra:.2f} ms ({extra / row.p50:.0%})"
        lines.append(
            f"| {row.label} | {len(row.seconds)} | {row.p50:.2f} | {row.p95:.2f} | {share} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--conversations", type=int, default=30, help="conversations per backend")
    args = parser.parse_args(argv)
    rows = run(args.conversations)
    print(f"{len(SCRIPT)}-turn conversation × {args.conversations}, offline parser\n")
    print(table(rows))


if __name__ == "__main__":
    main()
