"""Plans for deleting, copying and pruning threads (see ``runner``).

These are the only statements that remove rows; none of them changes one. A blob row is
deleted only when no remaining checkpoint of its namespace reads it, and ``keep_latest``
keeps the ancestors a DeltaChannel of the kept checkpoint still replays.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial
from typing import Any

import sqlalchemy as sa
from langgraph.checkpoint.serde.base import SerializerProtocol

from storage import delta_history, records
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
_THREADS_PER_COMMIT = 200


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


def _delta_ancestors(
    serde: SerializerProtocol, thread_id: str, ns: str, head: str
) -> Plan[set[str]]:
    """The ancestors of ``head`` its DeltaChannels are rebuilt from.

    A DeltaChannel stores a full value only every few updates and replays the writes of the
    checkpoints in between (``get_delta_channel_history``); those checkpoints must outlive a
    prune. Walking back from the head, every ancestor is kept until each delta channel of the
    head has met a stored value — or, if one never does, the whole chain to the root.
    """
    c = checkpoints.c
    found = yield sa.select(c.metadata).where(
        c.thread_id == thread_id, c.checkpoint_ns == ns, c.checkpoint_id == head
    )
    counters = json.loads(found[0].metadata).get("counters_since_delta_snapshot") if found else None
    remaining = set(counters or ())
    kept: set[str] = set()
    start: str | None = head
    while remaining and start is not None:
        rows = yield delta_history.chain_statement(thread_id, ns, start, delta_history.PAGE)
        by_depth = {row.depth: row for row in rows}  # one row per ancestor and write: dedupe
        start = None
        for depth in sorted(d for d in by_depth if d > 0):
            row = by_depth[depth]
            kept.add(row.checkpoint_id)
            stored = records.decode_checkpoint(serde, row.checkpoint_id, row.type, row.checkpoint)
            values = stored.checkpoint["channel_values"]
            remaining = {
                ch for ch in remaining if ch not in values and ch not in stored.blob_versions
            }
            if not remaining:
                break
            if depth == delta_history.PAGE and row.parent_checkpoint_id:
                start = row.checkpoint_id
    return kept


def _keep_latest_plan(serde: SerializerProtocol, thread_id: str, dialect: str) -> Plan[None]:
    c = checkpoints.c
    heads = (
        yield sa.select(c.checkpoint_ns, sa.func.max(c.checkpoint_id).label("head"))
        .where(c.thread_id == thread_id)
        .group_by(c.checkpoint_ns)
    )
    for ns, head in ((r.checkpoint_ns, r.head) for r in heads):
        kept = yield from _delta_ancestors(serde, thread_id, ns, head)
        # "older than the head", not "not the head": a checkpoint committed meanwhile survives.
        older = yield sa.select(c.checkpoint_id, c.type, c.checkpoint).where(
            c.thread_id == thread_id, c.checkpoint_ns == ns, c.checkpoint_id < head
        )
        doomed = [row for row in older if row.checkpoint_id not in kept]
        for batch in records.chunks([row.checkpoint_id for row in doomed], _BATCH):
            for table in (writes, checkpoints):
                yield sa.delete(table).where(
                    table.c.thread_id == thread_id,
                    table.c.checkpoint_ns == ns,
                    table.c.checkpoint_id.in_(list(batch)),
                )
        if doomed:
            yield from _free_blobs(serde, thread_id, ns, doomed)


def _keep_latest_batch_plan(
    serde: SerializerProtocol, thread_ids: Sequence[str], dialect: str
) -> Plan[None]:
    """``_keep_latest_plan`` for many threads in a few set-wide statements.

    Statements are the cost of pruning (building and running one costs more than trimming a
    thread), so heads are found for the whole batch, and the deletes run as executemany of one
    statement. A head with DeltaChannels (which may need ancestors kept) takes the per-thread
    path instead."""
    c = checkpoints.c
    head_id = sa.func.max(c.checkpoint_id).label("head")
    heads = (
        sa.select(c.thread_id, c.checkpoint_ns, head_id)
        .where(c.thread_id.in_(list(thread_ids)))
        .group_by(c.thread_id, c.checkpoint_ns)
        .subquery("heads")
    )
    head_rows = yield sa.select(
        heads.c.thread_id, heads.c.checkpoint_ns, heads.c.head, c.metadata
    ).join(
        checkpoints,
        sa.and_(
            c.thread_id == heads.c.thread_id,
            c.checkpoint_ns == heads.c.checkpoint_ns,
            c.checkpoint_id == heads.c.head,
        ),
    )
    plain = []
    for row in head_rows:
        if json.loads(row.metadata).get("counters_since_delta_snapshot"):
            yield from _keep_latest_plan(serde, row.thread_id, dialect)
        else:
            plain.append({"t": row.thread_id, "n": row.checkpoint_ns, "h": row.head})
    if not plain:
        return
    by_key = {(p["t"], p["n"]): p["h"] for p in plain}
    # "older than the head", not "not the head": a checkpoint committed meanwhile survives.
    older = yield sa.select(
        c.thread_id, c.checkpoint_ns, c.checkpoint_id, c.type, c.checkpoint
    ).where(c.thread_id.in_(sorted({p["t"] for p in plain})))
    doomed: list[sa.Row[Any]] = []
    kept: list[sa.Row[Any]] = []
    for row in older:
        head = by_key.get((row.thread_id, row.checkpoint_ns))
        (doomed if head is not None and row.checkpoint_id < head else kept).append(row)
    if not doomed:
        return
    for table in (writes, checkpoints):
        yield (
            sa.delete(table).where(
                table.c.thread_id == sa.bindparam("t"),
                table.c.checkpoint_ns == sa.bindparam("n"),
                table.c.checkpoint_id < sa.bindparam("h"),
            ),
            plain,
        )
    freed = _blob_keys_by_namespace(serde, doomed)
    for key, versions in _blob_keys_by_namespace(serde, kept).items():
        if key in freed:
            freed[key] -= versions
    gone = [
        {"t": thread_id, "n": ns, "c": channel, "v": version}
        for (thread_id, ns), pairs in freed.items()
        for channel, version in sorted(pairs)
    ]
    if gone:
        yield (
            sa.delete(blobs).where(
                blobs.c.thread_id == sa.bindparam("t"),
                blobs.c.checkpoint_ns == sa.bindparam("n"),
                blobs.c.channel == sa.bindparam("c"),
                blobs.c.version == sa.bindparam("v"),
            ),
            gone,
        )


def _blob_keys_by_namespace(
    serde: SerializerProtocol, rows: Sequence[sa.Row[Any]]
) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """The blobs (channel, version) the checkpoint rows read, per (thread, namespace)."""
    found: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for row in rows:
        stored = records.decode_checkpoint(serde, row.checkpoint_id, row.type, row.checkpoint)
        found.setdefault((row.thread_id, row.checkpoint_ns), set()).update(
            records.blob_keys([stored])
        )
    return found


def prune_plans(
    serde: SerializerProtocol, thread_ids: Sequence[str], strategy: str
) -> list[PlanFactory[None]]:
    """The transactions of a ``prune`` call: for ``keep_latest``, one per
    ``_THREADS_PER_COMMIT`` threads (set-wide statements; smaller batches would only shorten
    how long the SQLite writer lock is held)."""
    if strategy not in PRUNE_STRATEGIES:
        raise ValueError(f"unknown prune strategy {strategy!r}; use one of {PRUNE_STRATEGIES}")
    if not thread_ids:
        return []
    if strategy == "delete":
        return [partial(delete_threads_plan, list(thread_ids))]
    ids = [str(tid) for tid in thread_ids]
    return [
        partial(_keep_latest_batch_plan, serde, list(batch))
        for batch in records.chunks(ids, _THREADS_PER_COMMIT)
    ]
