"""Shared fixtures: ``db_url`` runs a test once per database (SQLite, PostgreSQL, MariaDB);
``scripted`` is Gemini answering from a script through the real client and the strict stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.databases import BACKENDS, server_database, sqlite_url
from tests.fakes.chat_models import ScriptedGemini
from tests.fakes.gemini_server import fake_gemini_server


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


@pytest.fixture(scope="session")
def scripted() -> Iterator[ScriptedGemini]:
    """``scripted(*answers)``: the real ``ChatGoogleGenerativeAI`` talking HTTP to the strict
    Gemini stand-in, which answers from the script (``tests/fakes/chat_models.py``). One server
    for the session: starting one per hypothesis example would dominate the test's time."""
    with fake_gemini_server() as server:
        yield ScriptedGemini(server)


@pytest.fixture(autouse=True)
def _scripted_gemini_requests_are_valid(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that uses ``scripted`` fails if the stand-in refused one of its requests (the
    real endpoint would have refused it too): a fallback must come from the scripted fault, not
    from a malformed request. Autouse, so hypothesis tests get it without a function fixture."""
    if "scripted" not in request.fixturenames:
        yield
        return
    scripted: ScriptedGemini = request.getfixturevalue("scripted")
    scripted.begin()
    yield
    refused = scripted.refused()
    assert not refused, f"the Gemini stand-in refused {len(refused)} request(s): {refused[:2]}"
