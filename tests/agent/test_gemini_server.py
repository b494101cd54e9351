"""The real ``ChatGoogleGenerativeAI`` client against the strict fake Gemini server on 127.0.0.1.

Everything between the interpreter and the socket is the real stack: langchain-google-genai's
structured-output binding and parser, the google-genai SDK's request building, HTTP client and
error mapping. Only the server is scripted (tests/fakes/gemini_server.py), and it refuses what
the real endpoint refuses.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import pytest

from agent.gemini import make_gemini_model
from graph.config import TrainingConfig
from graph.understanding import Interpreter
from graph.understanding.prompt import system_prompt
from tests.fakes.gemini_server import (
    TEST_KEY,
    Reply,
    blocked_reply,
    error_reply,
    fake_gemini_server,
    max_tokens_reply,
    patch_reply,
    quota_reply,
    unavailable_reply,
)

CONFIG = TrainingConfig(model_name="yolov8n", framework="ultralytics", epochs=50)


class Clock:
    """A clock the test moves, for the circuit breaker's cool-down."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def interpreter_for(
    base_url: str,
    *,
    key: str = TEST_KEY,
    model: str | None = None,
    client_timeout: float = 5,
    **kw: Any,
) -> Interpreter:
    gemini = make_gemini_model(
        api_key=key, base_url=base_url, timeout_s=client_timeout, model=model
    )
    kw.setdefault("retry_delay_s", 0.01)
    return Interpreter(gemini, **kw)


def test_a_good_answer_goes_through_the_whole_real_stack() -> None:
    answer = {"intent": "set", "changes": {"batch_size": 16, "dataset_path": "C:/datasets/coco8"}}
    with fake_gemini_server(patch_reply(answer)) as server:
        result = interpreter_for(server.base_url).interpret(
            "batch 16 and data at C:/datasets/coco8", step="dataset", config=CONFIG
        )
    assert result.source == "gemini" and result.fallback_reason is None
    assert result.patch.changes.stated() == {"batch_size": 16, "dataset_path": "C:/datasets/coco8"}
    (request,) = server.requests
    assert server.refusals == []
    assert request["path"] == "/v1beta/models/gemini-3.5-flash-lite:generateContent"
    assert request["headers"].get("x-goog-api-key") == TEST_KEY
    generation = request["json"]["generationConfig"]
    assert generation["responseMimeType"] == "application/json"
    assert generation["responseJsonSchema"]["title"] == "TurnPatch"
    assert generation["thinkingConfig"] == {"thinking_level": "MINIMAL"}
    system = request["json"]["systemInstruction"]["parts"][0]["text"]
    assert system == system_prompt("dataset", CONFIG)  # the step and configuration included
    assert request["json"]["contents"][-1]["parts"][0]["text"].startswith("batch 16")


def test_the_model_name_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINCHAT_GEMINI_MODEL", "gemini-3.8-flash")
    with fake_gemini_server(patch_reply({"intent": "confirm"})) as server:
        result = interpreter_for(server.base_url).interpret("yes", step="confirm", config=CONFIG)
    assert result.patch.intent == "confirm"
    assert server.requests[0]["path"] == "/v1beta/models/gemini-3.8-flash:generateContent"


def test_a_refused_key_is_one_request_and_names_the_variable() -> None:
    with fake_gemini_server(patch_reply({"intent": "confirm"})) as server:
        interpreter = interpreter_for(server.base_url, key="AIza-revoked")
        first = interpreter.interpret("에폭 20", step="hyperparameters", config=CONFIG)
        second = interpreter.interpret("batch 8", step="hyperparameters", config=CONFIG)
    assert len(server.requests) == 1  # no retry, and no request on the following turn
    assert first.failure == second.failure == "auth"
    assert first.patch.changes.epochs == 20 and second.patch.changes.batch_size == 8
    assert first.fallback_reason is not None and "GOOGLE_API_KEY" in first.fallback_reason
    assert "API 키를 거부" in first.fallback_reason  # in the user's language
    assert second.fallback_reason is not None and "GOOGLE_API_KEY" in second.fallback_reason


def test_an_unknown_model_names_the_setting_and_is_not_retried() -> None:
    with fake_gemini_server(patch_reply({"intent": "confirm"})) as server:
        interpreter = interpreter_for(server.base_url, model="gemini-2.5-flash")
        first = interpreter.interpret("seed 3", step="hyperparameters", config=CONFIG)
        second = interpreter.interpret("seed 4", step="hyperparameters", config=CONFIG)
    assert len(server.requests) == 1
    assert first.failure == "model_not_found" and second.failure == "model_not_found"
    assert first.fallback_reason == (
        "Gemini does not offer the model 'gemini-2.5-flash' (404), so I used the offline parser. "
        "Set TRAINCHAT_GEMINI_MODEL to a current model and restart."
    )
    assert second.patch.changes.seed == 4


def test_a_quota_error_waits_the_retry_delay_google_asks_for_within_the_deadline() -> None:
    script = (
        quota_reply(retry_after_s=0.4),
        patch_reply({"intent": "set", "changes": {"seed": 3}}),
    )
    with fake_gemini_server(*script) as server:
        started = time.monotonic()
        result = interpreter_for(server.base_url, timeout_s=5).interpret(
            "seed 3", step="hyperparameters", config=CONFIG
        )
        elapsed = time.monotonic() - started
    assert result.source == "gemini" and result.patch.changes.seed == 3
    assert len(server.requests) == 2 and 0.4 <= elapsed < 3, elapsed


def test_a_quota_delay_past_the_deadline_falls_back_at_once() -> None:
    with fake_gemini_server(quota_reply(retry_after_s=30)) as server:
        started = time.monotonic()
        result = interpreter_for(server.base_url, timeout_s=5).interpret(
            "seed 3", step="hyperparameters", config=CONFIG
        )
        elapsed = time.monotonic() - started
    assert result.failure == "rate_limited" and result.patch.changes.seed == 3
    assert len(server.requests) == 1 and elapsed < 2, elapsed


def test_unavailable_is_retried_once_within_the_one_budget() -> None:
    script = (unavailable_reply(), patch_reply({"intent": "set", "changes": {"seed": 3}}))
    with fake_gemini_server(*script) as server:
        result = interpreter_for(server.base_url).interpret(
            "seed 3", step="hyperparameters", config=CONFIG
        )
    assert result.source == "gemini" and result.patch.changes.seed == 3
    assert len(server.requests) == 2  # the SDK's own retries are off: 2, not 2 x 5


def test_two_unavailable_answers_spend_the_budget() -> None:
    with fake_gemini_server(unavailable_reply()) as server:
        result = interpreter_for(server.base_url, attempts=2).interpret(
            "seed 3", step="hyperparameters", config=CONFIG
        )
    assert result.failure == "server_error" and len(server.requests) == 2


@pytest.mark.parametrize(
    ("reply", "failure", "line"),
    [
        (blocked_reply(), "blocked", "Gemini declined to read this message"),
        (max_tokens_reply('{"intent": "set", "changes": {"epo'), "truncated", "was cut off"),
        (max_tokens_reply({"intent": "set", "changes": {"epochs": 2}}), "truncated", "cut off"),
        (patch_reply({"changes": {"epochs": 20}}), "malformed", "not in the expected form"),
        (Reply(200, b"<html>garbage</html>"), "malformed", "not in the expected form"),
        (patch_reply('{"intent": "confirm"'), "malformed", "not in the expected form"),
        (patch_reply({"intent": "set", "changes": {"epochs": 10, "colour": "red"}}), "malformed",
         "not in the expected form"),
        (patch_reply({"intent": "reset"}), "distrusted", "erasing your settings"),
        (error_reply(400, "Invalid JSON payload received."), "bad_request",
         "TRAINCHAT_GEMINI_API_VERSION"),
    ],
    ids=["prompt-blocked", "max-tokens-cut", "max-tokens-complete", "no-intent", "garbage",
         "truncated", "extra-field", "reset", "400"],
)  # fmt: skip
def test_every_unusable_answer_falls_back_with_a_line_that_says_why(
    reply: Reply, failure: str, line: str
) -> None:
    with fake_gemini_server(reply) as server:
        result = interpreter_for(server.base_url).interpret(
            "20 epochs, batch 8", step="hyperparameters", config=CONFIG
        )
    assert result.source == "offline" and result.failure == failure
    assert result.patch.changes.stated() == {"epochs": 20, "batch_size": 8}
    assert result.fallback_reason is not None and line in result.fallback_reason
    assert len(server.requests) == 1  # none of these is worth a retry


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_gemini_opens_the_circuit_for_the_cool_down() -> None:
    clock = Clock()
    port = _closed_port()
    interpreter = interpreter_for(
        f"http://127.0.0.1:{port}", timeout_s=5, cooldown_s=60, clock=clock
    )
    first = interpreter.interpret("배치 32", step="hyperparameters", config=CONFIG)
    assert first.failure == "unreachable" and first.patch.changes.batch_size == 32
    assert first.fallback_reason == "Gemini에 연결할 수 없어 오프라인 파서로 이해했어요."
    started = time.monotonic()
    second = interpreter.interpret("seed 9", step="hyperparameters", config=CONFIG)
    assert time.monotonic() - started < 0.5
    assert second.failure == "cooling_down" and second.patch.changes.seed == 9
    assert second.fallback_reason == (
        "Gemini did not respond on an earlier turn, so I used the offline parser "
        "(I will try Gemini again in 60 s)."
    )
    clock.now += 61  # the cool-down is over: the next turn tries Gemini again
    with fake_gemini_server(patch_reply({"intent": "set", "changes": {"seed": 10}}), port=port):
        third = interpreter.interpret("seed 10", step="hyperparameters", config=CONFIG)
    assert third.source == "gemini" and third.patch.changes.seed == 10


def _pending_tasks(interpreter: Interpreter) -> int:
    assert interpreter._caller is not None
    loop = interpreter._caller.loop

    async def count() -> int:
        return len([t for t in asyncio.all_tasks() if t is not asyncio.current_task()])

    return asyncio.run_coroutine_threadsafe(count(), loop).result(timeout=2)


def test_a_slow_server_is_cancelled_at_the_deadline_not_abandoned() -> None:
    with fake_gemini_server(patch_reply({"intent": "confirm"}, delay_s=3)) as server:
        interpreter = interpreter_for(server.base_url, timeout_s=0.5)
        threads_before = threading.active_count()
        started = time.monotonic()
        result = interpreter.interpret("seed 5", step="hyperparameters", config=CONFIG)
        elapsed = time.monotonic() - started
        assert _pending_tasks(interpreter) == 0  # the HTTP call was cancelled with its task
        # Only the interpreter's one idle loop thread was added, no thread per call.
        assert threading.active_count() <= threads_before + 1
    assert elapsed < 2.5, elapsed  # 0.5 s deadline + scheduling on a loaded machine
    assert result.failure == "timeout" and result.patch.changes.seed == 5
    assert len(server.requests) == 1


def test_the_client_timeout_also_falls_back() -> None:
    with fake_gemini_server(patch_reply({"intent": "confirm"}, delay_s=3)) as server:
        interpreter = interpreter_for(server.base_url, client_timeout=0.3, timeout_s=5, attempts=1)
        started = time.monotonic()
        result = interpreter.interpret("seed 5", step="hyperparameters", config=CONFIG)
    assert time.monotonic() - started < 2.0
    assert result.source == "offline" and result.failure == "timeout"


async def test_async_path_through_the_real_client() -> None:
    with fake_gemini_server(
        patch_reply({"intent": "set", "changes": {"epochs": 12}}), quota_reply(60)
    ) as server:
        interpreter = interpreter_for(server.base_url)
        good = await interpreter.ainterpret("12 epochs", step="hyperparameters", config=CONFIG)
        limited = await interpreter.ainterpret("13 epochs", step="hyperparameters", config=CONFIG)
        again = interpreter.interpret("14 epochs", step="hyperparameters", config=CONFIG)
    assert good.source == "gemini" and good.patch.changes.epochs == 12
    assert limited.failure == "rate_limited" and limited.patch.changes.epochs == 13
    assert again.failure == "rate_limited" and again.patch.changes.epochs == 14  # sync after async
