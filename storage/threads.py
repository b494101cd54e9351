"""Listing conversations: every thread's newest checkpoint and chosen channel values, at once.

A listing that walked ``list()`` and loaded each thread's state would decode every checkpoint
of every thread. This is one statement: per thread (root namespace), the checkpoint count and
the newest checkpoint row, joined with the newest stored version of each requested channel's
blob. Versions only grow along a thread, so the newest blob is the head's value — except after a
fork from an old checkpoint, which the head's own channel versions reveal; those few threads get
their exact blobs in a second statement.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa
from langgraph.checkpoint.serde.base import SerializerProtocol

from storage import records
from storage.runner import Plan
from storage.schema import blobs, checkpoints

__all__ = ["ThreadSummary", "thread_summaries_plan"]


@dataclasses.dataclass(frozen=True)
class ThreadSummary:
    """One conversation, as a listing shows it."""

    thread_id: str
    """The conversation's id."""
    checkpoints: int
    """How many checkpoints its root namespace has."""
    checkpoint_id: str
    """Its newest checkpoint."""
    updated_at: datetime.datetime | None
    """When that checkpoint was written (its ``ts``), if recorded."""
    values: Mapping[str, Any]
    """The requested channels' values at that checkpoint (absent: never written)."""


def _statement(channels: Collection[str]) -> sa.Select[Any]:
    c = checkpoints.c
    heads = (
        sa.select(
            c.thread_id,
            sa.func.max(c.checkpoint_id).label("head"),
            sa.func.count().label("total"),
        )
        .where(c.checkpoint_ns == "")
        .group_by(c.thread_id)
        .subquery("heads")
    )
    row = checkpoints.alias("head_row")
    query = sa.select(
        heads.c.thread_id, heads.c.total, row.c.checkpoint_id, row.c.type, row.c.checkpoint
    ).join(
        row,
        sa.and_(
            row.c.thread_id == heads.c.thread_id,
            row.c.checkpoint_ns == "",
            row.c.checkpoint_id == heads.c.head,
        ),
    )
    if not channels:
        return query.add_columns(
            sa.null().label("channel"),
            sa.null().label("version"),
            sa.null().label("blob_type"),
            sa.null().label("blob"),
        )
    newest = blobs.alias("newer")
    latest_version = (
        sa.select(sa.func.max(newest.c.version))
        .where(
            newest.c.thread_id == blobs.c.thread_id,
            newest.c.checkpoint_ns == "",
            newest.c.channel == blobs.c.channel,
        )
        .scalar_subquery()
    )
    return query.add_columns(
        blobs.c.channel, blobs.c.version, blobs.c.type.label("blob_type"), blobs.c.blob
    ).outerjoin(
        blobs,
        sa.and_(
            blobs.c.thread_id == heads.c.thread_id,
            blobs.c.checkpoint_ns == "",
            blobs.c.channel.in_(sorted(channels)),
            blobs.c.version == latest_version,
        ),
    )


def thread_summaries_plan(
    serde: SerializerProtocol, channels: Collection[str], dialect: str
) -> Plan[list[ThreadSummary]]:
    """Every thread's summary, most recently changed first."""
    rows = yield _statement(channels)
    heads: dict[str, tuple[int, records.StoredCheckpoint]] = {}
    newest: dict[tuple[str, str], tuple[str, str, bytes]] = {}
    for row in rows:
        if row.thread_id not in heads:
            stored = records.decode_checkpoint(serde, row.checkpoint_id, row.type, row.checkpoint)
            heads[row.thread_id] = (row.total, stored)
        if row.channel is not None:
            newest[(row.thread_id, row.channel)] = (row.version, row.blob_type, row.blob)
    stale = [
        (thread_id, channel, version)
        for thread_id, (_total, stored) in heads.items()
        for channel, version in stored.blob_versions.items()
        if channel in channels and newest.get((thread_id, channel), ("",))[0] != version
    ]
    for batch in records.chunks(stale, 400):
        exact = yield sa.select(
            blobs.c.thread_id, blobs.c.channel, blobs.c.version, blobs.c.type, blobs.c.blob
        ).where(
            blobs.c.checkpoint_ns == "",
            sa.tuple_(blobs.c.thread_id, blobs.c.channel, blobs.c.version).in_(list(batch)),
        )
        for found in exact:
            newest[(found.thread_id, found.channel)] = (found.version, found.type, found.blob)
    summaries = []
    for thread_id, (total, stored) in heads.items():
        values = {
            channel: value
            for channel, value in stored.checkpoint["channel_values"].items()
            if channel in channels
        }
        for channel, version in stored.blob_versions.items():
            blob = newest.get((thread_id, channel))
            if channel in channels and blob is not None and blob[0] == version:
                values[channel] = serde.loads_typed((blob[1], blob[2]))
        summaries.append(
            ThreadSummary(
                thread_id=thread_id,
                checkpoints=total,
                checkpoint_id=stored.checkpoint["id"],
                updated_at=_parsed(stored.checkpoint.get("ts")),
                values=values,
            )
        )
    summaries.sort(key=_recency, reverse=True)
    return summaries


def _recency(summary: ThreadSummary) -> tuple[str, str]:
    stamp = summary.updated_at.isoformat() if summary.updated_at else ""
    return stamp, summary.checkpoint_id


def _parsed(ts: Any) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(str(ts)) if ts else None
    except ValueError:
        return None
