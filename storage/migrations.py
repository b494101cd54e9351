"""Schema versions: an ordered list of migrations, applied forward under a database lock.

Why not Alembic: the saver owns five tables that only ever gain things, and it must migrate
itself from ``setup()`` inside any application, on three databases, with two processes possibly
calling it at once. What makes that safe is not a migration tool but the lock around it:

* the list ``MIGRATIONS`` is append-only, and a migration's position is its version (as in
  LangGraph's Postgres saver); ``trainchat_migrations`` records each version applied;
* ``migrate`` takes a database-wide lock first — ``pg_advisory_xact_lock`` on PostgreSQL (the
  DDL and the version rows commit together, so a crash leaves the old version), ``GET_LOCK`` on
  MySQL/MariaDB (scoped by database name), and SQLite's write lock (``BEGIN IMMEDIATE``) —
  then reads the version and applies only what is missing. The second caller waits, sees the
  new version and does nothing;
* every migration is idempotent DDL (``checkfirst``), so MySQL — whose DDL commits on its
  own — recovers from a crash between a migration and its version row by re-running it.

Alembic would add an ``alembic_version`` table, a script directory and an environment to
configure, and it still leaves concurrent upgrades to the caller; so it is not a dependency (it
was declared once and never imported). Changing how pending writes are read needed no migration
either: the write replay (``records.pending_writes``) reads older rows as they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engines import WRITE
from storage.runner import atomic
from storage.schema import PREFIX, blobs, checkpoints, migrations, thread_locks, writes

__all__ = ["MIGRATIONS", "amigrate", "current_version", "migrate"]


def _create_tables(conn: sa.Connection) -> None:
    for table in (checkpoints, blobs, writes, thread_locks):
        table.create(conn, checkfirst=True)


MIGRATIONS: list[Callable[[sa.Connection], None]] = [
    _create_tables,
]
"""Append-only. ``MIGRATIONS[i]`` brings the schema from version ``i`` to ``i + 1``."""

_LOCK_KEY = int.from_bytes(
    hashlib.blake2b(f"{PREFIX}migrate".encode(), digest_size=8).digest(), "big", signed=True
)


def _read_version(conn: sa.Connection) -> int:
    if not sa.inspect(conn).has_table(migrations.name):
        return 0
    return int(
        conn.execute(sa.select(sa.func.coalesce(sa.func.max(migrations.c.v), 0))).scalar_one()
    )


def _apply(conn: sa.Connection) -> None:
    migrations.create(conn, checkfirst=True)
    version = _read_version(conn)
    for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
        migration(conn)
        conn.execute(sa.insert(migrations).values(v=number))


def _locked_migrate(conn: sa.Connection) -> None:
    dialect = conn.dialect.name
    if dialect in ("mysql", "mariadb"):
        database = conn.execute(sa.text("SELECT DATABASE()")).scalar_one()
        name = f"{PREFIX}migrate.{database}"[:64]
        got = conn.execute(sa.text("SELECT GET_LOCK(:n, 300)"), {"n": name}).scalar_one()
        if got != 1:
            raise TimeoutError(f"could not take the migration lock {name!r} within 300 s")
        try:
            _apply(conn)  # MySQL commits each DDL statement by itself anyway
        finally:
            conn.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": name})
        return
    with atomic(conn):
        if dialect == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        _apply(conn)


def migrate(engine: sa.Engine) -> None:
    """Bring the database to the newest version (see the module docstring for why it is safe)."""
    with engine.connect() as conn:
        _locked_migrate(conn.execution_options(**WRITE))


async def amigrate(engine: AsyncEngine) -> None:
    """``migrate`` through an asyncio engine."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(**WRITE)
        await conn.run_sync(_locked_migrate)


def current_version(engine: sa.Engine) -> int:
    """The highest migration version recorded (0 if ``setup`` never ran)."""
    with engine.connect() as conn:
        return _read_version(conn)
