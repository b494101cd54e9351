"""Plans for deleting, copying and pruning threads (see ``runner``).

These are the only statements that remove rows; none of them changes one. A blob row is
deleted only when no remaining checkpoint of its namespace reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import sqlalchemy as sa
from langgraph.checkpoint.serde.base import SerializerProtocol

from storage import records
from storage.queries import insert_ignore
from storage.runner import Plan, PlanFactory
from storage.schema import KEY_LENGTH, KeyString, blobs, checkpoints, writes

__all__ = [
    "PRUNE_STRATEGIES",
    "copy_thread_plan",
    "delete_for_runs_plan",
    "delete_threads_plan",
    "prune_plans",
]

PRUNE_STRATEGIES = ("keep_latest", "delete")
"""What ``prune`` accepts."""

_BATCH = 400


def delete_threads_plan(thread_ids: Sequence[str], dialect: str) -> Plan[None]:
    """Delete every row of the given threads."""
    if not thread_ids:
        return
    for table in (writes, blobs, checkpoints):
        for batch in records.chunks(list(thread_ids), _BATCH):
            yield sa.delete(table).where(table.c.thread_id.in_(batch))


def _free_blobs(
    serde: SerializerProtocol,
    thread_id: str,
    ns: str,
    deleted: Sequence[sa.Row[Any]],
) -> Plan[None]:
    """Delete the blobs only ``deleted`` checkpoints read."""
    remaining = yield sa.select(
        checkpoints.c.checkpoint_id, checkpoints.c.type, checkpoints.c.checkpoint
    ).where(checkpoints.c.thread_id == thread_id, checkpoints.c.checkpoint_ns == ns)

    def keys(rows: Sequence[sa.Row[Any]]) -> set[tuple[str, str]]:
        """The blobs these checkpoint rows read."""
        return records.blob_keys(
            records.decode_checkpoint(serde, r.checkpoint_id, r.type, r.checkpoint) for r in rows
        )

    freed = sorted(keys(deleted) - keys(remaining))
    for batch in records.chunks(freed, _BATCH):
        yield sa.delete(blobs).where(
            blobs.c.thread_id == thread_id,
            blobs.c.checkpoint_ns == ns,
            sa.tuple_(blobs.c.channel, blobs.c.version).in_(list(batch)),
        )


def delete_for_runs_plan(
    serde: SerializerProtocol, run_ids: Sequence[str], dialect: str
) -> Plan[None]:
    """Delete the checkpoints whose metadata names one of ``run_ids``, with their writes."""
    if not run_ids:
        return
    c = checkpoints.c
    rows = yield sa.select(
        c.thread_id, c.checkpoint_ns, c.checkpoint_id, c.type, c.checkpoint
    ).where(c.run_id.in_(list(run_ids)))
    groups: dict[tuple[str, str], list[sa.Row[Any]]] = {}
    for row in rows:
        groups.setdefault((row.thread_id, row.checkpoint_ns), []).append(row)
    for (thread_id, ns), group in groups.items():
        for batch in records.chunks([r.checkpoint_id for r in group], _BATCH):
            for table in (writes, checkpoints):
                yield sa.delete(table).where(
                    table.c.thread_id == thread_id,
                    table.c.checkpoint_ns == ns,
                    table.c.checkpoint_id.in_(list(batch)),
                )
        yield from _free_blobs(serde, thread_id, ns, group)


def copy_thread_plan(source: str, target: str, dialect: str) -> Plan[None]:
    """Copy every row of ``source`` to ``target`` (rows ``target`` already has are kept)."""
    if source == target:
        return
    for table in (checkpoints, blobs, writes):
        columns = [
            sa.literal(target, KeyString(KEY_LENGTH)).label("thread_id")
            if column.name == "thread_id"
            else column
            for column in table.c
        ]
        yield insert_ignore(table, dialect).from_select(
            [column.name for column in table.c],
            sa.select(*columns).where(table.c.thread_id == source),
        )


def _keep_latest_plan(serde: SerializerProtocol, thread_id: str, dialect: str) -> Plan[None]:
    c = checkpoints.c
    delta = (
        yield sa.select(c.checkpoint_id)
        .where(
            c.thread_id == thread_id,
            c.metadata.contains('"counters_since_delta_snapshot":', autoescape=True),
        )
        .limit(1)
    )
    if delta:
        raise NotImplementedError(
            f"keep_latest would cut the history a DeltaChannel rebuilds its value from in "
            f"thread {thread_id!r}; use strategy='delete' or leave this thread unpruned"
        )
    heads = (
        yield sa.select(c.checkpoint_ns, sa.func.max(c.checkpoint_id).label("head"))
        .where(c.thread_id == thread_id)
        .group_by(c.checkpoint_ns)
    )
    for ns, head in ((r.checkpoint_ns, r.head) for r in heads):
        # "older than the head", not "not the head": a checkpoint committed meanwhile survives.
        doomed = yield sa.select(c.checkpoint_id, c.type, c.checkpoint).where(
            c.thread_id == thread_id, c.checkpoint_ns == ns, c.checkpoint_id < head
        )
        if not doomed:
            continue
        for table in (writes, checkpoints):
            yield sa.delete(table).where(
                table.c.thread_id == thread_id,
                table.c.checkpoint_ns == ns,
                table.c.checkpoint_id < head,
            )
        yield from _free_blobs(serde, thread_id, ns, doomed)


def prune_plans(
    serde: SerializerProtocol, thread_ids: Sequence[str], strategy: str
) -> list[PlanFactory[None]]:
    """The transactions of a ``prune`` call: one per thread for ``keep_latest``."""
    if strategy not in PRUNE_STRATEGIES:
        raise ValueError(f"unknown prune strategy {strategy!r}; use one of {PRUNE_STRATEGIES}")
    if not thread_ids:
        return []
    if strategy == "delete":
        return [partial(delete_threads_plan, list(thread_ids))]
    return [partial(_keep_latest_plan, serde, str(tid)) for tid in thread_ids]
