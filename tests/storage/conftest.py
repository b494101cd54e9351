"""Fixtures for the storage tests: a ready ``SQLSaver`` on each database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage import SQLSaver


@pytest.fixture
def saver(db_url: str) -> Iterator[SQLSaver]:
    """A set-up saver on a fresh database, once per backend."""
    with SQLSaver.from_url(db_url) as created:
        created.setup()
        yield created
