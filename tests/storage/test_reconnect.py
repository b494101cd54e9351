"""Server connections that die under the saver: dropped between calls, or killed mid-plan.

A restart, a failover or a killed backend closes every pooled connection. The next call must
get a live one (a ping before reuse, or one retry of a plan that committed nothing), and a plan
that had already committed part of its work must not be run again behind the caller's back.
The connections are killed the way an operator would: ``pg_terminate_backend`` on PostgreSQL,
``KILL`` on MariaDB, only those of the test's own database (the shared server keeps running).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from langgraph.checkpoint.conformance.test_utils import (
    generate_checkpoint,
    generate_config,
    generate_metadata,
)

from storage import SQLSaver, engines
from storage.runner import Plan, arun, run
from tests.databases import MARIADB_ADMIN_URL, POSTGRES_ADMIN_URL

SERVERS = ["postgres_db", "mariadb_db"]


def _drop_connections(url: str) -> int:
    """Kill every server connection to ``url``'s database (other databases untouched)."""
    name = sa.make_url(url).database
    postgres = url.startswith("postgresql")
    admin = sa.create_engine(
        POSTGRES_ADMIN_URL if postgres else MARIADB_ADMIN_URL, isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            if postgres:
                return int(
                    conn.execute(
                        sa.text(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = :d AND pid <> pg_backend_pid()"
                        ),
                        {"d": name},
                    ).scalar_one()
                )
            ids = list(
                conn.execute(
                    sa.text("SELECT id FROM information_schema.processlist WHERE db = :d"),
                    {"d": name},
                ).scalars()
            )
            for pid in ids:
                conn.execute(sa.text(f"KILL {int(pid)}"))
            return len(ids)
    finally:
        admin.dispose()


@pytest.fixture(params=SERVERS)
def server_url(request: pytest.FixtureRequest) -> str:
    """A fresh database on PostgreSQL, then on MariaDB."""
    url: str = request.getfixturevalue(request.param)
    return url


@pytest.fixture
def server_saver(server_url: str) -> Iterator[SQLSaver]:
    """A set-up saver whose pool holds several connections (so several die at once)."""
    with SQLSaver.from_url(server_url, pool_size=4) as saver:
        saver.setup()
        yield saver


def _put(saver: SQLSaver, thread: str) -> dict[str, Any]:
    checkpoint = generate_checkpoint()
    return saver.put(generate_config(thread), checkpoint, generate_metadata(), {})


def _fill_pool(saver: SQLSaver, connections: int = 4) -> None:
    """Check out several connections at once, so the pool holds that many afterwards."""
    held = [saver.engine.connect() for _ in range(connections)]
    for conn in held:
        conn.exec_driver_sql("SELECT 1")
        conn.close()


def test_the_next_calls_succeed_after_every_connection_was_dropped(
    server_saver: SQLSaver, server_url: str
) -> None:
    """Dropped right after use (no time to look idle): the runner retries on a new connection,
    and the other pooled connections are checked before their next use."""
    first = _put(server_saver, "t")
    _fill_pool(server_saver)
    with server_saver.thread_lock("t", timeout=5):
        pass
    assert _drop_connections(server_url) >= 4
    for _ in range(4):  # each call would otherwise meet one more dead pooled connection
        latest = server_saver.get_tuple(generate_config("t"))
        assert latest is not None and latest.config == first
    second = _put(server_saver, "t")
    with server_saver.thread_lock("t", timeout=5):
        listed = [c.config["configurable"]["checkpoint_id"] for c in server_saver.list(None)]
    assert listed == [
        second["configurable"]["checkpoint_id"],
        first["configurable"]["checkpoint_id"],
    ]


def test_idle_connections_are_pinged_before_reuse(
    server_saver: SQLSaver, server_url: str, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    """A connection idle past ``PING_AFTER_IDLE_S`` is checked on checkout: the dead one is
    replaced by the pool before any statement runs on it."""
    _put(server_saver, "t")
    _fill_pool(server_saver)
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_S", 0.0)
    _drop_connections(server_url)
    with caplog.at_level(logging.INFO, logger="sqlalchemy.pool"):
        assert server_saver.get_tuple(generate_config("t")) is not None
    assert "Disconnection detected on checkout" in caplog.text


@pytest.mark.parametrize("ping_after_idle", [engines.PING_AFTER_IDLE_S, 0.0])
async def test_async_calls_recover_after_every_connection_was_dropped(
    server_saver: SQLSaver, server_url: str, monkeypatch: pytest.MonkeyPatch, ping_after_idle: float
) -> None:
    """Through the runner's retry (connections just used), then through the ping (idle)."""
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_S", ping_after_idle)
    first = await server_saver.aput(
        generate_config("a"), generate_checkpoint(), generate_metadata(), {}
    )
    async with server_saver.athread_lock("a", timeout=5):
        pass
    assert _drop_connections(server_url) >= 1
    latest = await server_saver.aget_tuple(generate_config("a"))
    assert latest is not None and latest.config == first
    async with server_saver.athread_lock("a", timeout=5):
        await server_saver.aput(
            generate_config("a"), generate_checkpoint(), generate_metadata(), {}
        )
    assert len([c async for c in server_saver.alist(generate_config("a"))]) == 2


def _suicide(url: str) -> sa.TextClause:
    """A statement that makes the server kill the very connection that sends it."""
    if url.startswith("postgresql"):
        return sa.text("SELECT pg_terminate_backend(pg_backend_pid())")
    return sa.text("KILL CONNECTION_ID()")


class _Plans:
    """Plans whose connection is killed at a chosen statement; counts how often each runs."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runs = 0

    def factory(self, kill_at: int, kill_times: int = 99) -> Any:
        def plan(dialect: str) -> Plan[int]:
            self.runs += 1
            for index in range(3):
                if index == kill_at and self.runs <= kill_times:
                    yield _suicide(self.url)
                else:
                    yield sa.text("SELECT 1")
            return self.runs

        return plan


@pytest.mark.parametrize(
    ("write", "atomic", "kill_at", "retried"),
    [
        (False, False, 1, True),  # a read: always safe to run again
        (True, False, 0, True),  # autocommit write, nothing completed yet
        (True, False, 1, False),  # autocommit write, one statement committed: never again
        (True, True, 2, True),  # a transaction that never reached COMMIT
    ],
)
def test_a_plan_killed_mid_use_is_retried_once_only_if_nothing_was_committed(
    server_saver: SQLSaver, write: bool, atomic: bool, kill_at: int, retried: bool
) -> None:
    url = server_saver.engine.url.render_as_string(hide_password=False)
    plans = _Plans(url)
    if retried:  # killed on the first run only: the second run completes
        assert run(server_saver.engine, plans.factory(kill_at, 1), write=write, atomic_=atomic)
        assert plans.runs == 2
    else:
        with pytest.raises(sa.exc.DBAPIError) as caught:
            run(server_saver.engine, plans.factory(kill_at, 1), write=write, atomic_=atomic)
        assert caught.value.connection_invalidated and plans.runs == 1
    # killed every time: retried at most once, then the error reaches the caller
    again = _Plans(url)
    with pytest.raises(sa.exc.DBAPIError):
        run(server_saver.engine, again.factory(kill_at), write=write, atomic_=atomic)
    assert again.runs == (2 if retried else 1)


def test_a_lock_whose_connection_died_is_released_without_error(
    server_saver: SQLSaver, server_url: str, caplog: Any
) -> None:
    """The server drops a session lock with its connection; giving it back after that must
    not fail the turn it guarded (finding 12), and the thread is free at once."""
    logs = caplog.at_level(logging.WARNING, logger="storage.thread_lock")
    with logs, server_saver.thread_lock("held", timeout=5):
        _put(server_saver, "held")
        assert _drop_connections(server_url) >= 1
    assert "could not release the turn lock of thread 'held'" in caplog.text
    started = time.monotonic()
    with server_saver.thread_lock("held", timeout=5):
        assert time.monotonic() - started < 2
    assert server_saver.get_tuple(generate_config("held")) is not None


def test_a_body_error_is_kept_when_the_lock_connection_died(
    server_saver: SQLSaver, server_url: str
) -> None:
    with pytest.raises(ValueError, match="the turn failed"), server_saver.thread_lock("b", 5):
        _drop_connections(server_url)
        raise ValueError("the turn failed")


def test_sqlite_has_no_ping(sqlite_db: str) -> None:
    """SQLite has no server to lose: its pool gets no checkout ping (hot paths stay lean)."""
    with SQLSaver.from_url(sqlite_db) as saver:
        assert not getattr(saver.engine.pool, "_trainchat_ping", False)


def test_async_engines_get_the_ping(server_saver: SQLSaver) -> None:
    async def engine_pool() -> Any:
        return (await server_saver.async_engines.current()).sync_engine.pool

    assert getattr(asyncio.run(engine_pool()), "_trainchat_ping", False)
    assert getattr(server_saver.engine.pool, "_trainchat_ping", False)
    assert server_saver.lock_engine.pool._pre_ping


@pytest.mark.parametrize(("write", "atomic", "kill_at"), [(False, False, 1), (True, True, 2)])
async def test_an_async_plan_killed_mid_use_is_retried_once(
    server_saver: SQLSaver, write: bool, atomic: bool, kill_at: int
) -> None:
    url = server_saver.engine.url.render_as_string(hide_password=False)
    engine = await server_saver.async_engines.current()
    plans = _Plans(url)
    assert await arun(engine, plans.factory(kill_at, 1), write=write, atomic_=atomic)
    assert plans.runs == 2
    again = _Plans(url)
    with pytest.raises(sa.exc.DBAPIError):
        await arun(engine, again.factory(kill_at), write=write, atomic_=atomic)
    assert again.runs == 2
