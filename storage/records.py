"""Turning checkpoints into rows and rows back into ``CheckpointTuple``s (no SQL here).

Primitive channel values (None, bools, numbers, strings up to ``INLINE_STR_LIMIT``) travel
inside the checkpoint row, because a separate blob row would cost more than the value. Every
other value goes to ``blobs`` once per version, and the checkpoint row lists those channels
under ``blob_channels`` so a reader knows, without asking the database, which channels hold a
value and which are empty.

Metadata is stored as canonical JSON (sorted keys, compact, ASCII-only). ASCII-only means a
NUL or any control character is written as a ``\\uXXXX`` escape, which every database accepts
as text, including PostgreSQL; canonical means a filter can be matched with a plain LIKE and
then checked exactly in Python.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import threading
import time
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    EXCLUDED_METADATA_KEYS,
    WRITES_IDX_MAP,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    PendingWrite,
    writes_sort_key,
)
from langgraph.checkpoint.serde.base import SerializerProtocol

__all__ = [
    "INLINE_STR_LIMIT",
    "StoredCheckpoint",
    "WriteRow",
    "blob_keys",
    "blob_pairs",
    "build_tuple",
    "chunks",
    "decode_checkpoint",
    "encode_checkpoint",
    "encode_writes",
    "encode_metadata",
    "filter_fragments",
    "matches_filter",
    "next_write_seq",
    "pending_writes",
    "target_of",
]

INLINE_STR_LIMIT = 256
"""Strings up to this many characters are stored inside the checkpoint row."""

_BLOB_CHANNELS = "blob_channels"


def target_of(config: RunnableConfig) -> tuple[str, str, str | None]:
    """(thread_id, checkpoint_ns, checkpoint_id or None) named by a config."""
    configurable = config.get("configurable") or {}
    thread_id = configurable.get("thread_id")
    if thread_id is None:
        raise ValueError('the config has no "thread_id" under "configurable"')
    checkpoint_id = configurable.get("checkpoint_id")
    return str(thread_id), str(configurable.get("checkpoint_ns") or ""), checkpoint_id


def _is_inline(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float)):
        return True
    return isinstance(value, str) and len(value) <= INLINE_STR_LIMIT


@dataclasses.dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint decoded from its row, before its blob values are attached."""

    checkpoint: dict[str, Any]
    """The checkpoint with its inline channel values only."""
    blob_versions: dict[str, str]
    """Channel -> version of the values still to be read from ``blobs``."""


def blob_pairs(checkpoint: Checkpoint) -> tuple[tuple[str, str], ...]:
    """The (channel, version) of every value of ``checkpoint`` that lives in ``blobs``, sorted:
    what a read of this checkpoint fetches besides its row."""
    versions = checkpoint["channel_versions"]
    return tuple(
        sorted(
            (channel, str(versions[channel]))
            for channel, value in checkpoint["channel_values"].items()
            if channel in versions and not _is_inline(value)
        )
    )


def encode_checkpoint(
    serde: SerializerProtocol, checkpoint: Checkpoint, new_versions: Mapping[str, Any]
) -> tuple[tuple[str, bytes], dict[str, tuple[str, tuple[str, bytes]]]]:
    """The checkpoint row payload, and the blobs to add: channel -> (version, typed bytes).

    Only channels named in ``new_versions`` get a blob; the others were stored by an earlier
    checkpoint at the same version.
    """
    values = checkpoint["channel_values"]
    inline = {k: v for k, v in values.items() if _is_inline(v)}
    blobbed = sorted(k for k in values if k not in inline)
    payload: dict[str, Any] = dict(checkpoint)
    del payload["id"]  # the row's checkpoint_id column already holds it
    payload["channel_values"] = inline
    payload[_BLOB_CHANNELS] = blobbed
    new_blobs = {
        channel: (str(new_versions[channel]), serde.dumps_typed(values[channel]))
        for channel in blobbed
        if channel in new_versions
    }
    return serde.dumps_typed(payload), new_blobs


def decode_checkpoint(
    serde: SerializerProtocol, checkpoint_id: str, type_: str, payload: bytes
) -> StoredCheckpoint:
    """Read a checkpoint row payload back."""
    checkpoint: dict[str, Any] = serde.loads_typed((type_, payload))
    checkpoint["id"] = checkpoint_id
    blobbed = checkpoint.pop(_BLOB_CHANNELS, [])
    versions = checkpoint.get("channel_versions", {})
    return StoredCheckpoint(
        checkpoint=checkpoint,
        blob_versions={ch: str(versions[ch]) for ch in blobbed if ch in versions},
    )


def blob_keys(stored: Iterable[StoredCheckpoint]) -> set[tuple[str, str]]:
    """Every (channel, version) the given checkpoints read from ``blobs``."""
    return {pair for s in stored for pair in s.blob_versions.items()}


@dataclasses.dataclass(frozen=True)
class WriteRow:
    """One stored ``put_writes`` call, still serialized."""

    task_id: str
    """The task that wrote."""
    task_path: str
    """The task's path (first part of ``writes_sort_key``)."""
    seq: int
    """When the call was stored (a strictly increasing number; 0 in rows of schema 1)."""
    type: str
    """Serializer type tag of ``blob``."""
    blob: bytes
    """The serialized ``[[idx, channel, value], ...]`` list."""


def encode_writes(
    serde: SerializerProtocol, writes: Sequence[tuple[int, str, Any]]
) -> tuple[str, bytes]:
    """Serialize one call's ``(idx, channel, value)`` writes together."""
    return serde.dumps_typed([[idx, channel, value] for idx, channel, value in writes])


def pending_writes(
    serde: SerializerProtocol,
    rows: Iterable[WriteRow],
    channels: Collection[str] | None = None,
) -> list[PendingWrite]:
    """Each (task, idx)'s write, in ``writes_sort_key`` order, as LangGraph's savers keep it.

    Rows are replayed in ``seq`` order with the rule of ``SqliteSaver``'s one row per
    (task, idx): a call made only of special channels (``WRITES_IDX_MAP``) replaces what it
    names (INSERT OR REPLACE); any other call adds only the (task, idx) not yet written (INSERT
    OR IGNORE). A task re-sending its earlier writes plus new ones — LangGraph does, for a
    resume with an update — thus keeps the earlier values and gains the new ones.
    ``channels``, if given, keeps only writes to those channels."""
    chosen: dict[tuple[str, int], tuple[str, str, Any]] = {}
    for row in sorted(rows, key=_by_seq):
        decoded = serde.loads_typed((row.type, row.blob))
        replacing = all(channel in WRITES_IDX_MAP for _idx, channel, _value in decoded)
        for idx, channel, value in decoded:
            key = (row.task_id, idx)
            if replacing or key not in chosen:
                chosen[key] = (row.task_path, channel, value)
    ordered = sorted(chosen.items(), key=lambda kv: writes_sort_key(kv[1][0], kv[0][0], kv[0][1]))
    return [
        (task_id, channel, value)
        for (task_id, _idx), (_path, channel, value) in ordered
        if channels is None or channel in channels
    ]


def _by_seq(row: WriteRow) -> int:
    return row.seq


def build_tuple(
    thread_id: str,
    checkpoint_ns: str,
    checkpoint_id: str,
    parent_checkpoint_id: str | None,
    stored: StoredCheckpoint,
    metadata_text: str,
    blob_values: Mapping[tuple[str, str], Any],
    writes: list[PendingWrite],
) -> CheckpointTuple:
    """Assemble the ``CheckpointTuple`` LangGraph expects."""
    checkpoint = dict(stored.checkpoint)
    values = dict(checkpoint["channel_values"])
    for channel, version in stored.blob_versions.items():
        if (channel, version) in blob_values:
            values[channel] = blob_values[(channel, version)]
    checkpoint["channel_values"] = values
    parent = None
    if parent_checkpoint_id:
        parent = _config(thread_id, checkpoint_ns, parent_checkpoint_id)
    return CheckpointTuple(
        config=_config(thread_id, checkpoint_ns, checkpoint_id),
        checkpoint=checkpoint,  # type: ignore[arg-type]
        metadata=json.loads(metadata_text),
        parent_config=parent,
        pending_writes=writes,
    )


def _config(thread_id: str, checkpoint_ns: str, checkpoint_id: str) -> RunnableConfig:
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": checkpoint_ns,
            "checkpoint_id": checkpoint_id,
        }
    }


# --- metadata -----------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """JSON stand-ins for the non-JSON values LangGraph or a caller may put in metadata."""
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"metadata values must be JSON-compatible, not {type(value).__name__}")


def _dumps(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_jsonable
    )


def encode_metadata(config: RunnableConfig, metadata: CheckpointMetadata) -> tuple[str, str | None]:
    """Canonical JSON of the checkpoint's metadata, and its ``run_id`` if any.

    Keys from the config are merged in as LangGraph's own ``get_checkpoint_metadata`` does,
    except that NUL characters are kept rather than stripped: nothing a caller stores is lost.
    """
    merged: dict[str, Any] = {k: v for k, v in metadata.items() if k != "writes"}
    for source in (config.get("metadata"), config.get("configurable")):
        for key, value in (source or {}).items():
            if key in merged or key in EXCLUDED_METADATA_KEYS or key.startswith("__"):
                continue
            if isinstance(value, (str, int, float, bool)):
                merged[key] = value
    run_id = merged.get("run_id")
    return _dumps(merged), None if run_id is None else str(run_id)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def filter_fragments(filter: Mapping[str, Any]) -> list[str]:
    """Text every matching metadata JSON contains, one per filter key (for a LIKE prefilter).

    A number matches any spelling of itself (``1`` and ``1.0``), so only its key is required.
    """
    return [
        f"{_dumps(str(key))}:" + ("" if _is_number(value) else _dumps(value))
        for key, value in filter.items()
    ]


def _same(stored: Any, wanted: Any) -> bool:
    if _is_number(stored) and _is_number(wanted):
        return bool(stored == wanted)
    return _dumps(stored) == _dumps(wanted)  # True is not 1, "1" is not 1, dicts by content


def matches_filter(metadata_text: str, filter: Mapping[str, Any]) -> bool:
    """Exact check of a filter against stored metadata (the LIKE prefilter over-matches)."""
    metadata = json.loads(metadata_text)
    return all(key in metadata and _same(metadata[key], value) for key, value in filter.items())


# --- write sequence -----------------------------------------------------------------------

_seq_lock = threading.Lock()
_last_seq = 0


def next_write_seq() -> int:
    """A strictly increasing number ordering a task's ``put_writes`` calls (nanoseconds,
    made unique within the process)."""
    global _last_seq
    with _seq_lock:
        _last_seq = max(time.time_ns(), _last_seq + 1)
        return _last_seq


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    """Consecutive slices of at most ``size`` items (to keep bind-parameter counts small)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
