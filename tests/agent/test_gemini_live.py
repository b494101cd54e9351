"""A smoke test against the real Gemini API: ``pytest -m live`` with ``GOOGLE_API_KEY`` set.

Never part of the default run or of ``-m slow`` (the ``live`` marker is excluded in
``pyproject.toml``), and skipped without a key. One short conversation through the real client,
the pinned API version and the default model; every turn must be understood by Gemini (no
fallback line) and the configuration must be what was said.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent import create_agent
from agent.gemini import gemini_api_key

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(gemini_api_key() is None, reason="needs GOOGLE_API_KEY (or GEMINI_API_KEY)"),
]

CONVERSATION = (
    ("train resnet18 for image classification", {"model_name": "resnet18"}),
    ("에폭 스무 번, batch size 16", {"epochs": 20, "batch_size": 16}),
    ("learning rate 0.001 and use adamw", {"learning_rate": 0.001, "optimizer": "adamw"}),
)


def test_a_short_conversation_against_the_real_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRAINCHAT_GEMINI_BASE_URL", raising=False)  # the real endpoint
    agent = create_agent(f"sqlite:///{tmp_path}/live.db", llm="gemini")
    thread = {"configurable": {"thread_id": "live-1"}}
    expected: dict[str, object] = {}
    for text, meant in CONVERSATION:
        out = agent.invoke({"messages": [{"role": "user", "content": text}]}, thread)
        reply = str(out["messages"][-1].content)
        assert "offline parser" not in reply and "오프라인 파서" not in reply, reply
        expected.update(meant)
        config = out["config"]
        assert {k: getattr(config, k) for k in expected} == pytest.approx(expected), reply
    assert os.environ.get("TRAINCHAT_GEMINI_BASE_URL") is None
