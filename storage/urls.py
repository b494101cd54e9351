"""Which driver a database URL gets, for the sync engine and for the async one.

One saver answers both ``invoke`` and ``ainvoke``, so every URL needs a blocking driver and an
asyncio driver that speak to the same database.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["async_url", "is_memory_sqlite", "sync_url"]

# backend -> (sync driver, async driver). psycopg 3 is one package for both.
_DRIVERS = {
    "sqlite": ("pysqlite", "aiosqlite"),
    "postgresql": ("psycopg", "psycopg"),
    "mysql": ("pymysql", "asyncmy"),
    "mariadb": ("pymysql", "asyncmy"),
}
_ASYNC_DRIVERS = frozenset({"aiosqlite", "psycopg", "psycopg_async", "aiomysql", "asyncmy"})


def _parts(url: str | sa.URL) -> tuple[sa.URL, str, str]:
    parsed = sa.make_url(url)
    backend = parsed.get_backend_name()
    if backend not in _DRIVERS:
        raise ValueError(
            f"unsupported database {backend!r} in {parsed.render_as_string()}; "
            f"use one of: {', '.join(sorted(_DRIVERS))}"
        )
    return parsed, backend, parsed.get_driver_name()


def sync_url(url: str | sa.URL) -> sa.URL:
    """The URL with a blocking driver: ``postgresql://`` becomes ``postgresql+psycopg://``."""
    parsed, backend, driver = _parts(url)
    # PostgreSQL always gets psycopg 3: the async side needs it and one driver behaves alike.
    if backend == "postgresql" or "+" not in parsed.drivername or driver in _ASYNC_DRIVERS:
        driver = _DRIVERS[backend][0]
    return parsed.set(drivername=f"{backend}+{driver}")


def async_url(url: str | sa.URL) -> sa.URL:
    """The URL with an asyncio driver: ``sqlite:///f.db`` becomes ``sqlite+aiosqlite:///f.db``."""
    parsed, backend, driver = _parts(url)
    if driver not in _ASYNC_DRIVERS:
        driver = _DRIVERS[backend][1]
    return parsed.set(drivername=f"{backend}+{driver}")


def is_memory_sqlite(url: str | sa.URL) -> bool:
    """True for SQLite URLs that name no file: a sync and an async connection could not share them."""
    parsed = sa.make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
