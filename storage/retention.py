"""Retention: finding the conversations idle for longer than a given time, and pruning them.

No timestamp column is needed. LangGraph's checkpoint ids are UUIDv6, whose text sorts by
creation time (that is how every saver finds a thread's latest checkpoint with ``MAX``); so a
thread is idle since a moment when its newest checkpoint id is below the smallest UUIDv6 of that
moment (``checkpoint_id_floor``), which one grouped index scan answers on every database. A
head that is not a UUIDv6 (ids chosen by hand) carries no time: such threads are never treated
as idle.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from functools import partial

import sqlalchemy as sa
from langgraph.checkpoint.serde.base import SerializerProtocol

from storage import records
from storage.maintenance import PRUNE_STRATEGIES, delete_threads_plan, prune_plans
from storage.runner import Plan, PlanFactory
from storage.schema import checkpoints

__all__ = [
    "checkpoint_id_floor",
    "checkpoint_time",
    "delete_idle_threads_plan",
    "idle_floor",
    "idle_threads_plan",
    "prune_idle_plans",
]

_UUID_EPOCH_OFFSET = 0x01B21DD213814000
"""100-ns intervals between the UUID epoch (1582-10-15) and the Unix epoch."""

_BATCH = 400


def checkpoint_id_floor(moment: datetime.datetime) -> str:
    """The smallest UUIDv6 text of ``moment``: every checkpoint id made at or after it sorts
    at or above this string."""
    if moment.tzinfo is None:
        raise ValueError("give an aware datetime (e.g. datetime.now(timezone.utc) - ...)")
    nanoseconds = int(moment.timestamp() * 1_000_000) * 1000
    timestamp = nanoseconds // 100 + _UUID_EPOCH_OFFSET
    value = ((timestamp >> 12) & 0xFFFFFFFFFFFF) << 80 | (timestamp & 0x0FFF) << 64
    value |= 6 << 76 | 0x8000 << 48  # version 6, RFC 4122 variant; clock and node zero
    return str(uuid.UUID(int=value))


def checkpoint_time(checkpoint_id: str) -> datetime.datetime | None:
    """When a UUIDv6 checkpoint id was made (None for any other id)."""
    try:
        parsed = uuid.UUID(checkpoint_id)
    except ValueError:
        return None
    if parsed.version != 6 or str(parsed) != checkpoint_id:
        return None
    timestamp = (parsed.time_low << 28) | (parsed.time_mid << 12) | (parsed.time_hi_version & 0xFFF)
    seconds = (timestamp - _UUID_EPOCH_OFFSET) / 10_000_000
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC)


def idle_threads_plan(
    floor: str, thread_ids: Sequence[str] | None, dialect: str
) -> Plan[list[str]]:
    """The threads (of ``thread_ids``, or all) whose newest checkpoint, in any namespace, is
    older than ``floor``."""
    c = checkpoints.c
    head = sa.func.max(c.checkpoint_id)
    query = sa.select(c.thread_id, head.label("head")).group_by(c.thread_id).having(head < floor)
    if thread_ids is None:
        rows = yield query
        return [row.thread_id for row in rows if checkpoint_time(row.head) is not None]
    found: list[str] = []
    for batch in records.chunks(list(thread_ids), _BATCH):
        rows = yield query.where(c.thread_id.in_(list(batch)))
        found.extend(row.thread_id for row in rows if checkpoint_time(row.head) is not None)
    return found


def idle_floor(older_than: datetime.timedelta, strategy: str) -> str:
    """The checkpoint id floor of ``older_than`` ago (arguments checked first)."""
    if strategy not in PRUNE_STRATEGIES:
        raise ValueError(f"unknown prune strategy {strategy!r}; use one of {PRUNE_STRATEGIES}")
    if older_than < datetime.timedelta(0):
        raise ValueError(f"older_than must not be negative, not {older_than}")
    return checkpoint_id_floor(datetime.datetime.now(datetime.UTC) - older_than)


def prune_idle_plans(
    serde: SerializerProtocol, floor: str, idle: Sequence[str], strategy: str
) -> list[PlanFactory[None]]:
    """The transactions pruning the ``idle`` threads found below ``floor``."""
    if strategy == "delete":
        return [partial(delete_idle_threads_plan, floor, list(idle))] if idle else []
    return prune_plans(serde, list(idle), strategy)


def delete_idle_threads_plan(floor: str, thread_ids: Sequence[str], dialect: str) -> Plan[None]:
    """Delete every row of the given threads that are still idle: a thread that got a new
    checkpoint since it was found idle is left alone (checked in the same transaction)."""
    c = checkpoints.c
    for batch in records.chunks(list(thread_ids), _BATCH):
        busy = (
            yield sa.select(c.thread_id)
            .distinct()
            .where(c.thread_id.in_(list(batch)), c.checkpoint_id >= floor)
        )
        still_idle = sorted(set(batch) - {row.thread_id for row in busy})
        yield from delete_threads_plan(still_idle, dialect)
