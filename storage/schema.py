"""The tables, as SQLAlchemy Core objects shared by every dialect.

Rows here are written once and never updated: a checkpoint is one row; a channel value is one
blob row per (thread, namespace, channel, version), shared by every checkpoint that still holds
that version; each ``put_writes`` call is appended as a new row with a higher ``seq`` (readers
replay a task's calls in order). Deletes happen only in ``delete_thread``/``prune``-style
maintenance.

Key columns are exact byte strings on every database: ``COLLATE "C"`` on PostgreSQL, and
``VARBINARY`` on MySQL/MariaDB, whose default collations are case-, accent- and
trailing-space-insensitive and would merge the threads ``"a"``, ``"A"`` and ``"a "``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect

__all__ = [
    "CHANNEL_LENGTH",
    "ID_LENGTH",
    "KEY_LENGTH",
    "KeyString",
    "PREFIX",
    "blobs",
    "checkpoints",
    "metadata_obj",
    "migrations",
    "thread_locks",
    "writes",
]

PREFIX = "trainchat_"
"""Prefix of every table name, so the saver can share a database with other software."""

KEY_LENGTH = 255
"""Longest thread id / namespace, in bytes on MySQL (its index keys are limited to 3072 bytes)."""

CHANNEL_LENGTH = 150
"""Longest channel name stored as a blob key (keeps the blobs key under MySQL's limit)."""

ID_LENGTH = 64
"""Longest checkpoint id or channel version (LangGraph's are 36 and 49 characters)."""


class KeyString(sa.types.TypeDecorator[str]):
    """A short identifier compared byte for byte on every database."""

    impl = sa.String
    cache_ok = True

    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        """VARBINARY on MySQL/MariaDB, ``COLLATE "C"`` text on PostgreSQL, text on SQLite."""
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.VARBINARY(self.length))
        if dialect.name == "postgresql":
            return dialect.type_descriptor(sa.String(self.length, collation="C"))
        return dialect.type_descriptor(sa.String(self.length))

    def bind_processor(self, dialect: Dialect) -> Any:
        """None (no per-value call) except on MySQL/MariaDB, where ``str`` becomes bytes."""
        if dialect.name in ("mysql", "mariadb"):
            return super().bind_processor(dialect)
        return None

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """None except on MySQL/MariaDB, whose VARBINARY comes back as bytes."""
        if dialect.name in ("mysql", "mariadb"):
            return super().result_processor(dialect, coltype)
        return None

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        """UTF-8 bytes for MySQL's VARBINARY."""
        if value is not None and dialect.name in ("mysql", "mariadb"):
            return value.encode("utf-8")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        """Back to ``str`` from MySQL's bytes."""
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value).decode("utf-8")
        return value  # type: ignore[no-any-return]


def _payload() -> sa.types.TypeEngine[bytes]:
    """Binary column big enough for any value (MySQL's BLOB stops at 64 KiB)."""
    return sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")


def _text() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


metadata_obj = sa.MetaData()
"""All of the saver's tables."""

migrations = sa.Table(
    f"{PREFIX}migrations",
    metadata_obj,
    sa.Column("v", sa.Integer, primary_key=True, autoincrement=False),
)
"""One row per applied migration; the highest ``v`` is the schema version."""

checkpoints = sa.Table(
    f"{PREFIX}checkpoints",
    metadata_obj,
    sa.Column("thread_id", KeyString(KEY_LENGTH), primary_key=True),
    sa.Column("checkpoint_ns", KeyString(KEY_LENGTH), primary_key=True),
    sa.Column("checkpoint_id", KeyString(ID_LENGTH), primary_key=True),
    sa.Column("parent_checkpoint_id", KeyString(ID_LENGTH), nullable=True),
    sa.Column("run_id", KeyString(KEY_LENGTH), nullable=True, index=True),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("checkpoint", _payload(), nullable=False),
    sa.Column("metadata", _text(), nullable=False),
)
"""One row per checkpoint: its id, parent, the serialized checkpoint with its primitive channel
values inline (the rest are in ``blobs``), and its metadata as ASCII JSON text (NUL-safe)."""

blobs = sa.Table(
    f"{PREFIX}blobs",
    metadata_obj,
    sa.Column("thread_id", KeyString(KEY_LENGTH), primary_key=True),
    sa.Column("checkpoint_ns", KeyString(KEY_LENGTH), primary_key=True),
    sa.Column("channel", KeyString(CHANNEL_LENGTH), primary_key=True),
    sa.Column("version", KeyString(ID_LENGTH), primary_key=True),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("blob", _payload(), nullable=False),
)
"""One row per non-primitive channel value version, shared by the checkpoints that hold it."""

writes = sa.Table(
    f"{PREFIX}writes",
    metadata_obj,
    sa.Column("thread_id", KeyString(KEY_LENGTH), primary_key=True),
    sa.Column("checkpoint_ns", KeyString(KEY_LENGTH), primary_key=True),
    sa.Column("checkpoint_id", KeyString(ID_LENGTH), primary_key=True),
    sa.Column("task_id", KeyString(KEY_LENGTH), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("task_path", _text(), nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("blob", _payload(), nullable=False),
)
"""Pending writes, one row per ``put_writes`` call: ``blob`` holds its ``[idx, channel, value]``
list, serialized (and compressed) once. A row per call instead of per write halves the table
and its index. ``seq`` orders a task's calls (schema 1 stored 0 for a first call, which still
sorts first); readers replay them with ``SqliteSaver``'s per-(task, idx) rule: a call made only
of special channels (``WRITES_IDX_MAP``: errors, interrupts...) replaces, any other call only
adds what is not yet there (``records.pending_writes``)."""

thread_locks = sa.Table(
    f"{PREFIX}thread_locks",
    metadata_obj,
    sa.Column("thread_id", KeyString(KEY_LENGTH), primary_key=True),
    sa.Column("holder", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)
"""Turn-lock leases, used only on SQLite (servers have session locks that die with the holder)."""
