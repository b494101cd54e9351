"""Persistence for trainchat: a LangGraph checkpointer on SQLAlchemy (SQLite, PostgreSQL, MariaDB).

``SQLSaver`` stores every state of every conversation as its own never-modified snapshot;
``thread_lock`` makes concurrent turns of one conversation run one after the other.
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
    "async_url",
    "make_serializer",
]
