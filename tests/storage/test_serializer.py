"""What the serializer lets through, what it refuses, and encryption at rest."""

from __future__ import annotations

import collections
import dataclasses
import datetime
import decimal
import enum
import functools
import ipaddress
import pathlib
import re
import threading
import uuid
import zlib
import zoneinfo
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import ormsgpack
import pydantic
import pytest
import sqlalchemy as sa
import zstandard
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.checkpoint.conformance.test_utils import (
    generate_checkpoint,
    generate_config,
    generate_metadata,
)
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from storage import (
    DisallowedTypeError,
    EncryptionKeyError,
    SQLSaver,
    StorageError,
    make_serializer,
    serializer,
)
from storage.schema import blobs, checkpoints, writes
from storage.serializer import MAX_VALUE_BYTES
from tests.storage.checkpoints import put_values


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: float
    tags: tuple[str, ...] = ()


class Job(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)
    name: str
    epochs: int
    lr: decimal.Decimal
    classes: tuple[str, ...]
    started: datetime.datetime | None = None
    color: Color = Color.RED


@dataclasses.dataclass(frozen=True)
class Pair:
    a: int
    b: str


@dataclasses.dataclass
class NotAllowed:
    secret: str


ALLOW = [Color, Point, Job]

VALUES: dict[str, Any] = {
    "job": Job(
        name="검출 🚀",
        epochs=3,
        lr=decimal.Decimal("0.001"),
        classes=("cat", "dog"),
        started=datetime.datetime(2025, 10, 22, 9, 30, tzinfo=datetime.UTC),
        color=Color.BLUE,
    ),
    "point": Point(1, 2.5, ("a", "b")),
    "color": Color.RED,
    "when": datetime.datetime(2024, 2, 29, 23, 59, 59, 999999),
    "aware": datetime.datetime(2024, 1, 1, tzinfo=zoneinfo.ZoneInfo("Asia/Seoul")),
    "day": datetime.date(2025, 1, 1),
    "clock": datetime.time(12, 30, 15),
    "span": datetime.timedelta(days=1, seconds=3, microseconds=7),
    "zone": zoneinfo.ZoneInfo("Europe/Paris"),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "decimal": decimal.Decimal("-12.3400"),
    "set": {1, 2, 3},
    "frozenset": frozenset({"a", "b"}),
    "deque": collections.deque([1, 2]),
    "path": pathlib.Path("/data/datasets/imagenet-10"),
    "ip": ipaddress.IPv4Address("10.0.0.1"),
    "net": ipaddress.IPv6Network("2001:db8::/32"),
    "pattern": re.compile(r"^resnet\d+$", re.IGNORECASE),
    "messages": [
        SystemMessage(content="be brief"),
        HumanMessage(content="ResNet18로 학습해줘", id="h1"),
        AIMessage(content="ok", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1"}]),
        ToolMessage(content="done", tool_call_id="c1"),
    ],
    "bytes": b"\x00\xff binary",
    "nested": {"a": [1, {"b": (2, 3)}, None], "k": {"deep": [Point(0, 0.0)]}},
    "big": "x" * 10_000,
    "none": None,
    "float": 1.5,
    "bool": True,
}


def _as_stored(value: Any) -> Any:
    """msgpack has one array type: a tuple outside a typed container comes back a list."""
    if isinstance(value, tuple):
        return [_as_stored(v) for v in value]
    if isinstance(value, list):
        return [_as_stored(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_stored(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _as_stored(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **fields)
    return value


def test_every_allowed_type_round_trips(saver: SQLSaver) -> None:
    """As channel values and as pending writes, through the database."""
    allowed = saver.with_allowlist(ALLOW)
    stored = put_values(allowed, "types", VALUES)
    allowed.put_writes(stored, list(VALUES.items()), "task")
    tup = allowed.get_tuple(stored)
    assert tup is not None
    expected = {k: _as_stored(v) for k, v in VALUES.items()}
    pattern = expected.pop("pattern")
    got = dict(tup.checkpoint["channel_values"])
    assert got.pop("pattern").pattern == pattern.pattern
    assert got == expected
    for key in ("job", "point", "color", "uuid", "decimal", "set", "path", "zone", "span"):
        assert type(got[key]) is type(VALUES[key]), key
    assert got["job"].classes == ("cat", "dog")  # typed containers keep their tuples
    assert got["point"].tags == ["a", "b"]  # a dataclass does not validate: msgpack gives a list
    written = {channel: value for _task, channel, value in tup.pending_writes or []}
    assert written["job"] == VALUES["job"] and written["bytes"] == VALUES["bytes"]
    assert written["messages"] == VALUES["messages"]


def test_type_outside_the_allow_list_fails_closed(saver: SQLSaver) -> None:
    """A value written by a saver that allowed the type cannot be read by one that does not:
    the error names the type instead of handing back a dict."""
    stored = put_values(saver.with_allowlist([NotAllowed]), "foreign", {"v": NotAllowed("s")})
    assert saver.with_allowlist([NotAllowed]).get_tuple(stored) is not None
    with pytest.raises(DisallowedTypeError, match=r"test_serializer\.NotAllowed"):
        saver.get_tuple(stored)
    # the same type nested deep inside allowed containers is found too
    stored = put_values(
        saver.with_allowlist([NotAllowed]), "nested", {"v": {"a": [1, (NotAllowed("x"),)]}}
    )
    with pytest.raises(DisallowedTypeError, match="NotAllowed"):
        saver.get_tuple(stored)


def test_crafted_row_runs_no_code(saver: SQLSaver, tmp_path: Any) -> None:
    """A blob row forged to call os.system is refused before anything is imported or called."""
    marker = tmp_path / "pwned"
    stored = put_values(saver, "crafted", {"v": [1, 2]})
    version = "1"
    evil = ormsgpack.packb(
        {"v": ormsgpack.Ext(1, ormsgpack.packb(("os", "system", (f"touch {marker}",))))}
    )
    with saver.engine.connect() as conn:
        conn.execute(sa.delete(blobs).where(blobs.c.thread_id == "crafted", blobs.c.channel == "v"))
        conn.execute(
            sa.insert(blobs).values(
                thread_id="crafted",
                checkpoint_ns="",
                channel="v",
                version=version,
                type="msgpack",
                blob=evil,
            )
        )
        conn.commit()
    with pytest.raises(DisallowedTypeError, match=r"os\.system"):
        saver.get_tuple(stored)
    assert not marker.exists()


def test_never_pickles() -> None:
    serde = make_serializer()
    with pytest.raises(TypeError):
        serde.dumps_typed(lambda: 1)
    with pytest.raises(NotImplementedError, match="pickle"):
        serde.loads_typed(("pickle", b"\x80\x04K\x01."))


def test_with_allowlist_copies_share_the_engines(saver: SQLSaver) -> None:
    """The copy LangGraph makes with with_allowlist keeps working beside the original."""
    clone = saver.with_allowlist([Pair])
    assert clone is not saver and isinstance(clone, SQLSaver)
    assert clone.engine is saver.engine and clone.async_engines is saver.async_engines
    stored = put_values(clone, "shared", {"p": Pair(1, "x")})
    assert clone.get_tuple(stored).checkpoint["channel_values"]["p"] == Pair(1, "x")  # type: ignore[union-attr]
    put_values(saver, "plain", {"n": [1]})
    assert len(list(clone.list(None))) == 2
    assert len(list(saver.list(generate_config("plain")))) == 1
    with pytest.raises(DisallowedTypeError):
        saver.get_tuple(stored)


async def test_with_allowlist_copy_works_async(saver: SQLSaver) -> None:
    clone = saver.with_allowlist([Pair])
    checkpoint = generate_checkpoint(channel_values={"p": Pair(3, "y")}, channel_versions={"p": 1})
    stored = await clone.aput(generate_config("a"), checkpoint, generate_metadata(), {"p": 1})
    tup = await clone.aget_tuple(stored)
    assert tup is not None and tup.checkpoint["channel_values"]["p"] == Pair(3, "y")
    assert await saver.aget_tuple(generate_config("missing")) is None
    await saver.aclose()


def test_encryption_at_rest(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With TRAINCHAT_ENCRYPTION_KEY set, nothing readable reaches the database; a wrong or
    missing key is a clear error, not garbage."""
    monkeypatch.setenv("TRAINCHAT_ENCRYPTION_KEY", "k" * 32)
    secret = "dataset at /secret/path " * 10
    with SQLSaver.from_url(db_url) as encrypted:
        encrypted.setup()
        stored = put_values(encrypted, "enc", {"secret": secret, "job": "short secret"})
        encrypted.put_writes(stored, [("note", secret)], "task")
        tup = encrypted.with_allowlist([Point]).get_tuple(stored)
        assert tup is not None and tup.checkpoint["channel_values"]["secret"] == secret
        assert tup.pending_writes == [("task", "note", secret)]
        with encrypted.engine.connect() as conn:
            raw = b"".join(
                bytes(value)
                for column in (checkpoints.c.checkpoint, blobs.c.blob, writes.c.blob)
                for value in conn.execute(sa.select(column)).scalars()
            )
        assert b"secret" not in raw and b"dataset" not in raw

    monkeypatch.setenv("TRAINCHAT_ENCRYPTION_KEY", "w" * 32)
    with SQLSaver.from_url(db_url) as wrong, pytest.raises(EncryptionKeyError, match="key"):
        wrong.get_tuple(stored)
    monkeypatch.delenv("TRAINCHAT_ENCRYPTION_KEY")
    with (
        SQLSaver.from_url(db_url) as keyless,
        pytest.raises(EncryptionKeyError, match="TRAINCHAT_ENCRYPTION_KEY"),
    ):
        keyless.get_tuple(stored)
    with pytest.raises(EncryptionKeyError, match="16, 24 or 32"):
        make_serializer(encryption_key="short")


# --- bounded decompression (finding 13) ---------------------------------------------------


def _bin_header_then_zeros(compress: Callable[[bytes], bytes], expanded: int) -> list[bytes]:
    """``compress`` fed a msgpack bin header and then zeros up to ``expanded`` bytes in all, in
    1 MiB steps (the whole is never held): the pieces it returned."""
    header = b"\xc6" + (expanded - 5).to_bytes(4, "big")
    parts = [compress(header)]
    chunk = bytes(1 << 20)
    left = expanded - len(header)
    while left > 0:
        parts.append(compress(chunk[: min(left, len(chunk))]))
        left -= len(chunk)
    return parts


@functools.cache
def _bomb(expanded: int) -> bytes:
    """A ``msgpack_z`` payload (the saver's own dictionary) that inflates to ``expanded``
    bytes: a msgpack bin header, then zeros."""
    packer = zlib.compressobj(9, zdict=serializer._ZDICT)
    return b"".join(_bin_header_then_zeros(packer.compress, expanded)) + packer.flush()


def _store_blob(saver: SQLSaver, stored: Any, type_: str, blob: bytes) -> None:
    """Replace the channel ``v`` of ``stored`` by a forged row (a crafted or corrupted one)."""
    with saver.engine.connect() as conn:
        conn.execute(sa.delete(blobs).where(blobs.c.thread_id == "forged", blobs.c.channel == "v"))
        conn.execute(
            sa.insert(blobs).values(
                thread_id="forged",
                checkpoint_ns="",
                channel="v",
                version="1",
                type=type_,
                blob=blob,
            )
        )
        conn.commit()


def test_a_decompression_bomb_row_is_refused_naming_the_limit(saver: SQLSaver) -> None:
    stored = put_values(saver, "forged", {"v": [1, 2]})
    bomb = _bomb(2 * MAX_VALUE_BYTES)  # 128 MiB from about 130 KB
    assert len(bomb) < 1_000_000
    _store_blob(saver, stored, "msgpack_z", bomb)
    with pytest.raises(StorageError, match=r"expands past the 64 MiB limit") as caught:
        saver.get_tuple(stored)
    assert "MAX_VALUE_BYTES" in str(caught.value)


def test_a_value_at_the_limit_still_loads_and_one_byte_more_does_not() -> None:
    serde = make_serializer()
    at_limit = _bomb(MAX_VALUE_BYTES)
    assert len(serde.loads_typed(("msgpack_z", at_limit))) == MAX_VALUE_BYTES - 5
    with pytest.raises(StorageError, match="64 MiB"):
        serde.loads_typed(("msgpack_z", _bomb(MAX_VALUE_BYTES + 1)))


def test_large_real_values_still_round_trip(saver: SQLSaver) -> None:
    """A long conversation compresses and comes back whole through the bounded path."""
    messages = [HumanMessage(content=f"message {i} " + "x" * 40_000) for i in range(100)]
    stored = put_values(saver, "long", {"messages": messages})
    loaded = saver.get_tuple(stored)
    assert loaded is not None and loaded.checkpoint["channel_values"]["messages"] == messages


def test_a_corrupt_compressed_row_is_a_clear_error(saver: SQLSaver) -> None:
    stored = put_values(saver, "forged", {"v": [1, 2]})
    _store_blob(saver, stored, "msgpack_z", b"\x78\x9c not zlib at all")
    with pytest.raises(StorageError, match="corrupt"):
        saver.get_tuple(stored)


# --- Zstandard frames (values written since the hot-path work of issue 12) --------------------


def _zstd_frame(expanded: int, *, state_size: bool = True) -> bytes:
    """A ``msgpack_zs`` payload inflating to ``expanded`` bytes (a bin header, then zeros)."""
    packer = zstandard.ZstdCompressor(level=19, write_content_size=state_size)
    if expanded < 1 << 24:
        header = b"\xc6" + (expanded - 5).to_bytes(4, "big")
        return packer.compress(header + bytes(expanded - len(header)))
    writer = packer.compressobj(size=expanded if state_size else -1)
    return b"".join(_bin_header_then_zeros(writer.compress, expanded)) + writer.flush()


def test_new_values_are_zstandard_and_old_zlib_values_still_load() -> None:
    serde = make_serializer()
    value = [HumanMessage(content="a message long enough to be compressed", id="m1")] * 3
    type_, payload = serde.dumps_typed(value)
    assert type_ == "msgpack_zs" and serde.loads_typed((type_, payload)) == value
    packer = zlib.compressobj(6, zdict=serializer._ZDICT)
    raw = JsonPlusSerializer().dumps_typed(value)[1]  # the format's own msgpack, uncompressed
    assert serde.loads_typed(("msgpack_z", packer.compress(raw) + packer.flush())) == value


def test_a_zstandard_frame_stating_more_than_the_limit_is_refused_before_inflating() -> None:
    bomb = _zstd_frame(2 * MAX_VALUE_BYTES)
    assert len(bomb) < 1_000_000
    with pytest.raises(StorageError, match=r"expands past the 64 MiB limit"):
        make_serializer().loads_typed(("msgpack_zs", bomb))


def test_a_zstandard_frame_that_states_no_size_or_lies_about_it_is_corrupt() -> None:
    serde = make_serializer()
    with pytest.raises(StorageError, match="states no size"):
        serde.loads_typed(("msgpack_zs", _zstd_frame(1000, state_size=False)))
    honest = _zstd_frame(1000)
    descriptor = honest[4]
    assert descriptor >> 6 == 1 and descriptor & 0x20  # one segment, a 2-byte size (+256)
    liar = honest[:5] + (0).to_bytes(2, "little") + honest[7:]  # says 256 bytes, holds 1000
    with pytest.raises(StorageError, match="corrupt"):
        serde.loads_typed(("msgpack_zs", liar))
    with pytest.raises(StorageError, match="corrupt"):
        serde.loads_typed(("msgpack_zs", b"\x28\xb5\x2f\xfd not zstd at all"))


def test_short_lived_threads_reuse_the_pooled_codecs_and_threads_never_share_one() -> None:
    """LangGraph writes from executor threads that live for one invoke: a compressor per thread
    was built (dictionary digested) several times per invoke. The pool keeps at most as many
    as run at once, and concurrent threads still get back exactly what they stored."""
    serde = make_serializer()
    before = len(serializer._compressors._idle), len(serializer._decompressors._idle)
    for n in range(40):  # one new thread per value, as LangGraph's executors do
        thread = threading.Thread(
            target=lambda n=n: serde.loads_typed(serde.dumps_typed([f"value {n} " * 20]))
        )
        thread.start()
        thread.join()
    assert (len(serializer._compressors._idle), len(serializer._decompressors._idle)) == before

    def round_trip(n: int) -> bool:
        value = [HumanMessage(content=f"message {n} " * (20 + n % 7), id=f"m{n}")]
        return all(serde.loads_typed(serde.dumps_typed(value)) == value for _ in range(50))

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(round_trip, range(64)))
    assert len(serializer._compressors._idle) <= before[0] + 8
