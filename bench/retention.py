"""(f) retention and listing at scale: ``list_threads`` over 10,000 conversations, and
``prune(older_than=...)`` over 100,000 checkpoints, SQLSaver on SQLite, PostgreSQL and MariaDB.

LangGraph's savers have neither (no listing of threads, no pruning by age), so there is no peer
column: the figures stand against the issue's targets (10,000 threads listed in ≤ 0.5 s).
The conversations carry checkpoint ids made in the past (LangGraph's ids are UUIDv6,
time-ordered): half idle for 60 days, half for 40 days. Then:
``list_threads`` with two channels (median of 3), ``prune_idle(50 days, delete)`` (the first
half goes), ``prune_idle(30 days, keep_latest)`` (the second half keeps one checkpoint each).
"""

from __future__ import annotations

import datetime
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.report import markdown_table
from bench.savers import SQLSAVER, open_saver
from tests.databases import server_database

__all__ = ["RetentionResult", "measure_retention", "retention_table"]

_UUID_EPOCH_OFFSET = 0x01B21DD213814000


@dataclass(frozen=True)
class RetentionResult:
    """One backend's figures."""

    backend: str
    """``sqlite``, ``postgres`` or ``mariadb``."""
    threads: int
    """Conversations written."""
    checkpoints: int
    """Checkpoints written in all."""
    list_seconds: float
    """``list_threads`` over all of them (median)."""
    delete_seconds: float
    """``prune_idle(..., strategy="delete")`` of the older half."""
    deleted_checkpoints: int
    """Checkpoints it removed."""
    keep_latest_seconds: float
    """``prune_idle(..., strategy="keep_latest")`` of the other half."""
    trimmed_checkpoints: int
    """Checkpoints it removed."""


def _checkpoint_id(moment: datetime.datetime, sequence: int) -> str:
    """A UUIDv6 of ``moment``, as LangGraph's ``uuid6`` makes them (but for a past moment)."""
    ticks = int(moment.timestamp() * 10_000_000) + _UUID_EPOCH_OFFSET + sequence
    value = ((ticks >> 12) & 0xFFFFFFFFFFFF) << 80 | (ticks & 0x0FFF) << 64
    value |= 6 << 76 | 0x8000 << 48 | (uuid.uuid4().int & 0x3FFF_FFFF_FFFF_FFFF)
    return str(uuid.UUID(int=value))


def _seed(saver: Any, thread_id: str, days: int, per_thread: int) -> None:
    """One conversation of ``per_thread`` checkpoints, the first ``days`` days ago."""
    now = datetime.datetime.now(datetime.UTC)
    config: Any = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
    messages: list[str] = []
    for turn in range(per_thread):
        moment = now - datetime.timedelta(days=days) + datetime.timedelta(seconds=turn)
        messages = [*messages, f"turn {turn} of conversation {thread_id}: " + "x" * 60]
        version = f"{turn + 1:032}.{days:016}"
        checkpoint = {
            "v": 4,
            "id": _checkpoint_id(moment, turn),
            "ts": moment.isoformat(),
            "channel_values": {"messages": messages, "step": f"step-{turn % 4}"},
            "channel_versions": {"messages": version, "step": version},
            "versions_seen": {},
            "updated_channels": ["messages", "step"],
        }
        config = saver.put(
            config, checkpoint, {"step": turn}, {"messages": version, "step": version}
        )


def _write(saver: Any, threads: int, per_thread: int) -> None:
    """``threads`` conversations, half 60 and half 40 days idle: two written with ``put``, the
    rest their rows copied in one transaction (writing 100,000 checkpoints one ``put`` or one
    ``copy_thread`` at a time would take most of the run, and measure nothing (b) does not)."""
    from storage.schema import blobs, checkpoints, writes

    for days in (60, 40):
        _seed(saver, f"seed-{days}", days, per_thread)
    with saver.engine.connect() as conn, conn.begin():
        for table in (checkpoints, blobs, writes):
            seeds = {
                days: [
                    row._asdict()
                    for row in conn.execute(
                        sa.select(table).where(table.c.thread_id == f"seed-{days}")
                    )
                ]
                for days in (60, 40)
            }
            copies = [
                {**row, "thread_id": f"thread-{number:05}"}
                for number in range(threads)
                for row in seeds[60 if number % 2 == 0 else 40]
            ]
            for start in range(0, len(copies), 5000):
                conn.execute(sa.insert(table), copies[start : start + 5000])
    for days in (60, 40):
        saver.delete_thread(f"seed-{days}")


def _count(saver: Any) -> int:
    return sum(summary.checkpoints for summary in saver.list_threads())


@contextmanager
def _opened(backend: str, workdir: Path) -> Iterator[tuple[Any, Any]]:
    """SQLSaver on a fresh database of ``backend``, and how to refresh its statistics.
    (MariaDB has no peer in the other tables, so ``open_saver`` does not know it.)"""
    if backend != "mariadb":
        with open_saver(SQLSAVER, backend, workdir) as opened:
            yield opened.saver, opened.analyze
        return
    from storage import SQLSaver

    with server_database("mariadb") as url:
        saver = SQLSaver.from_url(url)
        saver.setup()

        def analyze() -> None:
            with saver.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE TABLE trainchat_checkpoints, trainchat_blobs").all()

        try:
            yield saver, analyze
        finally:
            saver.close()


def measure_retention(
    workdir: Path, backends: tuple[str, ...], threads: int, per_thread: int
) -> list[RetentionResult]:
    """Write, list, prune on each backend (a fresh database each)."""
    results = []
    for backend in backends:
        with _opened(backend, workdir) as (saver, analyze):
            _write(saver, threads, per_thread)
            analyze()
            timings = []
            for _ in range(3):
                started = time.perf_counter()
                listed = saver.list_threads(channels=("messages", "step"))
                timings.append(time.perf_counter() - started)
            assert len(listed) == threads
            before = threads * per_thread
            started = time.perf_counter()
            deleted = saver.prune_idle(datetime.timedelta(days=50), strategy="delete")
            delete_seconds = time.perf_counter() - started
            after_delete = _count(saver)
            started = time.perf_counter()
            trimmed = saver.prune_idle(datetime.timedelta(days=30), strategy="keep_latest")
            keep_seconds = time.perf_counter() - started
            after_trim = _count(saver)
            assert len(deleted) == (threads + 1) // 2 and len(trimmed) == threads // 2
            assert after_trim == threads // 2
            results.append(
                RetentionResult(
                    backend=backend,
                    threads=threads,
                    checkpoints=before,
                    list_seconds=statistics.median(timings),
                    delete_seconds=delete_seconds,
                    deleted_checkpoints=before - after_delete,
                    keep_latest_seconds=keep_seconds,
                    trimmed_checkpoints=after_delete - after_trim,
                )
            )
    return results


def retention_table(results: list[RetentionResult]) -> str:
    """The (f) table: one row per backend and operation."""
    rows: list[list[object]] = []
    for r in results:
        verdict = "met" if r.list_seconds <= 0.5 * r.threads / 10_000 else "missed"
        rows += [
            [
                r.backend,
                f"list_threads ({r.threads:,} threads)",
                r.checkpoints,
                round(r.list_seconds, 3),
                f"≤ 0.5 s per 10,000 threads: {verdict}",
            ],
            [
                r.backend,
                "prune_idle delete",
                r.deleted_checkpoints,
                round(r.delete_seconds, 3),
                f"{r.deleted_checkpoints / r.delete_seconds:,.0f} checkpoints/s",
            ],
            [
                r.backend,
                "prune_idle keep_latest",
                r.trimmed_checkpoints,
                round(r.keep_latest_seconds, 3),
                f"{r.trimmed_checkpoints / r.keep_latest_seconds:,.0f} checkpoints/s",
            ],
        ]
    return markdown_table(["database", "operation", "checkpoints", "seconds", "note"], rows)
