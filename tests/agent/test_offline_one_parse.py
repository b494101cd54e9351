"""The offline parser reads each message once: ``parse_message`` runs one time per turn.

Before, an offline turn wrote the configuration into the prompt, the offline chat model parsed
it back, answered JSON that was parsed again, and the interpreter read the message once more.
A spy on every module that holds ``parse_message`` counts the calls on the real code path.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from agent import create_agent
from graph.config import TrainingConfig
from graph.datasets.samples import make_sample_dataset
from graph.understanding import Interpreter, OfflineChatModel, offline_rules

Call = tuple[str, str | None, TrainingConfig | None]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Call]]:
    """Every ``parse_message`` call, as (text, step, config), wherever it is imported."""
    original = offline_rules.parse_message
    calls: list[Call] = []

    def spy(text: str, *, step: str | None = None, config: TrainingConfig | None = None) -> Any:
        calls.append((text, step, config))
        return original(text, step=step, config=config)

    holders = [
        module
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in ("graph", "agent")
        and getattr(module, "parse_message", None) is original
    ]
    assert holders, "no module holds parse_message: the spy would count nothing"
    for module in holders:
        monkeypatch.setattr(module, "parse_message", spy)
    yield calls


@pytest.fixture(autouse=True)
def _no_gemini_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)


@pytest.mark.parametrize("llm", ["offline", "explicit"])
def test_every_turn_of_a_conversation_parses_the_message_once(
    llm: str, parses: list[Call], tmp_path: Path
) -> None:
    dataset = make_sample_dataset(tmp_path / "data", "yolo")
    model: Any = OfflineChatModel() if llm == "explicit" else "offline"
    agent = create_agent(checkpointer=InMemorySaver(), llm=model)
    thread = {"configurable": {"thread_id": f"once-{llm}"}}
    script = [
        "train yolov8n for detection",
        str(dataset),
        "10 epochs",
        "배치 크기 16",
        "what's left?",
        "actually use yolo11n",
        "undo",
        "lr 0.01",
        "yes",
    ]
    steps = []
    for text in script:
        before = agent.get_state(thread).values.get("step", "select_model")
        parses.clear()
        out = agent.invoke({"messages": [{"role": "user", "content": text}]}, thread)
        # One reading, with the step and the configuration the turn started from.
        assert [(said, step) for said, step, _ in parses] == [(text, before)], text
        steps.append(out["step"])
    assert steps[-1] == "done"


async def test_an_async_turn_parses_once_too(parses: list[Call]) -> None:
    interpreter = Interpreter(OfflineChatModel())
    config = TrainingConfig(epochs=10)
    result = await interpreter.ainterpret("64", step="hyperparameters", config=config)
    assert result.patch.changes.stated() == {"batch_size": 64}
    assert parses == [("64", "hyperparameters", config)]
