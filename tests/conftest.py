"""Shared fixtures: ``db_url`` runs a test once per database (SQLite, PostgreSQL, MariaDB)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.databases import BACKENDS, server_database, sqlite_url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A SQLAlchemy URL of an empty database, once for each backend."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with server_database(request.param) as url:
            yield url


@pytest.fixture
def sqlite_db(tmp_path) -> str:  # type: ignore[no-untyped-def]
    """A SQLite file URL in the test's temporary folder."""
    return sqlite_url(tmp_path)


@pytest.fixture
def postgres_db() -> Iterator[str]:
    """An empty PostgreSQL database of the test's own."""
    with server_database("postgres") as url:
        yield url


@pytest.fixture
def mariadb_db() -> Iterator[str]:
    """An empty MariaDB database of the test's own."""
    with server_database("mariadb") as url:
        yield url
