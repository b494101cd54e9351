"""Persistence for trainchat: a LangGraph checkpointer on SQLAlchemy (SQLite, PostgreSQL, MariaDB).

``SQLSaver`` stores every state of every conversation as its own never-modified snapshot;
``SQLSaver.thread_lock`` makes concurrent turns of one conversation run one after the other.

Where things are: ``saver`` (the class: sync and async methods), ``queries`` / ``maintenance`` /
``delta_history`` / ``retention`` / ``threads`` (each operation written once, as a plan of SQL
statements; ``retention`` finds idle conversations, ``threads`` lists them), ``runner``
(drives a plan on a sync or async connection, retries transient conflicts), ``graph_types``
(the calling graph's schema types, which the serializer then allows), ``direct`` (the
hottest statements on the driver cursor), ``records`` (checkpoints <-> rows), ``schema`` and
``migrations`` (tables, versions, ``setup``), ``serializer`` (strict, compressed, encrypted),
``thread_lock`` (the turn lock), ``engines`` and ``urls`` (engines per database and loop),
``errors``.
"""

from storage.errors import (
    DisallowedTypeError,
    EncryptionKeyError,
    SchemaMissingError,
    StorageError,
    ThreadBusyError,
)
from storage.saver import SQLSaver
from storage.serializer import ENCRYPTION_KEY_ENV, StrictSerializer, make_serializer
from storage.threads import ThreadSummary
from storage.urls import async_url

__all__ = [
    "ENCRYPTION_KEY_ENV",
    "DisallowedTypeError",
    "EncryptionKeyError",
    "SQLSaver",
    "SchemaMissingError",
    "StorageError",
    "StrictSerializer",
    "ThreadBusyError",
    "ThreadSummary",
    "async_url",
    "make_serializer",
]
