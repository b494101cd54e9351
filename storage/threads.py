"""Listing conversations: every thread's newest checkpoint and chosen channel values, at once.

A listing that walked ``list()`` and loaded each thread's state would decode every checkpoint
of every thread. This is one statement: per thread (root namespace), the checkpoint count and
the newest checkpoint row, joined with the newest stored version of each requested channel's
blob. Versions only grow along a thread, so the newest blob is the head's value — except after a
fork from an old checkpoint, which the head's own channel versions reveal; those few threads get
their exact blobs in a second statement.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import gc
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from langgraph.checkpoint.serde.base import SerializerProtocol

from storage import records
from storage.runner import Plan
from storage.schema import blobs, checkpoints

__all__ = ["ThreadSummary", "thread_summaries_plan"]


@dataclasses.dataclass(frozen=True, slots=True)
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


def _statement(channels: Sequence[str]) -> sa.Select[Any]:
    """Per thread: count, head row, and per requested channel (``channels[i]``) the newest
    stored blob as ``v{i}``/``t{i}``/``b{i}``. One LEFT JOIN per channel, each a primary-key
    lookup of the version found by a backward index probe: a single join over all channels
    would test the "newest version" subquery against every stored version of every thread."""
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
    columns: list[Any] = [
        heads.c.thread_id,
        heads.c.total,
        row.c.checkpoint_id,
        row.c.type,
        row.c.checkpoint,
    ]
    joined: Any = heads.join(
        row,
        sa.and_(
            row.c.thread_id == heads.c.thread_id,
            row.c.checkpoint_ns == "",
            row.c.checkpoint_id == heads.c.head,
        ),
    )
    for index, channel in enumerate(channels):
        name = sa.bindparam(f"channel{index}", channel, type_=blobs.c.channel.type)
        newer = blobs.alias(f"newer{index}")
        latest_version = (
            sa.select(sa.func.max(newer.c.version))
            .where(
                newer.c.thread_id == heads.c.thread_id,
                newer.c.checkpoint_ns == "",
                newer.c.channel == name,
            )
            .scalar_subquery()
        )
        stored = blobs.alias(f"stored{index}")
        joined = joined.outerjoin(
            stored,
            sa.and_(
                stored.c.thread_id == heads.c.thread_id,
                stored.c.checkpoint_ns == "",
                stored.c.channel == name,
                stored.c.version == latest_version,
            ),
        )
        columns += [
            stored.c.version.label(f"v{index}"),
            stored.c.type.label(f"t{index}"),
            stored.c.blob.label(f"b{index}"),
        ]
    return sa.select(*columns).select_from(joined)


_Head = tuple[str, str, int, str, dict[str, Any], dict[str, str]]
"""(ts, checkpoint id, count, thread id, inline values, blob versions) of one thread's head."""


def _heads(
    serde: SerializerProtocol, wanted: Sequence[str], rows: Sequence[Any]
) -> tuple[list[_Head], dict[tuple[str, str], tuple[str, str, bytes]]]:
    """Each row reduced to its head as it is read, and the newest blob found per (thread,
    channel). The decoded checkpoint is dropped at once: kept until the end, ten thousand of
    them would be promoted through the collector's generations for nothing."""
    found: list[_Head] = []
    newest: dict[tuple[str, str], tuple[str, str, bytes]] = {}
    for row in rows:
        stored = records.decode_checkpoint(serde, row.checkpoint_id, row.type, row.checkpoint)
        inline = stored.checkpoint["channel_values"]
        values = {channel: inline[channel] for channel in wanted if channel in inline}
        versions = {
            channel: stored.blob_versions[channel]
            for channel in wanted
            if channel in stored.blob_versions
        }
        for index, channel in enumerate(wanted):
            version = row[5 + 3 * index]
            if version is not None and channel in versions:
                newest[(row.thread_id, channel)] = (version, row[6 + 3 * index], row[7 + 3 * index])
        found.append(
            (
                str(stored.checkpoint.get("ts") or ""),
                row.checkpoint_id,
                row.total,
                row.thread_id,
                values,
                versions,
            )
        )
    return found, newest


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a listing builds its objects.

    A listing of ten thousand threads allocates some 100,000 objects that all live until it
    returns; the collector counts them and runs a full collection over the whole process
    (0.1-0.3 s with LangChain loaded) that finds nothing, since none of them is garbage.
    Reference counting still frees everything as usual; the collector resumes (if it was on)
    when the block ends, and runs when its counters next say so."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def thread_summaries_plan(
    serde: SerializerProtocol, channels: Collection[str], dialect: str
) -> Plan[list[ThreadSummary]]:
    """Every thread's summary, most recently changed first."""
    wanted = sorted(channels)
    rows = yield _statement(wanted)
    with _collector_paused():
        found, newest = _heads(serde, wanted, rows)
    stale = [
        (thread_id, channel, version)
        for _ts, _id, _total, thread_id, _values, versions in found
        for channel, version in versions.items()
        if newest.get((thread_id, channel), ("",))[0] != version
    ]
    for batch in records.chunks(stale, 400):
        exact = yield sa.select(
            blobs.c.thread_id, blobs.c.channel, blobs.c.version, blobs.c.type, blobs.c.blob
        ).where(
            blobs.c.checkpoint_ns == "",
            sa.tuple_(blobs.c.thread_id, blobs.c.channel, blobs.c.version).in_(list(batch)),
        )
        for blob_row in exact:
            newest[(blob_row.thread_id, blob_row.channel)] = (
                blob_row.version,
                blob_row.type,
                blob_row.blob,
            )
    found.sort(key=_recency, reverse=True)
    with _collector_paused():
        return _summaries(serde, found, newest)


def _summaries(
    serde: SerializerProtocol,
    found: list[_Head],
    newest: dict[tuple[str, str], tuple[str, str, bytes]],
) -> list[ThreadSummary]:
    """The summaries, blob values decoded, in the order of ``found``."""
    summaries = []
    for ts, checkpoint_id, total, thread_id, values, versions in found:
        for channel, version in versions.items():
            blob = newest.get((thread_id, channel))
            if blob is not None and blob[0] == version:
                values[channel] = serde.loads_typed((blob[1], blob[2]))
        summaries.append(
            ThreadSummary(
                thread_id=thread_id,
                checkpoints=total,
                checkpoint_id=checkpoint_id,
                updated_at=_parsed(ts),
                values=values,
            )
        )
    return summaries


def _recency(entry: tuple[str, str, Any, Any, Any, Any]) -> tuple[str, str]:
    """(ts, checkpoint id): LangGraph writes ``ts`` as UTC ISO text, which sorts as time."""
    return entry[0], entry[1]


def _parsed(ts: Any) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(str(ts)) if ts else None
    except ValueError:
        return None
