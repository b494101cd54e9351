"""agent.gemini: key discovery, model construction, and that nothing imports Gemini eagerly."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agent.gemini import (
    DEFAULT_GEMINI_API_VERSION,
    DEFAULT_GEMINI_MODEL,
    GeminiKeyMissing,
    gemini_api_key,
    gemini_key_available,
    make_gemini_model,
    thinking_settings,
)


@pytest.fixture
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "GOOGLE_API_KEY",
        "GEMINI_API_KEY",
        "TRAINCHAT_GEMINI_MODEL",
        "TRAINCHAT_GEMINI_API_VERSION",
        "LANGSMITH_GATEWAY",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_keys")
def test_key_discovery_prefers_google_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    assert gemini_api_key() is None and not gemini_key_available()
    monkeypatch.setenv("GEMINI_API_KEY", "from-gemini")
    assert gemini_api_key() == "from-gemini" and gemini_key_available()
    monkeypatch.setenv("GOOGLE_API_KEY", "from-google")
    assert gemini_api_key() == "from-google"
    monkeypatch.setenv("GOOGLE_API_KEY", "   ")
    assert gemini_api_key() == "from-gemini"  # a blank variable is not a key


@pytest.mark.usefixtures("no_keys")
def test_without_a_key_the_error_says_what_to_do() -> None:
    with pytest.raises(GeminiKeyMissing, match="GOOGLE_API_KEY.*llm='offline'"):
        make_gemini_model()


@pytest.mark.usefixtures("no_keys")
def test_model_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from langchain_google_genai import ChatGoogleGenerativeAI

    model = make_gemini_model(api_key="k", timeout_s=7, max_retries=0)
    assert isinstance(model, ChatGoogleGenerativeAI)
    assert model.model == DEFAULT_GEMINI_MODEL == "gemini-3.5-flash-lite"
    assert model.timeout == 7
    assert model.max_retries == 1  # one attempt: the interpreter owns the retry budget
    assert model.api_version == DEFAULT_GEMINI_API_VERSION == "v1beta"
    assert model.thinking_level == "minimal" and model.thinking_budget is None
    monkeypatch.setenv("TRAINCHAT_GEMINI_MODEL", "gemini-3.1-pro-preview")
    monkeypatch.setenv("TRAINCHAT_GEMINI_API_VERSION", "v1")
    monkeypatch.setenv("GOOGLE_API_KEY", "env-key")
    from_env = make_gemini_model()
    assert from_env.model == "gemini-3.1-pro-preview"  # type: ignore[attr-defined]
    assert from_env.api_version == "v1"  # type: ignore[attr-defined]
    assert from_env.thinking_level == "low"  # type: ignore[attr-defined]  # Pro has no "minimal"
    assert from_env.google_api_key.get_secret_value() == "env-key"  # type: ignore[attr-defined]
    assert make_gemini_model(model="gemini-x").model == "gemini-x"  # type: ignore[attr-defined]


def test_thinking_settings_never_send_both_knobs() -> None:
    """The thinking page: thinking_level and thinking_budget together are refused (400)."""
    assert thinking_settings("gemini-3.5-flash-lite") == {"thinking_level": "minimal"}
    assert thinking_settings("models/gemini-3.8-flash") == {"thinking_level": "minimal"}
    assert thinking_settings("gemini-3.1-pro-preview") == {"thinking_level": "low"}
    assert thinking_settings("gemini-2.5-flash-lite") == {"thinking_budget": 0, "temperature": 0}
    for name in ("gemini-3.5-flash-lite", "gemini-2.5-pro", "gemini-flash-latest"):
        settings = thinking_settings(name)
        assert not {"thinking_level", "thinking_budget"} <= set(settings)


def test_importing_agent_and_graph_does_not_import_gemini() -> None:
    code = (
        "import sys, agent, agent.gemini, graph.understanding\n"
        "from graph.understanding import Interpreter\n"
        "Interpreter().interpret('resnet18', step='select_model', config=__import__('graph.config',"
        " fromlist=['x']).TrainingConfig())\n"
        "loaded = [m for m in sys.modules if m.startswith(('langchain_google_genai', 'google.genai'))]\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_the_live_smoke_test_is_registered_and_never_runs_by_default() -> None:
    import tomllib
    from pathlib import Path

    options = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    pytest_options = options["tool"]["pytest"]["ini_options"]
    assert "not live" in pytest_options["addopts"]  # `pytest` and `pytest -m slow` skip it
    assert any(marker.startswith("live:") for marker in pytest_options["markers"])
