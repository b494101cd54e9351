"""The plans behind ``put``, ``put_writes``, ``get_tuple`` and ``list`` (see ``runner``).

Reads take two statements whatever the checkpoint holds: the checkpoint row(s), then their
pending writes and blob values together (a UNION ALL) — or one, for a ``get_tuple`` given a
``LatestGuess`` that proves right (the row and the guessed extras in one UNION ALL, see
``storage.latest_guesses``). Writes only ever INSERT; a row that is
already there is left alone (``insert_ignore``), which makes every write idempotent. On
PostgreSQL a ``put`` is one statement (its blobs in a data-modifying CTE): one round trip, and
the blobs commit atomically with the checkpoint row.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from langgraph.checkpoint.serde.base import SerializerProtocol
from sqlalchemy.dialects import postgresql, sqlite

from storage import records
from storage.runner import Plan
from storage.schema import (
    CHANNEL_LENGTH,
    ID_LENGTH,
    KEY_LENGTH,
    KeyString,
    blobs,
    checkpoints,
    writes,
)

__all__ = [
    "LatestGuess",
    "checkpoint_rows",
    "get_tuple_plan",
    "insert_ignore",
    "list_page_plan",
    "load_tuples",
    "put_plan",
    "put_writes_plan",
]

_PAIRS_PER_STATEMENT = 200

_POINT_LOOKUPS = 16
"""Up to this many blobs, a read looks each up by its primary key (``_extras_statement``)."""


@functools.cache
def insert_ignore(table: sa.Table, dialect: str) -> Any:
    """An INSERT that leaves an existing row with the same primary key untouched.

    Built once per table and dialect: SQLAlchemy spends more time constructing a statement
    than a local database spends running it.
    """
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    # MySQL's IGNORE would also turn a too-long value into a silent truncation; ``_check_key``
    # refuses those before they reach the database.
    return sa.insert(table).prefix_with("IGNORE")


def _check_key(name: str, value: str, limit: int = KEY_LENGTH) -> str:
    if len(value.encode("utf-8")) > limit:
        raise ValueError(f"{name} is longer than {limit} bytes: {value[:40]!r}...")
    return value


_MULTI_ROW_BLOBS = 16
"""Up to this many new blobs, PostgreSQL's ``put`` lists them as VALUES rows (one prepared
statement per count); beyond, as arrays through ``unnest`` (slower to send, any count)."""

_CHECKPOINT_VALUES = f"""
INSERT INTO {checkpoints.name} (thread_id, checkpoint_ns, checkpoint_id,
    parent_checkpoint_id, run_id, type, checkpoint, metadata)
VALUES (:thread_id, :checkpoint_ns, :checkpoint_id, :parent_checkpoint_id, :run_id, :type,
    :checkpoint, :metadata)
ON CONFLICT DO NOTHING"""


@functools.lru_cache(maxsize=_MULTI_ROW_BLOBS + 1)
def _put_with_blobs_postgresql(count: int) -> sa.TextClause:
    """``put`` on PostgreSQL in one statement, so one round trip and one commit: the blobs go
    in through a data-modifying CTE (PostgreSQL runs it whether or not it is read),
    atomically with the checkpoint row that refers to them. ``count`` 0 means "as arrays".
    Parameters: the checkpoint row's columns, then ``c{i}``/``v{i}``/``t{i}``/``b{i}`` per
    blob (or the arrays ``channels``, ``versions``, ``types``, ``blobs``)."""
    if count:
        rows = ", ".join(
            f"(:thread_id, :checkpoint_ns, :c{i}, :v{i}, :t{i}, :b{i})" for i in range(count)
        )
        source = f"VALUES {rows}"
    else:
        source = """SELECT :thread_id, :checkpoint_ns, u.channel, u.version, u.type, u.blob
    FROM unnest(
        CAST(:channels AS TEXT[]), CAST(:versions AS TEXT[]),
        CAST(:types AS TEXT[]), CAST(:blobs AS BYTEA[])
    ) AS u(channel, version, type, blob)"""
    return sa.text(
        f"""WITH stored AS (
    INSERT INTO {blobs.name} (thread_id, checkpoint_ns, channel, version, type, blob)
    {source}
    ON CONFLICT DO NOTHING
){_CHECKPOINT_VALUES}"""
    )


def put_plan(
    serde: SerializerProtocol,
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    new_versions: ChannelVersions,
    dialect: str,
) -> Plan[RunnableConfig]:
    """Insert the checkpoint row and the blobs of the channels that changed."""
    thread_id, ns, parent_id = records.target_of(config)
    _check_key("thread_id", thread_id)
    _check_key("checkpoint_ns", ns)
    _check_key("checkpoint id", checkpoint["id"], ID_LENGTH)
    if parent_id is not None:
        _check_key("parent checkpoint id", parent_id, ID_LENGTH)
    (type_, payload), new_blobs = records.encode_checkpoint(serde, checkpoint, new_versions)
    metadata_text, run_id = records.encode_metadata(config, metadata)
    if run_id is not None:
        _check_key("run_id", run_id)
    row: dict[str, Any] = {
        "thread_id": thread_id,
        "checkpoint_ns": ns,
        "checkpoint_id": checkpoint["id"],
        "parent_checkpoint_id": parent_id,
        "run_id": run_id,
        "type": type_,
        "checkpoint": payload,
        "metadata": metadata_text,
    }
    for channel, (version, _typed) in new_blobs.items():
        _check_key("channel name", channel, CHANNEL_LENGTH)
        _check_key("channel version", version, ID_LENGTH)
    if new_blobs and dialect == "postgresql":
        count = len(new_blobs) if len(new_blobs) <= _MULTI_ROW_BLOBS else 0
        if count:
            for i, (channel, (version, typed)) in enumerate(new_blobs.items()):
                row[f"c{i}"], row[f"v{i}"], row[f"t{i}"], row[f"b{i}"] = (
                    channel,
                    version,
                    typed[0],
                    typed[1],
                )
        else:
            row["channels"] = list(new_blobs)
            row["versions"] = [version for version, _typed in new_blobs.values()]
            row["types"] = [typed[0] for _version, typed in new_blobs.values()]
            row["blobs"] = [typed[1] for _version, typed in new_blobs.values()]
        yield (_put_with_blobs_postgresql(count), row)
    else:
        if new_blobs:
            yield (
                insert_ignore(blobs, dialect),
                [
                    {
                        "thread_id": thread_id,
                        "checkpoint_ns": ns,
                        "channel": channel,
                        "version": version,
                        "type": typed[0],
                        "blob": typed[1],
                    }
                    for channel, (version, typed) in new_blobs.items()
                ],
            )
        yield (insert_ignore(checkpoints, dialect), row)
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": ns,
            "checkpoint_id": checkpoint["id"],
        }
    }


def put_writes_plan(
    serde: SerializerProtocol,
    config: RunnableConfig,
    pending: Sequence[tuple[str, Any]],
    task_id: str,
    task_path: str,
    dialect: str,
) -> Plan[None]:
    """Append the call as one row with a new ``seq``; readers replay a task's calls in
    ``seq`` order (``records.pending_writes``), so no earlier row is ever changed."""
    thread_id, ns, checkpoint_id = records.target_of(config)
    if checkpoint_id is None:
        raise ValueError("put_writes needs a config naming a checkpoint_id")
    _check_key("checkpoint id", checkpoint_id, ID_LENGTH)
    if not pending:
        return
    type_, blob = records.encode_writes(
        serde,
        [(WRITES_IDX_MAP.get(ch, idx), ch, value) for idx, (ch, value) in enumerate(pending)],
    )
    yield (
        insert_ignore(writes, dialect),
        {
            "thread_id": thread_id,
            "checkpoint_ns": ns,
            "checkpoint_id": checkpoint_id,
            "task_id": _check_key("task_id", task_id),
            "seq": records.next_write_seq(),
            "task_path": task_path,
            "type": type_,
            "blob": blob,
        },
    )


# --- reads ----------------------------------------------------------------------------------

_CHECKPOINT_COLUMNS = (
    checkpoints.c.thread_id,
    checkpoints.c.checkpoint_ns,
    checkpoints.c.checkpoint_id,
    checkpoints.c.parent_checkpoint_id,
    checkpoints.c.type,
    checkpoints.c.checkpoint,
    checkpoints.c.metadata,
)


def checkpoint_rows(thread_id: str, ns: str) -> sa.Select[Any]:
    """SELECT of a thread's checkpoint rows in one namespace, newest first."""
    return (
        sa.select(*_CHECKPOINT_COLUMNS)
        .where(checkpoints.c.thread_id == thread_id, checkpoints.c.checkpoint_ns == ns)
        .order_by(checkpoints.c.checkpoint_id.desc())
    )


def _extras_parts(ids: int, pairs: int) -> list[sa.Select[Any]]:
    """The SELECTs of ``_extras_statement``: pending writes of ``ids`` checkpoints, then
    ``pairs`` blobs (one point lookup each, or one pass over the thread's blobs for many).
    A blob row carries its version in ``a`` and its channel in ``b``."""
    key = KeyString(KEY_LENGTH)
    written = sa.select(
        sa.literal("w").label("kind"),
        writes.c.checkpoint_id.label("a"),
        writes.c.task_id.label("b"),
        writes.c.task_path.label("path"),
        writes.c.seq,
        writes.c.type,
        writes.c.blob,
    ).where(
        writes.c.thread_id == sa.bindparam("thread_id"),
        writes.c.checkpoint_ns == sa.bindparam("ns"),
        writes.c.checkpoint_id.in_([sa.bindparam(f"id{i}") for i in range(ids)]),
    )
    if not pairs:
        return [written]
    columns = (
        sa.literal("b").label("kind"),
        sa.type_coerce(blobs.c.version, key).label("a"),
        sa.type_coerce(blobs.c.channel, key).label("b"),
        sa.type_coerce(sa.literal(""), sa.Text()).label("path"),
        sa.literal(0).label("seq"),
        blobs.c.type,
        blobs.c.blob,
    )
    thread = (
        blobs.c.thread_id == sa.bindparam("thread_id"),
        blobs.c.checkpoint_ns == sa.bindparam("ns"),
    )
    keys = [
        sa.and_(blobs.c.channel == sa.bindparam(f"c{i}"), blobs.c.version == sa.bindparam(f"v{i}"))
        for i in range(pairs)
    ]
    if pairs > _POINT_LOOKUPS:  # a page of ``list``: many blobs of the thread, one pass
        return [written, sa.select(*columns).where(*thread, sa.or_(*keys))]
    # A few checkpoints (``get_tuple``): one SELECT per blob, each naming its whole primary key,
    # an index point lookup on every database whatever the planner's statistics. As one OR of
    # the pairs, PostgreSQL without fresh statistics scanned every blob of the thread and
    # filtered (0.7 ms at 600 turns, growing with the thread): a long thread's turns slowed.
    return [written, *(sa.select(*columns).where(*thread, key_match) for key_match in keys)]


@functools.lru_cache(maxsize=512)
def _extras_statement(ids: int, pairs: int) -> sa.Select[Any] | sa.CompoundSelect[Any]:
    """Pending writes of ``ids`` checkpoints and (UNION ALL) ``pairs`` blobs.

    One statement per shape, each parameter its own bind: SQLAlchemy would otherwise re-render
    an "expanding" IN list on every call, which costs more than running the query.
    Parameters: ``thread_id``, ``ns``, ``id0``..., ``c0``/``v0``... .
    """
    parts = _extras_parts(ids, pairs)
    return parts[0] if len(parts) == 1 else sa.union_all(*parts)


def _extras(
    thread_id: str, ns: str, ids: Sequence[str], pairs: Sequence[tuple[str, str]]
) -> tuple[Any, dict[str, Any]]:
    params: dict[str, Any] = {"thread_id": thread_id, "ns": ns}
    params.update((f"id{i}", cid) for i, cid in enumerate(ids))
    for i, (channel, version) in enumerate(pairs):
        params[f"c{i}"], params[f"v{i}"] = channel, version
    return _extras_statement(len(ids), len(pairs)), params


def load_tuples(
    serde: SerializerProtocol,
    rows: Sequence[Any],
    thread_id: str,
    ns: str,
    prefetched: Sequence[Any] = (),
    writes_of: str | None = None,
) -> Plan[list[CheckpointTuple]]:
    """Turn checkpoint rows (one thread and namespace) into tuples, fetching their extras.

    ``prefetched``: extra rows (``_extras`` shape) a guessing read already fetched: its blobs
    are used where a checkpoint reads them, and its pending writes are all those of checkpoint
    ``writes_of``. A second statement fetches whatever is still missing, so a wrong guess
    costs only the statement it meant to save.
    """
    if not rows:
        return []
    stored = [
        records.decode_checkpoint(serde, row.checkpoint_id, row.type, row.checkpoint)
        for row in rows
    ]
    needed = records.blob_keys(stored)
    ids = [row.checkpoint_id for row in rows]
    writes_known = ids == [writes_of]
    extras = [
        extra
        for extra in prefetched
        if (extra.kind == "b" and (extra.b, extra.a) in needed)
        or (extra.kind == "w" and writes_known)
    ]
    missing = sorted(needed - {(extra.b, extra.a) for extra in extras if extra.kind == "b"})
    ids_to_fetch = [] if writes_known else ids
    if missing or ids_to_fetch:
        batches: list[Sequence[tuple[str, str]]] = list(
            records.chunks(missing, _PAIRS_PER_STATEMENT)
        )
        for number, batch in enumerate(batches or [[]]):
            extras.extend(
                (yield _extras(thread_id, ns, ids_to_fetch if number == 0 else [], batch))
            )
    by_checkpoint: dict[str, list[records.WriteRow]] = {cid: [] for cid in ids}
    blob_values: dict[tuple[str, str], Any] = {}
    for extra in extras:
        if extra.kind == "w":
            by_checkpoint[extra.a].append(
                records.WriteRow(extra.b, extra.path, extra.seq, extra.type, extra.blob)
            )
        else:
            blob_values[(extra.b, extra.a)] = serde.loads_typed((extra.type, extra.blob))
    return [
        records.build_tuple(
            thread_id,
            ns,
            row.checkpoint_id,
            row.parent_checkpoint_id,
            s,
            row.metadata,
            blob_values,
            records.pending_writes(serde, by_checkpoint[row.checkpoint_id]),
        )
        for row, s in zip(rows, stored, strict=True)
    ]


_LATEST = (
    sa.select(*_CHECKPOINT_COLUMNS)
    .where(
        checkpoints.c.thread_id == sa.bindparam("thread_id"),
        checkpoints.c.checkpoint_ns == sa.bindparam("ns"),
    )
    .order_by(checkpoints.c.checkpoint_id.desc())
    .limit(1)
)
_BY_ID = sa.select(*_CHECKPOINT_COLUMNS).where(
    checkpoints.c.thread_id == sa.bindparam("thread_id"),
    checkpoints.c.checkpoint_ns == sa.bindparam("ns"),
    checkpoints.c.checkpoint_id == sa.bindparam("checkpoint_id"),
)


@dataclasses.dataclass(frozen=True)
class LatestGuess:
    """What this process last wrote or read as a conversation's newest checkpoint.

    ``get_tuple`` fetches the pending writes and blobs it names in the same statement as the
    checkpoint row, and the row it reads decides what is used: a stale guess (another process
    wrote since) costs the second statement it was meant to save, never a wrong value.
    """

    checkpoint_id: str
    """The checkpoint's id."""
    pairs: tuple[tuple[str, str], ...]
    """(channel, version) of each of its values stored in ``blobs`` (``records.blob_pairs``)."""


def _head_columns() -> tuple[Any, ...]:
    """A checkpoint row in the columns of ``_extras_parts``: id in ``a``, parent in ``b``,
    metadata in ``path``, payload in ``blob``."""
    key = KeyString(KEY_LENGTH)
    return (
        sa.literal("c").label("kind"),
        sa.type_coerce(checkpoints.c.checkpoint_id, key).label("a"),
        sa.type_coerce(checkpoints.c.parent_checkpoint_id, key).label("b"),
        sa.type_coerce(checkpoints.c.metadata, sa.Text()).label("path"),
        sa.literal(0).label("seq"),
        checkpoints.c.type,
        checkpoints.c.checkpoint.label("blob"),
    )


@functools.lru_cache(maxsize=2 * (_POINT_LOOKUPS + 1))
def _guessing_statement(by_id: bool, pairs: int) -> sa.CompoundSelect[Any]:
    """The checkpoint row (``checkpoint_id``, or the thread's newest) UNION ALL the pending
    writes of the guessed id ``id0`` and the guessed blobs ``c{i}``/``v{i}``: one statement."""
    thread = (
        checkpoints.c.thread_id == sa.bindparam("thread_id"),
        checkpoints.c.checkpoint_ns == sa.bindparam("ns"),
    )
    if by_id:
        which = checkpoints.c.checkpoint_id == sa.bindparam("checkpoint_id")
    else:
        newest = (
            sa.select(checkpoints.c.checkpoint_id)
            .where(*thread)
            .order_by(checkpoints.c.checkpoint_id.desc())
            .limit(1)
            .scalar_subquery()
        )
        which = checkpoints.c.checkpoint_id == newest
    head = sa.select(*_head_columns()).where(*thread, which)
    return sa.union_all(head, *_extras_parts(1, pairs))


@dataclasses.dataclass(frozen=True)
class _Head:
    """A checkpoint row read by ``_guessing_statement``, under ``load_tuples``' names."""

    checkpoint_id: str
    parent_checkpoint_id: str | None
    type: str
    checkpoint: bytes
    metadata: str


def get_tuple_plan(
    serde: SerializerProtocol,
    config: RunnableConfig,
    dialect: str,
    guess: LatestGuess | None = None,
) -> Plan[CheckpointTuple | None]:
    """The checkpoint named by ``config``, or its thread's latest.

    With a ``guess`` that can apply (the latest is asked for, or the guessed id), one
    statement reads the row with the guessed extras (``_guessing_statement``); otherwise, and
    for whatever the guess missed, the checkpoint row and then its extras.
    """
    thread_id, ns, checkpoint_id = records.target_of(config)
    params: dict[str, Any] = {"thread_id": thread_id, "ns": ns}
    if checkpoint_id is not None:
        params["checkpoint_id"] = checkpoint_id
    if (
        guess is not None
        and len(guess.pairs) <= _POINT_LOOKUPS
        and (checkpoint_id is None or checkpoint_id == guess.checkpoint_id)
    ):
        params["id0"] = guess.checkpoint_id
        for i, (channel, version) in enumerate(guess.pairs):
            params[f"c{i}"], params[f"v{i}"] = channel, version
        found = yield (_guessing_statement(checkpoint_id is not None, len(guess.pairs)), params)
        heads = [
            _Head(row.a, row.b, row.type, row.blob, row.path) for row in found if row.kind == "c"
        ]
        extras = [row for row in found if row.kind != "c"]
        tuples = yield from load_tuples(
            serde, heads, thread_id, ns, prefetched=extras, writes_of=guess.checkpoint_id
        )
    else:
        rows = yield (_BY_ID if checkpoint_id is not None else _LATEST, params)
        tuples = yield from load_tuples(serde, rows, thread_id, ns)
    return tuples[0] if tuples else None


def list_page_plan(
    serde: SerializerProtocol,
    config: RunnableConfig | None,
    filter: Mapping[str, Any] | None,
    before_id: str | None,
    before_key: tuple[str, str, str] | None,
    page_size: int,
    dialect: str,
) -> Plan[tuple[list[CheckpointTuple], tuple[str, str, str] | None]]:
    """One page of ``list``, and the key to continue after (None when exhausted).

    ``before_key`` is the (thread, namespace, checkpoint id) of the last row already
    returned; the order is newest checkpoint first, then thread and namespace.
    """
    c = checkpoints.c
    query = sa.select(*_CHECKPOINT_COLUMNS)
    if config is not None:
        configurable = config.get("configurable") or {}
        if configurable.get("thread_id") is not None:
            query = query.where(c.thread_id == str(configurable["thread_id"]))
        if configurable.get("checkpoint_ns") is not None:
            query = query.where(c.checkpoint_ns == str(configurable["checkpoint_ns"]))
        if configurable.get("checkpoint_id") is not None:
            query = query.where(c.checkpoint_id == str(configurable["checkpoint_id"]))
    if before_id is not None:
        query = query.where(c.checkpoint_id < before_id)
    for fragment in records.filter_fragments(filter or {}):
        query = query.where(c.metadata.contains(fragment, autoescape=True))
    if before_key is not None:
        cid, tid, ns = before_key
        query = query.where(
            sa.or_(
                c.checkpoint_id < cid,
                sa.and_(c.checkpoint_id == cid, c.thread_id > tid),
                sa.and_(c.checkpoint_id == cid, c.thread_id == tid, c.checkpoint_ns > ns),
            )
        )
    query = query.order_by(c.checkpoint_id.desc(), c.thread_id, c.checkpoint_ns).limit(page_size)
    rows = yield query
    next_key = None
    if len(rows) == page_size:
        last = rows[-1]
        next_key = (last.checkpoint_id, last.thread_id, last.checkpoint_ns)
    if filter:
        rows = [row for row in rows if records.matches_filter(row.metadata, filter)]
    groups: dict[tuple[str, str], list[sa.Row[Any]]] = {}
    for row in rows:
        groups.setdefault((row.thread_id, row.checkpoint_ns), []).append(row)
    loaded: dict[tuple[str, str, str], CheckpointTuple] = {}
    for (tid, ns), group in groups.items():
        for tup in (yield from load_tuples(serde, group, tid, ns)):
            loaded[(tup.config["configurable"]["checkpoint_id"], tid, ns)] = tup
    ordered = [loaded[(row.checkpoint_id, row.thread_id, row.checkpoint_ns)] for row in rows]
    return ordered, next_key
