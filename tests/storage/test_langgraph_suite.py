"""LangGraph's own test suite, run with ``SQLSaver`` in place of ``SqliteSaver``.

The ``langgraph`` sdist on PyPI ships its tests; their checkpointer fixtures run every test
that needs persistence once with ``SqliteSaver`` (sync) and once with ``AsyncSqliteSaver``.
``langgraph_suite/sqlsaver_plugin.py`` swaps those two for ``SQLSaver`` on SQLite, PostgreSQL
or MariaDB. The contract: every one of those tests that passes with LangGraph's own saver
passes with ours. The sdist (of the installed ``langgraph`` version, so the tests match the
code under test) is downloaded once with pip into a cache folder; none of it is committed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.databases import BACKENDS

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
CACHE = Path(os.environ.get("TRAINCHAT_CACHE", Path.home() / ".cache" / "trainchat"))
SELECTION = "sqlite and not sqlite_aes"
"""The tests parametrised with LangGraph's sync and async SQLite checkpointers."""


def _suite() -> Path:
    """The extracted sdist of the installed ``langgraph``, downloaded on first use."""
    release = version("langgraph")
    root = CACHE / f"langgraph-{release}"
    if (root / "tests" / "conftest.py").exists():
        return root
    CACHE.mkdir(parents=True, exist_ok=True)
    archive = CACHE / f"langgraph-{release}.tar.gz"
    if not archive.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"langgraph=={release}",
                "-d",
                str(CACHE),
            ],
            check=True,
            capture_output=True,
        )
    with tarfile.open(archive) as tar:
        tar.extractall(CACHE, filter="data")
    return root


def _outcomes(backend: str, tmp_path: Path, tests: list[str] | None = None) -> dict[str, str]:
    """Run the selection (or the ``tests`` node ids) with ``backend``; each test's outcome
    (passed/failed/skipped) by node id."""
    root = _suite()
    report = tmp_path / f"{backend}-{len(tests or ())}.xml"
    selection = tests if tests else ["tests", "-k", SELECTION]
    env = {
        **os.environ,
        "NO_DOCKER": "true",
        "TRAINCHAT_SUITE_BACKEND": backend,
        "TRAINCHAT_SUITE_DATABASES": str(PROJECT / "tests" / "databases.py"),
        "PYTHONPATH": os.pathsep.join([str(HERE / "langgraph_suite"), str(PROJECT)]),
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *selection,
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "sqlsaver_plugin",
            "-o",
            "addopts=",
            f"--junitxml={report}",
            "-W",
            "ignore::DeprecationWarning",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        timeout=3600,
    )
    outcomes: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        module = str(case.get("classname")).replace(".", "/")
        name = f"{module}.py::{case.get('name')}"
        kinds = {child.tag for child in case}
        outcomes[name] = (
            "failed"
            if kinds & {"failure", "error"}
            else "skipped"
            if "skipped" in kinds
            else "passed"
        )
    return outcomes


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What passes with LangGraph's own ``SqliteSaver``/``AsyncSqliteSaver``."""
    return _outcomes("reference", tmp_path_factory.mktemp("reference"))


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("backend", BACKENDS)
def test_every_test_passing_with_sqlitesaver_passes_with_sqlsaver(
    backend: str, reference: dict[str, str], tmp_path: Path
) -> None:
    passing = {name for name, outcome in reference.items() if outcome == "passed"}
    assert len(passing) > 500, "the selection no longer picks LangGraph's checkpointer tests"
    ours = _outcomes(backend, tmp_path)
    failed = sorted(name for name in passing if ours.get(name) != "passed")
    # A few of LangGraph's tests race wall-clock sleeps (10-500 ms) against the saver's I/O
    # and fail on a loaded machine with any server-backed saver: run failures once more, alone.
    again = _outcomes(backend, tmp_path, failed) if failed else {}
    lost = [name for name in failed if again.get(name) != "passed"]
    assert not lost, f"{len(lost)} of {len(passing)} fail with SQLSaver on {backend}: {lost}"
