"""Fixtures for the CLI tests: an in-process runner with a clean environment, a sample dataset."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.cli.running import clean_env


@pytest.fixture
def cli_home(tmp_path: Path) -> Path:
    """``TRAINCHAT_HOME`` for the test: input history and sample data stay in tmp."""
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def invoke(cli_home: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Run ``trainchat`` in-process through typer's runner; fail loudly on an unexpected exit."""
    from agent.cli import app

    for name, value in clean_env(cli_home).items():
        monkeypatch.setenv(name, value)
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "TRAINCHAT_DB"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def run(*args: str, input: str | None = None, code: int = 0) -> Any:
        result = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        return result

    return run


@pytest.fixture
def say_json(invoke: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    """``trainchat say TEXT --json`` parsed, on the given database and thread."""

    def run(text: str, db: str, thread: str = "default") -> dict[str, Any]:
        result = invoke("say", text, "--json", "--db", db, "--thread", thread, "--llm", "offline")
        return json.loads(result.stdout)

    return run


@pytest.fixture
def dataset_dir(tmp_path: Path) -> Path:
    """A small generated imagefolder classification dataset."""
    from graph.datasets.samples import make_sample_dataset

    return make_sample_dataset(tmp_path / "data", "imagefolder", images_per_class=20)
