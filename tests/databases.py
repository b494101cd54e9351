"""Real databases for the tests: SQLite files, and throwaway PostgreSQL / MariaDB databases.

Every test that asks for a server database gets a database of its own (created here, dropped
afterwards), so tests never see each other's rows and can run side by side. In CI (`CI=true`)
a server that cannot be reached fails the test; elsewhere it skips with a one-line reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

__all__ = [
    "BACKENDS",
    "POSTGRES_SOCKET_ADMIN_URL",
    "server_database",
    "sqlite_url",
    "require_service",
]

POSTGRES_ADMIN_URL = os.environ.get(
    "TRAINCHAT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
POSTGRES_SOCKET_ADMIN_URL = os.environ.get(
    "TRAINCHAT_TEST_POSTGRES_SOCKET", "postgresql+psycopg://postgres@/test?host=/var/run/postgresql"
)
"""The same server through its unix socket: reachable from a network namespace (the Ray
scenarios), which hides the host's loopback but not its file system."""
MARIADB_ADMIN_URL = os.environ.get(
    "TRAINCHAT_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test"
)
BACKENDS = ("sqlite", "postgres", "mariadb")


def require_service(name: str, error: Exception) -> None:
    """Fail in CI, skip elsewhere: a missing database must never pass silently in CI."""
    reason = f"{name} is not reachable ({type(error).__name__}: {str(error).splitlines()[0]})"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}; CI needs it running", pytrace=False)
    pytest.skip(reason)


def sqlite_url(directory: os.PathLike[str] | str, name: str = "trainchat.db") -> str:
    """A SQLite file URL inside ``directory``."""
    return f"sqlite:///{os.path.join(os.fspath(directory), name)}"


@contextmanager
def server_database(backend: str, *, admin_url: str | None = None) -> Iterator[str]:
    """Create a fresh database on the PostgreSQL or MariaDB server; yield its URL; drop it.

    ``admin_url`` reaches the server another way (``POSTGRES_SOCKET_ADMIN_URL``); the URL
    yielded reaches the new database the same way."""
    if admin_url is None:
        admin_url = POSTGRES_ADMIN_URL if backend == "postgres" else MARIADB_ADMIN_URL
    name = f"tc_{uuid.uuid4().hex[:12]}"
    try:
        admin = sa.create_engine(
            admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except Exception as error:  # noqa: BLE001 - any connection failure means "service missing"
        require_service(backend, error)
        raise  # unreachable: require_service always raises
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            if backend == "postgres":
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()
