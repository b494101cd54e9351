"""agent.gemini: key discovery, model construction, and that nothing imports Gemini eagerly."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agent.gemini import (
    DEFAULT_GEMINI_MODEL,
    GeminiKeyMissing,
    gemini_api_key,
    gemini_key_available,
    make_gemini_model,
)


@pytest.fixture
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "TRAINCHAT_GEMINI_MODEL", "LANGSMITH_GATEWAY"):
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
    assert model.model == DEFAULT_GEMINI_MODEL and model.timeout == 7
    assert model.max_retries == 1 and model.temperature == 0  # 0 would mean "SDK default"
    monkeypatch.setenv("TRAINCHAT_GEMINI_MODEL", "gemini-2.5-pro")
    monkeypatch.setenv("GOOGLE_API_KEY", "env-key")
    from_env = make_gemini_model()
    assert from_env.model == "gemini-2.5-pro"  # type: ignore[attr-defined]
    assert from_env.google_api_key.get_secret_value() == "env-key"  # type: ignore[attr-defined]
    assert make_gemini_model(model="gemini-x").model == "gemini-x"  # type: ignore[attr-defined]


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
