"""The exceptions ``storage`` raises on purpose, each saying what went wrong and what to do."""

from __future__ import annotations

__all__ = [
    "DisallowedTypeError",
    "EncryptionKeyError",
    "SchemaMissingError",
    "StorageError",
    "ThreadBusyError",
]


class StorageError(Exception):
    """Base class of every error the storage package raises deliberately."""


class ThreadBusyError(StorageError, TimeoutError):
    """Another holder kept a conversation's turn lock longer than we were willing to wait.

    Raised instead of running the turn anyway: two turns applied to one conversation at once
    would fork it silently and hide one of them (langgraph issue 8796).
    """

    def __init__(self, thread_id: str, waited: float) -> None:
        self.thread_id = thread_id
        """The conversation whose lock could not be taken."""
        self.waited = waited
        """Seconds spent waiting before giving up."""
        super().__init__(
            f"thread {thread_id!r} is busy: another turn held its lock for the whole "
            f"{waited:.1f} s we waited; retry later or raise the timeout"
        )


class DisallowedTypeError(StorageError, TypeError):
    """A stored value names a Python type outside the serializer's allow-list.

    Raised before any code of that type runs, instead of handing back a plain dict that
    would silently lose the type (what ``JsonPlusSerializer`` does in strict mode).
    """

    def __init__(self, module: str, name: str, method: str | None = None) -> None:
        self.module = module
        """Module of the refused type."""
        self.name = name
        """Name of the refused type inside its module."""
        target = f"{module}.{name}" + (f".{method}" if method else "")
        super().__init__(
            f"refused to load a stored {target}: the type is neither in the serializer's "
            f"allow-list nor declared by the schema of a graph loading it; if you trust it, "
            f"add it with saver.with_allowlist([({module!r}, {name!r})])"
        )


class EncryptionKeyError(StorageError, ValueError):
    """Stored data could not be decrypted, or no key was given for encrypted data."""


class SchemaMissingError(StorageError, RuntimeError):
    """The saver's tables are not in this database yet: ``setup()`` was never run on it."""
