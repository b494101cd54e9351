"""Turning failures into one clear line and an exit code — never a traceback.

A person at a terminal (or a script) needs to know what was wrong and what to do, not where in
our code it happened. Every command runs inside ``friendly_errors``; it maps the exceptions a
user can cause or fix (a malformed URL, an unreachable database, a busy thread, a missing
driver) to a ``CliError`` with a distinct exit code, so scripts can tell the cases apart.
Set ``TRAINCHAT_DEBUG=1`` to see the full traceback of an unexpected error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = [
    "EXIT_FAILURE",
    "EXIT_USAGE",
    "EXIT_NOT_FOUND",
    "EXIT_DATABASE",
    "EXIT_BUSY",
    "CliError",
    "friendly_errors",
    "describe",
]

EXIT_FAILURE = 1
"""Something went wrong that is none of the cases below."""
EXIT_USAGE = 2
"""Bad input: an empty message, a malformed database URL, an unknown option value, a thread id
or message the agent refuses."""
EXIT_NOT_FOUND = 3
"""The thread (conversation) named with ``--thread`` does not exist in the database."""
EXIT_DATABASE = 4
"""The database could not be reached or used."""
EXIT_BUSY = 5
"""Another process held the conversation's turn lock for longer than we wait."""


class CliError(Exception):
    """A failure the user can act on: printed as ``trainchat: <message>``, exit ``code``."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.message = message
        """The one line shown on stderr."""
        self.code = code
        """The process exit code."""


def describe(error: BaseException) -> CliError:
    """The ``CliError`` a user should see for ``error`` (lazy imports: only on failure)."""
    if isinstance(error, CliError):
        return error
    first_line = _first_line(error)
    module = type(error).__module__
    if module.startswith("sqlalchemy"):
        return _describe_sqlalchemy(error, first_line)
    if module.startswith("storage"):
        name = type(error).__name__
        if name == "ThreadBusyError":
            return CliError(first_line, EXIT_BUSY)
        return CliError(f"storage: {first_line}", EXIT_DATABASE)
    if type(error).__name__ == "GeminiKeyMissing":
        return CliError(
            f"{first_line} (on the command line: --llm offline or --llm auto)", EXIT_USAGE
        )
    if isinstance(error, ModuleNotFoundError) and error.name:
        return CliError(_missing_driver(error.name), EXIT_USAGE)
    if isinstance(error, PermissionError | IsADirectoryError | FileNotFoundError):
        return CliError(f"cannot use {error.filename!r}: {error.strerror}", EXIT_DATABASE)
    if isinstance(error, ValueError):
        # The agent refuses bad input (a thread id outside its rule, an oversized message)
        # with a ValueError whose message already says what is wrong and what is allowed.
        return CliError(first_line, EXIT_USAGE)
    if isinstance(error, TimeoutError):
        return CliError(first_line, EXIT_BUSY)  # a turn lock held by another turn too long
    if isinstance(error, ConnectionError):
        return CliError(f"database unreachable: {first_line}", EXIT_DATABASE)
    return CliError(f"unexpected error ({type(error).__name__}): {first_line}", EXIT_FAILURE)


def _describe_sqlalchemy(error: BaseException, first_line: str) -> CliError:
    from sqlalchemy import exc

    if isinstance(error, exc.NoSuchModuleError):
        return CliError(
            f"malformed database URL: unknown database kind ({first_line}); "
            "use e.g. sqlite:///trainchat.db or postgresql+psycopg://user@host/db",
            EXIT_USAGE,
        )
    if isinstance(error, exc.ArgumentError):
        return CliError(
            f"malformed database URL ({first_line}); "
            "use e.g. sqlite:///trainchat.db or postgresql+psycopg://user@host/db",
            EXIT_USAGE,
        )
    if isinstance(error, exc.DBAPIError):
        original = _first_line(error.orig) if error.orig is not None else first_line
        return CliError(f"database unreachable or unusable: {original}", EXIT_DATABASE)
    return CliError(f"database error: {first_line}", EXIT_DATABASE)


def _missing_driver(module: str) -> str:
    extras = {"psycopg": "postgres", "psycopg2": "postgres", "pymysql": "mysql"}
    extra = extras.get(module.split(".")[0])
    if extra:
        return f"the database driver {module!r} is not installed: pip install 'trainchat[{extra}]'"
    return f"a required module is not installed: {module!r}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    # SQLAlchemy appends "(Background on this error at: ...)" — noise for a user.
    return line.split(" (Background on this error")[0].strip()


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Run a command body; convert any failure into a ``CliError`` (unless debugging)."""
    try:
        yield
    except CliError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:
        if os.environ.get("TRAINCHAT_DEBUG"):
            raise
        raise describe(error) from error
