"""Open each checkpointer under test on a database of its own, and measure what it stores.

Every saver gets a fresh database (a new SQLite file, or a new PostgreSQL database from
``tests.databases.server_database``) so no saver pays for, or profits from, another's rows. The
peers are opened the way their documentation shows; ``SQLSaver`` through ``from_url``. Sizes are
read from the database's own accounting (SQLite ``dbstat``, PostgreSQL
``pg_total_relation_size``) over every table and index the saver created, so nothing depends on
knowing a saver's schema.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from tests.databases import server_database

__all__ = [
    "IN_MEMORY",
    "OpenSaver",
    "SQLSAVER",
    "PEER_OF",
    "in_memory_reference",
    "open_saver",
    "open_savers",
    "libpq_conninfo",
    "sqlsaver_class",
    "sqlsaver_missing_reason",
    "sqlite_synchronous",
]

SQLSAVER = "SQLSaver"
IN_MEMORY = "InMemorySaver"
"""LangGraph's in-memory saver: no database, the floor any persisting saver is measured above."""
PEER_OF = {"sqlite": "SqliteSaver", "postgres": "PostgresSaver"}
"""The LangGraph saver SQLSaver is compared with on each database."""

# The connection settings PostgresSaver's docs require when you bring your own connection/pool.
PG_CONNECTION_KWARGS: dict[str, Any] = {
    "autocommit": True,
    "prepare_threshold": 0,
    "row_factory": dict_row,
}


def sqlsaver_class() -> Any:
    """``storage.SQLSaver``, or None while it is not written yet (the harness then skips it)."""
    try:
        from storage import SQLSaver
    except ImportError:
        return None
    return SQLSaver


def sqlsaver_missing_reason() -> str | None:
    """Why SQLSaver cannot be benchmarked, or None when it can."""
    try:
        from storage import SQLSaver  # noqa: F401
    except ImportError as error:
        return f"storage.SQLSaver is not importable ({error})"
    return None


@dataclass
class OpenSaver:
    """A saver, set up on its own empty database, with what the benchmarks need to know of it."""

    label: str
    """Which implementation: "SQLSaver", "SqliteSaver", "PostgresSaver"."""
    backend: str
    """"sqlite" or "postgres"."""
    saver: BaseCheckpointSaver[Any]
    """The checkpointer, already set up."""
    url: str
    """SQLAlchemy URL of its database, for workers that open their own saver."""
    stored_bytes: Callable[[], int]
    """Bytes the database holds now in the saver's tables and indexes."""
    baseline_bytes: int = 0
    """``stored_bytes()`` right after setup, before any checkpoint: subtracted from every size."""

    def bytes_used(self) -> int:
        """Bytes added by what the benchmark stored (now minus the empty schema)."""
        return self.stored_bytes() - self.baseline_bytes

    def analyze(self) -> None:
        """Refresh the planner's statistics, as autovacuum does on a live PostgreSQL server.

        A table created a minute ago has none; PostgreSQL then guesses one row per thread and
        may pick plans that scan the thread once per step of a recursive query. Reads are
        timed after this, for every saver alike, so they show the steady state.
        """
        if self.backend == "postgres":
            with psycopg.connect(libpq_conninfo(self.url), autocommit=True) as conn:
                conn.execute("ANALYZE")
        else:
            with sqlite3.connect(str(sa.make_url(self.url).database)) as conn:
                conn.execute("ANALYZE")


def libpq_conninfo(url: str) -> str:
    """The libpq connection string psycopg wants, from a ``postgresql+psycopg://`` URL."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_bytes(path: Path) -> Callable[[], int]:
    def measure() -> int:
        with sqlite3.connect(path) as conn:
            row = conn.execute(
                "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name NOT LIKE 'sqlite_%'"
            ).fetchone()
        return int(row[0])

    return measure


_PG_SIZE_SQL = """
SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind = 'r'
"""


def _postgres_bytes(conninfo: str) -> Callable[[], int]:
    def measure() -> int:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            row = conn.execute(_PG_SIZE_SQL).fetchone()
        return int(row[0]) if row else 0

    return measure


@contextmanager
def _database(backend: str, workdir: Path, label: str) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{workdir / f'{label.lower()}-{uuid.uuid4().hex[:8]}.db'}"
    else:
        with server_database("postgres") as url:
            yield url


@contextmanager
def _open_peer(backend: str, url: str, pool_size: int) -> Iterator[BaseCheckpointSaver[Any]]:
    if backend == "sqlite":
        path = sa.make_url(url).database
        # The lock inside SqliteSaver makes one connection safe across threads (its docs).
        conn = sqlite3.connect(str(path), check_same_thread=False)
        try:
            yield SqliteSaver(conn)
        finally:
            conn.close()
    elif pool_size > 1:
        # PostgresSaver's documented concurrent set-up: one saver over a ConnectionPool.
        with ConnectionPool(
            libpq_conninfo(url),
            min_size=pool_size,
            max_size=pool_size,
            kwargs=PG_CONNECTION_KWARGS,
            open=True,
        ) as pool:
            yield PostgresSaver(pool)  # type: ignore[arg-type]  # rows are dicts (kwargs)
    else:
        with PostgresSaver.from_conn_string(libpq_conninfo(url)) as saver:
            yield saver


@contextmanager
def _open_sqlsaver(url: str, pool_size: int) -> Iterator[BaseCheckpointSaver[Any]]:
    cls = sqlsaver_class()
    kwargs: dict[str, Any] = {"pool_size": pool_size} if pool_size > 1 else {}
    saver = cls.from_url(url, **kwargs)
    try:
        yield saver
    finally:
        saver.close()


@contextmanager
def open_saver(
    label: str, backend: str, workdir: Path, *, pool_size: int = 1
) -> Iterator[OpenSaver]:
    """Open ``label`` ("SQLSaver" or the backend's peer) on a fresh database, set up, measured.

    ``pool_size`` > 1 opens the saver for concurrent use: SQLSaver with ``pool_size``, and
    PostgresSaver over a ``psycopg_pool.ConnectionPool`` of that size.
    """
    with _database(backend, workdir, label) as url:
        if label == SQLSAVER:
            opener = _open_sqlsaver(url, pool_size)
        else:
            opener = _open_peer(backend, url, pool_size)
        with opener as saver:
            saver.setup()  # type: ignore[attr-defined]
            if backend == "sqlite":
                measure = _sqlite_bytes(Path(str(sa.make_url(url).database)))
            else:
                measure = _postgres_bytes(libpq_conninfo(url))
            opened = OpenSaver(label, backend, saver, url, measure)
            opened.baseline_bytes = measure()
            yield opened


@contextmanager
def open_savers(backend: str, workdir: Path, *, pool_size: int = 1) -> Iterator[list[OpenSaver]]:
    """The peer of ``backend`` and (when importable) SQLSaver, each on its own fresh database.

    On SQLite the peer's connection is given SQLSaver's ``synchronous`` level, so both make the
    same durability promise and neither wins by skipping an fsync (see ``sqlite_synchronous``).
    """
    labels = [PEER_OF[backend]] + ([SQLSAVER] if sqlsaver_class() is not None else [])
    with ExitStack() as stack:
        opened = [
            stack.enter_context(open_saver(label, backend, workdir, pool_size=pool_size))
            for label in labels
        ]
        if backend == "sqlite" and len(opened) == 2:
            level = sqlite_synchronous(opened[1])
            opened[0].saver.conn.execute(f"PRAGMA synchronous = {level}")  # type: ignore[attr-defined]
        yield opened


def sqlite_synchronous(opened: OpenSaver) -> int:
    """The ``PRAGMA synchronous`` level (0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA) a saver writes with.

    SqliteSaver keeps SQLite's default (FULL: an fsync per commit); SQLSaver may choose
    otherwise. Read from a connection of the saver's own engine (its settings are per connection).
    """
    if opened.label == SQLSAVER:
        with opened.saver.engine.connect() as conn:  # type: ignore[attr-defined]
            return int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())
    return int(opened.saver.conn.execute("PRAGMA synchronous").fetchone()[0])  # type: ignore[attr-defined]


def in_memory_reference(backend: str) -> OpenSaver:
    """``InMemorySaver`` run beside the savers of ``backend``'s pass, as the floor of (a).

    It keeps every checkpoint in a dict (serialized, as LangGraph's savers do, but never
    written anywhere), so its time per invoke is the graph engine plus LangGraph's own
    checkpointing work: what is left for a database saver to win back from its peer is the
    gap between the peer and this row.
    """
    return OpenSaver(IN_MEMORY, backend, InMemorySaver(), url="", stored_bytes=lambda: 0)
