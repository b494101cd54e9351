"""setup(): creates the schema, records its version, and is safe to repeat or race."""

from __future__ import annotations

import multiprocessing

import pytest
import sqlalchemy as sa

from storage import SQLSaver
from storage.migrations import MIGRATIONS
from storage.schema import PREFIX, migrations
from tests.storage.workers import run_setup

TABLES = {
    f"{PREFIX}{name}" for name in ("checkpoints", "blobs", "writes", "migrations", "thread_locks")
}


def _versions(saver: SQLSaver) -> list[int]:
    with saver.engine.connect() as conn:
        return list(conn.execute(sa.select(migrations.c.v).order_by(migrations.c.v)).scalars())


def test_setup_is_idempotent(db_url: str) -> None:
    with SQLSaver.from_url(db_url) as saver:
        assert saver.schema_version() == 0
        saver.setup()
        saver.setup()
        assert saver.schema_version() == len(MIGRATIONS)
        assert _versions(saver) == list(range(1, len(MIGRATIONS) + 1))
        assert set(sa.inspect(saver.engine).get_table_names()) >= TABLES


async def test_asetup(db_url: str) -> None:
    async with SQLSaver.from_url(db_url) as saver:
        await saver.asetup()
        await saver.asetup()
        assert _versions(saver) == list(range(1, len(MIGRATIONS) + 1))


@pytest.mark.timeout(120)
def test_concurrent_setup_from_processes(db_url: str) -> None:
    """Two processes call setup() at the same instant on an empty database: both succeed,
    and each migration is recorded exactly once."""
    spawn = multiprocessing.get_context("spawn")
    start, results = spawn.Barrier(2), spawn.Queue()
    processes = [spawn.Process(target=run_setup, args=(db_url, start, results)) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(90)
    assert [p.exitcode for p in processes] == [0] * 2
    assert sorted(results.get(timeout=5) for _ in processes) == [len(MIGRATIONS)] * 2
    with SQLSaver.from_url(db_url) as saver:
        assert _versions(saver) == list(range(1, len(MIGRATIONS) + 1))


async def test_use_before_setup_says_what_to_do(db_url: str) -> None:
    """Not a raw "no such table" from the driver: an error that names the fix."""
    from langgraph.checkpoint.conformance.test_utils import generate_config

    from storage import SchemaMissingError

    async with SQLSaver.from_url(db_url) as saver:
        with pytest.raises(SchemaMissingError, match=r"setup\(\)"):
            saver.get_tuple(generate_config("t"))
        with pytest.raises(SchemaMissingError, match=r"setup\(\)"):
            await saver.aget_tuple(generate_config("t"))
