"""``get_delta_channel_history`` in two statements, however long the parent chain.

LangGraph's default walks the chain with one ``get_tuple`` per ancestor. Here a recursive CTE
follows ``parent_checkpoint_id`` inside the database and returns every ancestor with its
pending writes in one statement; the seeds are then read from the
checkpoint payloads (inline values) and, in a second statement, from ``blobs``. The chain is
fetched in pages of ``PAGE`` ancestors, so a long thread whose channels all resolve near the
head does not drag its whole history over the wire. (LangGraph's Postgres saver also does it
in two stages.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import DeltaChannelHistory, PendingWrite
from langgraph.checkpoint.serde.base import SerializerProtocol

from storage import records
from storage.runner import Plan
from storage.schema import blobs, checkpoints, writes

__all__ = ["PAGE", "chain_statement", "delta_history_plan"]

PAGE = 200
"""Ancestors fetched per statement."""


def chain_statement(thread_id: str, ns: str, start: Any, depth: int) -> sa.Select[Any]:
    """``start`` and up to ``depth`` ancestors, each joined to its pending-write rows."""
    c = checkpoints
    anchor = sa.select(
        c.c.checkpoint_id, c.c.parent_checkpoint_id, sa.literal(0).label("depth")
    ).where(c.c.thread_id == thread_id, c.c.checkpoint_ns == ns, c.c.checkpoint_id == start)
    chain = anchor.cte("chain", recursive=True)
    parent = c.alias("parent")
    chain = chain.union_all(
        sa.select(parent.c.checkpoint_id, parent.c.parent_checkpoint_id, chain.c.depth + 1).where(
            parent.c.thread_id == thread_id,
            parent.c.checkpoint_ns == ns,
            parent.c.checkpoint_id == chain.c.parent_checkpoint_id,
            chain.c.depth < depth,
        )
    )
    row = c.alias("row")
    return (
        sa.select(
            chain.c.depth,
            chain.c.checkpoint_id,
            chain.c.parent_checkpoint_id,
            row.c.type,
            row.c.checkpoint,
            writes.c.task_id,
            writes.c.task_path,
            writes.c.seq,
            writes.c.type.label("write_type"),
            writes.c.blob,
        )
        .select_from(chain)
        .join(
            row,
            sa.and_(
                row.c.thread_id == thread_id,
                row.c.checkpoint_ns == ns,
                row.c.checkpoint_id == chain.c.checkpoint_id,
            ),
        )
        .outerjoin(
            writes,
            sa.and_(
                writes.c.thread_id == thread_id,
                writes.c.checkpoint_ns == ns,
                writes.c.checkpoint_id == chain.c.checkpoint_id,
                chain.c.depth > 0,
            ),
        )
        .order_by(chain.c.depth)
    )


def delta_history_plan(
    serde: SerializerProtocol, config: RunnableConfig, channels: Sequence[str], dialect: str
) -> Plan[dict[str, DeltaChannelHistory]]:
    """Per channel: the on-path writes oldest first, and the nearest stored value as seed."""
    if not channels:
        return {}
    thread_id, ns, checkpoint_id = records.target_of(config)
    start: Any = checkpoint_id
    if start is None:
        start = (
            sa.select(sa.func.max(checkpoints.c.checkpoint_id))
            .where(checkpoints.c.thread_id == thread_id, checkpoints.c.checkpoint_ns == ns)
            .scalar_subquery()
        )
    remaining = set(channels)
    newest_first: dict[str, list[list[PendingWrite]]] = {ch: [] for ch in channels}
    inline_seeds: dict[str, Any] = {}
    blob_seeds: dict[str, tuple[str, str]] = {}
    while remaining and start is not None:
        rows = yield chain_statement(thread_id, ns, start, PAGE)
        by_depth: dict[int, list[sa.Row[Any]]] = {}
        for row in rows:
            by_depth.setdefault(row.depth, []).append(row)
        start = None
        for depth in sorted(d for d in by_depth if d > 0):
            group = by_depth[depth]
            found = [
                records.WriteRow(r.task_id, r.task_path, r.seq, r.write_type, r.blob)
                for r in group
                if r.task_id is not None
            ]
            per_channel: dict[str, list[PendingWrite]] = {}
            for write in records.pending_writes(serde, found, remaining):
                per_channel.setdefault(write[1], []).append(write)
            for ch, in_order in per_channel.items():
                newest_first[ch].append(in_order)
            head = group[0]
            stored = records.decode_checkpoint(
                serde, head.checkpoint_id, head.type, head.checkpoint
            )
            values = stored.checkpoint["channel_values"]
            for ch in list(remaining):
                if ch in values:
                    inline_seeds[ch] = values[ch]
                    remaining.discard(ch)
                elif ch in stored.blob_versions:
                    blob_seeds[ch] = (ch, stored.blob_versions[ch])
                    remaining.discard(ch)
            if depth == PAGE and remaining and head.parent_checkpoint_id:
                start = head.checkpoint_id
    blob_values: dict[tuple[str, str], Any] = {}
    if blob_seeds:
        found_blobs = yield sa.select(
            blobs.c.channel, blobs.c.version, blobs.c.type, blobs.c.blob
        ).where(
            blobs.c.thread_id == thread_id,
            blobs.c.checkpoint_ns == ns,
            sa.tuple_(blobs.c.channel, blobs.c.version).in_(sorted(blob_seeds.values())),
        )
        for b in found_blobs:
            blob_values[(b.channel, b.version)] = serde.loads_typed((b.type, b.blob))
    result: dict[str, DeltaChannelHistory] = {}
    for ch in channels:
        entry: DeltaChannelHistory = {
            "writes": [w for group in reversed(newest_first[ch]) for w in group]
        }
        if ch in inline_seeds:
            entry["seed"] = inline_seeds[ch]
        elif ch in blob_seeds and blob_seeds[ch] in blob_values:
            entry["seed"] = blob_values[blob_seeds[ch]]
        result[ch] = entry
    return result
