"""Building a saver: from a URL or from engines; the async engine derived from the URL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from langgraph.checkpoint.conformance.test_utils import (
    generate_checkpoint,
    generate_config,
    generate_metadata,
)
from sqlalchemy.ext.asyncio import create_async_engine

from storage import SQLSaver, async_url
from storage.urls import sync_url


@pytest.mark.parametrize(
    ("url", "sync", "asynchronous"),
    [
        ("sqlite:///f.db", "sqlite+pysqlite:///f.db", "sqlite+aiosqlite:///f.db"),
        ("sqlite+aiosqlite:///f.db", "sqlite+pysqlite:///f.db", "sqlite+aiosqlite:///f.db"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("mysql+pymysql://r@h/d", "mysql+pymysql://r@h/d", "mysql+asyncmy://r@h/d"),
        ("mysql://r@h/d", "mysql+pymysql://r@h/d", "mysql+asyncmy://r@h/d"),
        ("mariadb+pymysql://r@h/d", "mariadb+pymysql://r@h/d", "mariadb+asyncmy://r@h/d"),
    ],
)
def test_url_drivers(url: str, sync: str, asynchronous: str) -> None:
    assert sync_url(url).render_as_string() == sync
    assert async_url(url).render_as_string() == asynchronous


def test_unusable_urls_are_refused() -> None:
    with pytest.raises(ValueError, match="in-memory SQLite"):
        SQLSaver.from_url("sqlite://")
    with pytest.raises(ValueError, match="unsupported database 'oracle'"):
        SQLSaver.from_url("oracle://u@h/d")


async def test_from_engines_sync_and_async_share_the_database(db_url: str) -> None:
    """SQLSaver(engine=..., async_engine=...) with engines the caller made."""
    engine = sa.create_engine(sync_url(db_url))
    async_engine = create_async_engine(async_url(db_url))
    async with SQLSaver(engine=engine, async_engine=async_engine) as saver:
        await saver.asetup()
        checkpoint = generate_checkpoint(channel_values={"v": [1]}, channel_versions={"v": 1})
        stored = saver.put(generate_config("e"), checkpoint, generate_metadata(), {"v": 1})
        tup = await saver.aget_tuple(stored)
        assert tup is not None and tup.checkpoint["channel_values"] == {"v": [1]}
        await saver.aput_writes(stored, [("c", 2)], "task")
        assert saver.get_tuple(stored).pending_writes == [("task", "c", 2)]  # type: ignore[union-attr]


def test_context_manager_closes_and_reopens(db_url: str) -> None:
    with SQLSaver.from_url(db_url) as saver:
        saver.setup()
        saver.put(generate_config("c"), generate_checkpoint(), generate_metadata(), {})
    # a closed saver's pools are gone; using it again opens fresh connections
    assert saver.get_tuple(generate_config("c")) is not None
    saver.close()
