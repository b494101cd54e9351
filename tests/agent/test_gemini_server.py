"""The real ``ChatGoogleGenerativeAI`` client against a fake Gemini REST server on 127.0.0.1.

Everything between the interpreter and the socket is the real stack: langchain-google-genai's
structured-output binding and parser, the google-genai SDK's request building, retries, HTTP
client and error mapping. Only the server is scripted (tests/fakes/gemini_server.py).
"""

from __future__ import annotations

import socket
import time

import pytest

from agent.gemini import make_gemini_model
from graph.config import TrainingConfig
from graph.understanding import Interpreter
from graph.understanding.prompt import CONTEXT_TAG
from tests.fakes.gemini_server import Reply, error_reply, fake_gemini_server, patch_reply

CONFIG = TrainingConfig(model_name="yolov8n", framework="ultralytics", epochs=50)


def interpreter_for(
    base_url: str, *, retries: int = 1, client_timeout: float = 5, **kw: object
) -> Interpreter:
    model = make_gemini_model(
        api_key="test-key", base_url=base_url, max_retries=retries, timeout_s=client_timeout
    )
    kw.setdefault("retry_delay_s", 0.01)
    return Interpreter(model, **kw)  # type: ignore[arg-type]


def test_a_good_answer_goes_through_the_whole_real_stack() -> None:
    answer = {"intent": "set", "changes": {"batch_size": 16, "dataset_path": "C:/datasets/coco8"}}
    with fake_gemini_server(patch_reply(answer)) as server:
        result = interpreter_for(server.base_url).interpret(
            "batch 16 and data at C:/datasets/coco8", step="dataset", config=CONFIG
        )
    assert result.source == "gemini" and result.fallback_reason is None
    assert result.patch.changes.stated() == {"batch_size": 16, "dataset_path": "C:/datasets/coco8"}
    (request,) = server.requests
    assert request["path"].endswith("/models/gemini-2.5-flash:generateContent")
    assert request["headers"].get("x-goog-api-key") == "test-key"
    generation = request["json"]["generationConfig"]
    assert generation["responseMimeType"] == "application/json"
    assert generation["responseJsonSchema"]["title"] == "TurnPatch"
    assert generation["temperature"] == 0
    system = request["json"]["systemInstruction"]["parts"][0]["text"]
    assert f"<{CONTEXT_TAG}>" in system and '"step": "dataset"' in system
    assert request["json"]["contents"][-1]["parts"][0]["text"].startswith("batch 16")


def test_the_model_name_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINCHAT_GEMINI_MODEL", "gemini-2.5-flash-lite")
    with fake_gemini_server(patch_reply({"intent": "confirm"})) as server:
        result = interpreter_for(server.base_url).interpret("yes", step="confirm", config=CONFIG)
    assert result.patch.intent == "confirm"
    assert "/models/gemini-2.5-flash-lite:generateContent" in server.requests[0]["path"]


@pytest.mark.parametrize(
    ("reply", "failure"),
    [
        (error_reply(429), "rate_limited"),
        (error_reply(500), "server_error"),
        (error_reply(403), "auth"),
        (Reply(200, b"<html>garbage</html>"), "malformed"),
        (patch_reply("{not json"), "malformed"),
        (patch_reply('{"intent": "confirm"'), "malformed"),  # truncated
        (patch_reply({"intent": "set", "changes": {"epochs": 10, "colour": "red"}}), "malformed"),
        (patch_reply({"intent": "set", "changes": {"epochs": "many"}}), "malformed"),
        (patch_reply({"intent": "reset"}), "distrusted"),
    ],
    ids=[
        "429",
        "500",
        "403",
        "garbage",
        "bad-json",
        "truncated",
        "extra-field",
        "wrong-type",
        "reset",
    ],
)
def test_every_bad_answer_falls_back_to_the_offline_parser(reply: Reply, failure: str) -> None:
    with fake_gemini_server(reply) as server:
        result = interpreter_for(server.base_url).interpret(
            "에폭 20, 배치 8", step="hyperparameters", config=CONFIG
        )
    assert result.source == "offline" and result.failure == failure
    assert result.patch.changes.stated() == {"epochs": 20, "batch_size": 8}
    assert result.fallback_reason is not None and result.fallback_reason.startswith("Gemini")
    expected_calls = 2 if failure == "server_error" else 1  # the interpreter retries 5xx once
    assert len(server.requests) == expected_calls


def test_the_sdk_retries_a_server_error_then_succeeds() -> None:
    script = (error_reply(503), patch_reply({"intent": "set", "changes": {"seed": 3}}))
    with fake_gemini_server(*script) as server:
        result = interpreter_for(server.base_url, retries=2).interpret(
            "seed 3", step="hyperparameters", config=CONFIG
        )
    assert result.source == "gemini" and result.patch.changes.seed == 3
    assert len(server.requests) == 2


def test_a_slow_server_is_abandoned_at_the_interpreter_deadline() -> None:
    with fake_gemini_server(patch_reply({"intent": "confirm"}, delay_s=3)) as server:
        interpreter = interpreter_for(server.base_url, timeout_s=0.5)
        started = time.monotonic()
        result = interpreter.interpret("seed 5", step="hyperparameters", config=CONFIG)
        elapsed = time.monotonic() - started
    assert elapsed < 1.5, elapsed
    assert result.failure == "timeout" and result.patch.changes.seed == 5


def test_the_client_timeout_also_falls_back() -> None:
    with fake_gemini_server(patch_reply({"intent": "confirm"}, delay_s=3)) as server:
        interpreter = interpreter_for(server.base_url, client_timeout=0.3, timeout_s=5, attempts=1)
        started = time.monotonic()
        result = interpreter.interpret("seed 5", step="hyperparameters", config=CONFIG)
    assert time.monotonic() - started < 2.0
    assert result.source == "offline" and result.failure == "timeout"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_gemini_falls_back_quickly() -> None:
    interpreter = interpreter_for(f"http://127.0.0.1:{_closed_port()}", timeout_s=5)
    started = time.monotonic()
    result = interpreter.interpret("배치 32", step="hyperparameters", config=CONFIG)
    assert time.monotonic() - started < 5
    assert result.failure == "unreachable" and result.patch.changes.batch_size == 32
    assert result.fallback_reason == "Gemini에 연결할 수 없어 오프라인 파서로 이해했어요."


async def test_async_path_through_the_real_client() -> None:
    with fake_gemini_server(
        patch_reply({"intent": "set", "changes": {"epochs": 12}}), error_reply(429)
    ) as server:
        interpreter = interpreter_for(server.base_url)
        good = await interpreter.ainterpret("12 epochs", step="hyperparameters", config=CONFIG)
        limited = await interpreter.ainterpret("13 epochs", step="hyperparameters", config=CONFIG)
    assert good.source == "gemini" and good.patch.changes.epochs == 12
    assert limited.failure == "rate_limited" and limited.patch.changes.epochs == 13
