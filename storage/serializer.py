"""How values become bytes: LangGraph's msgpack serializer, strict, compressed, optionally encrypted.

``JsonPlusSerializer`` in strict mode (``allowed_msgpack_modules=None``) refuses to construct a
type outside its allow-list but hands back the type's raw fields instead — a pydantic model
comes back as a dict and the graph carries on with the wrong type. It does report each refusal
through LangGraph's serde event hook, before importing anything of the type; ``StrictSerializer``
listens for those reports during its own decoding and raises ``DisallowedTypeError`` naming the
type, so a foreign type fails closed without any of its code running, at no extra decoding
cost. Pickle is never used, for writing or reading.

Payloads are compressed here, below any encryption (ciphertext does not compress), with a
preset dictionary of what every checkpoint and message repeats (key names, zero-padded
versions, LangChain message fields): a checkpoint is a few hundred bytes, too short for a
compressor to learn those by itself, and the dictionary cuts it by a quarter more. New values
are Zstandard frames (type tag ``msgpack_zs``): on the few-hundred-byte values of every
``put`` and ``put_writes`` zlib spent 4-10 µs per value setting up its dictionary, Zstandard
about 1 µs, for the same size (and a quarter of zlib's time to inflate). Values written
as zlib (``msgpack_z``, before) still load. Compressors are pooled (they are not
thread-safe); ``zstandard`` comes with LangSmith, which LangChain already requires.

Decompression is bounded (``MAX_VALUE_BYTES``): a crafted or corrupted row of under a megabyte
can expand to gigabytes, and one such row would take the process down when its thread loads.
A Zstandard frame states its size up front; a frame that states none, or more than the limit,
is refused before anything is allocated, and one that expands past what it stated fails.
"""

from __future__ import annotations

import contextvars
import os
import zlib
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

import ormsgpack
import zstandard
from langgraph.checkpoint.serde.base import CipherProtocol, SerializerProtocol
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
from langgraph.checkpoint.serde.event_hooks import SerdeEvent, register_serde_event_listener
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from storage.errors import DisallowedTypeError, EncryptionKeyError, StorageError
from storage.graph_types import LANGCHAIN_TYPES

__all__ = [
    "COMPRESS_THRESHOLD",
    "ENCRYPTION_KEY_ENV",
    "MAX_VALUE_BYTES",
    "StrictSerializer",
    "make_serializer",
]

ENCRYPTION_KEY_ENV = "TRAINCHAT_ENCRYPTION_KEY"
"""Environment variable holding the AES key (16, 24 or 32 bytes) for encryption at rest."""

COMPRESS_THRESHOLD = 64
"""Payloads at least this many bytes long are stored compressed (when that is smaller)."""

MAX_VALUE_BYTES = 64 * 1024 * 1024
"""Largest size a stored compressed value may expand to (64 MiB). A message is at most 50,000
characters and a whole conversation's state is far smaller than this; a value past it is a
decompression bomb or corruption, and loading it is refused."""

_COMPRESSED = "msgpack_z"
_ZSTD_COMPRESSED = "msgpack_zs"
_ZSTD_LEVEL = 3
_VERSION = "0" * 32 + ".1234567890123456"
# Never edit: stored values were compressed against exactly these bytes. A new dictionary
# needs a new type tag.
_ZDICT = ormsgpack.packb(
    (
        "langchain_core.messages.human",
        "HumanMessage",
        "langchain_core.messages.ai",
        "AIMessage",
        "langchain_core.messages.tool",
        "ToolMessage",
        "langchain_core.messages.system",
        "SystemMessage",
        {
            "content": "",
            "additional_kwargs": {},
            "response_metadata": {},
            "type": "human",
            "name": None,
            "id": None,
            "tool_calls": [],
            "invalid_tool_calls": [],
            "usage_metadata": None,
            "example": False,
        },
        "model_validate_json",
    )
) + ormsgpack.packb(
    {
        "v": 4,
        "ts": "2026-01-01T00:00:00.000000+00:00",
        "channel_values": {"messages": [], "__start__": {}},
        "channel_versions": {"__start__": _VERSION, "messages": _VERSION, "branch:to:": _VERSION},
        "versions_seen": {
            "__input__": {},
            "__start__": {"__start__": _VERSION},
            "branch:to:": {"branch:to:": _VERSION},
        },
        "updated_channels": ["messages"],
        "blob_channels": ["messages"],
        "pending_sends": [],
    }
)


def _digested_dictionary() -> zstandard.ZstdCompressionDict:
    """``_ZDICT`` digested for compression once per process (~60 µs): a digested dictionary is
    read-only, so every compressor shares it."""
    dictionary = zstandard.ZstdCompressionDict(_ZDICT, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    dictionary.precompute_compress(level=_ZSTD_LEVEL)
    return dictionary


_DICTIONARY = _digested_dictionary()


C = TypeVar("C")


class _Pool(Generic[C]):
    """Idle (de)compressors, each used by one call at a time (they are not thread-safe).

    Not one per thread: LangGraph writes from executor threads that live for one invoke, and a
    per-thread compressor was built anew (dictionary included) several times per invoke. A list
    used as a stack is enough: ``pop`` and ``append`` are atomic, so two threads never share one.
    """

    def __init__(self, make: Callable[[], C]) -> None:
        self._make = make
        # One made now, at import: the first also digests the shared dictionary's
        # decompression half, which is then never built by two threads at once.
        self._idle: list[C] = [make()]

    def take(self) -> C:
        """An idle codec, or a new one if all are in use; ``give`` it back when done."""
        try:
            return self._idle.pop()
        except IndexError:
            return self._make()

    def give(self, codec: C) -> None:
        """Return a codec ``take`` handed out."""
        self._idle.append(codec)


_compressors = _Pool(
    lambda: zstandard.ZstdCompressor(
        level=_ZSTD_LEVEL,
        dict_data=_DICTIONARY,
        write_checksum=False,
        write_content_size=True,
        write_dict_id=False,
    )
)
_decompressors = _Pool(lambda: zstandard.ZstdDecompressor(dict_data=_DICTIONARY))


def _compress(data: bytes) -> bytes:
    compressor = _compressors.take()
    try:
        return compressor.compress(data)
    finally:
        _compressors.give(compressor)


def _zstd_decompress(data: bytes, limit: int = MAX_VALUE_BYTES) -> bytes:
    """Inflate a Zstandard frame whose stated size is within ``limit`` (checked first)."""
    try:
        size = zstandard.frame_content_size(data)
    except zstandard.ZstdError as error:
        raise StorageError(f"a stored compressed value is corrupt ({error})") from None
    if size < 0:
        raise StorageError("a stored compressed value is corrupt (it states no size)")
    if size > limit:
        raise _too_large(limit)
    try:
        decompressor = _decompressors.take()
        try:
            out = decompressor.decompress(data)
        finally:
            _decompressors.give(decompressor)
    except zstandard.ZstdError as error:
        raise StorageError(f"a stored compressed value is corrupt ({error})") from None
    if len(out) != size:
        raise StorageError("a stored compressed value is corrupt (not the size it states)")
    return out


def _too_large(limit: int) -> StorageError:
    return StorageError(
        f"a stored value expands past the {limit // (1024 * 1024)} MiB limit "
        f"(MAX_VALUE_BYTES, {limit:,} bytes); refusing to load it: the row is corrupt or "
        f"crafted"
    )


def _decompress(data: bytes, limit: int = MAX_VALUE_BYTES) -> bytes:
    """Inflate zlib ``data`` (values written before Zstandard), refusing to produce more
    than ``limit`` bytes (never allocating them)."""
    unpacker = zlib.decompressobj(zdict=_ZDICT)
    try:
        out = unpacker.decompress(data, limit + 1)
        if not unpacker.unconsumed_tail:
            out += unpacker.flush()  # whatever zlib still buffers: all input was consumed
    except zlib.error as error:
        raise StorageError(f"a stored compressed value is corrupt ({error})") from None
    if len(out) > limit or unpacker.unconsumed_tail:
        raise _too_large(limit)
    return out


class StrictSerializer(JsonPlusSerializer):
    """``JsonPlusSerializer`` that fails closed on types outside its allow-list.

    Build it with ``make_serializer``; ``with_msgpack_allowlist`` (what
    ``SQLSaver.with_allowlist`` calls) returns a copy of this class with more types allowed.
    """

    compress_threshold: int = COMPRESS_THRESHOLD
    """Payload size from which compression is tried."""

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        """Serialize with msgpack (never pickle), compressing payloads of 64 bytes or more."""
        type_, data = super().dumps_typed(obj)
        if type_ == "msgpack" and len(data) >= self.compress_threshold:
            packed = _compress(data)
            if len(packed) < len(data):
                return _ZSTD_COMPRESSED, packed
        return type_, data

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        """Deserialize, refusing unknown type tags and types outside the allow-list."""
        type_, payload = data
        if type_ == _ZSTD_COMPRESSED:
            type_, payload = "msgpack", _zstd_decompress(payload)
        elif type_ == _COMPRESSED:
            type_, payload = "msgpack", _decompress(payload)
        if type_ == "msgpack":
            return self._load_msgpack(payload)
        if "+" in type_:
            raise EncryptionKeyError(
                f"a stored value is encrypted ({type_}) but this saver has no key; "
                f"set {ENCRYPTION_KEY_ENV} or pass encryption_key="
            )
        if type_ not in ("null", "bytes", "bytearray"):
            raise NotImplementedError(f"refusing to load a stored value of type {type_!r}")
        return super().loads_typed((type_, payload))

    def _load_msgpack(self, payload: bytes) -> Any:
        """Decode, collecting the refusals LangGraph reports through its serde event hook."""
        refused: list[DisallowedTypeError] = []
        token = _refusals.set(refused)
        try:
            value = super().loads_typed(("msgpack", payload))
        finally:
            _refusals.reset(token)
        if refused:
            raise refused[0]
        return value


_refusals: contextvars.ContextVar[list[DisallowedTypeError] | None] = contextvars.ContextVar(
    "trainchat_serde_refusals", default=None
)


def _on_serde_event(event: SerdeEvent) -> None:
    """LangGraph calls this (in the decoding thread) when strict mode blocks a type; its
    decoder has not imported or called anything of that type at that point."""
    refused = _refusals.get()
    if refused is not None and event["kind"] in ("msgpack_blocked", "msgpack_method_blocked"):
        refused.append(DisallowedTypeError(event["module"], event["name"], event.get("method")))


register_serde_event_listener(_on_serde_event)


class _ExplainingCipher(CipherProtocol):
    """Wraps a cipher so that a wrong key says so, instead of "MAC check failed"."""

    def __init__(self, inner: CipherProtocol) -> None:
        self.inner = inner

    def encrypt(self, plaintext: bytes) -> tuple[str, bytes]:
        """Encrypt with the wrapped cipher."""
        return self.inner.encrypt(plaintext)

    def decrypt(self, ciphername: str, ciphertext: bytes) -> bytes:
        """Decrypt, turning an authentication failure into ``EncryptionKeyError``."""
        try:
            return self.inner.decrypt(ciphername, ciphertext)
        except (ValueError, AssertionError) as error:
            raise EncryptionKeyError(
                f"could not decrypt a stored value ({ciphername}): the encryption key is not "
                f"the one it was written with ({error})"
            ) from None


def make_serializer(
    allowlist: Iterable[tuple[str, ...] | type] = (),
    *,
    encryption_key: str | bytes | None = None,
) -> SerializerProtocol:
    """The serializer ``SQLSaver`` uses unless given another.

    ``allowlist`` adds types (classes or ``(module, name)`` pairs) to LangGraph's built-in safe
    list and LangChain's agent types. (A graph's own schema types need no listing: ``SQLSaver``
    adopts them when that graph loads, see ``graph_types``.) The AES key comes from ``encryption_key`` or, if that is None, from the
    ``TRAINCHAT_ENCRYPTION_KEY`` environment variable; with neither, values are not encrypted.
    """
    strict: JsonPlusSerializer = StrictSerializer(
        pickle_fallback=False, allowed_msgpack_modules=None
    ).with_msgpack_allowlist(LANGCHAIN_TYPES + tuple(allowlist))
    key = encryption_key if encryption_key is not None else os.environ.get(ENCRYPTION_KEY_ENV)
    if not key:
        return strict
    key_bytes = key.encode() if isinstance(key, str) else key
    if len(key_bytes) not in (16, 24, 32):
        raise EncryptionKeyError(
            f"the encryption key must be 16, 24 or 32 bytes long, not {len(key_bytes)} "
            f"(check {ENCRYPTION_KEY_ENV})"
        )
    encrypted = EncryptedSerializer.from_pycryptodome_aes(strict, key=key_bytes)
    encrypted.cipher = _ExplainingCipher(encrypted.cipher)
    return encrypted
