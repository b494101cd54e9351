"""The fake Gemini endpoint is as strict as the real one: each documented rule in
``tests/fakes/gemini_server.py`` is shown here refusing a request the real endpoint would refuse,
starting from the exact request the real ``ChatGoogleGenerativeAI`` client sends (which passes).
Without the rule, the refused request would be answered, and the test fails.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from agent.gemini import make_gemini_model
from graph.config import TrainingConfig
from graph.understanding import Interpreter
from tests.fakes.gemini_server import (
    SUPPORTED_SCHEMA_KEYWORDS,
    TEST_KEY,
    fake_gemini_server,
    patch_reply,
    request_problem,
)

VERSION = "v1beta"


@pytest.fixture(scope="module")
def real_request() -> dict[str, Any]:
    """The request the real client sends for one turn (path, headers, JSON body)."""
    with fake_gemini_server(patch_reply({"intent": "confirm"})) as server:
        model = make_gemini_model(api_key=TEST_KEY, base_url=server.base_url)
        result = Interpreter(model, attempts=1).interpret(
            "yes", step="confirm", config=TrainingConfig()
        )
    assert result.source == "gemini", result.fallback_reason
    assert server.refusals == []
    (request,) = server.requests
    return request


def problem(request: dict[str, Any]) -> dict[str, Any] | None:
    reply = request_problem(
        request["path"], request["headers"], request["json"], version=VERSION, key=TEST_KEY
    )
    return None if reply is None else dict(reply.body["error"], http=reply.status)


def test_the_real_clients_request_passes_every_rule(real_request: dict[str, Any]) -> None:
    assert problem(real_request) is None
    body = real_request["json"]
    assert real_request["path"] == "/v1beta/models/gemini-3.5-flash-lite:generateContent"
    assert body["generationConfig"]["responseJsonSchema"]["required"] == ["intent"]
    assert "systemInstruction" in body


@pytest.mark.parametrize(
    "path",
    [
        "/v1/models/gemini-3.5-flash-lite:generateContent",  # another API version
        "/v1beta/models/gemini-2.5-flash:generateContent",  # shut down
        "/v1beta/models/gemini-3.5-flash-lite:streamGenerateContent",  # another method
    ],
)
def test_rule_1_only_the_pinned_version_and_a_listed_model(
    real_request: dict[str, Any], path: str
) -> None:
    found = problem({**real_request, "path": path})
    assert found is not None and found["http"] == 404 and found["status"] == "NOT_FOUND"
    assert "is not found for API version" in found["message"]


def test_rule_2_a_wrong_key_is_api_key_invalid(real_request: dict[str, Any]) -> None:
    headers = {**real_request["headers"], "x-goog-api-key": "AIza-wrong"}
    found = problem({**real_request, "headers": headers})
    assert found is not None and found["http"] == 400 and found["status"] == "INVALID_ARGUMENT"
    (info,) = [d for d in found["details"] if d["@type"].endswith("google.rpc.ErrorInfo")]
    assert info["reason"] == "API_KEY_INVALID"


@pytest.mark.parametrize(
    ("where", "name"),
    [((), "responseFormat"), (("generationConfig",), "responseJsonSchemaStrict"),
     (("generationConfig", "thinkingConfig"), "thinkingEffort")],
)  # fmt: skip
def test_rule_3_an_unknown_field_is_refused_by_name(
    real_request: dict[str, Any], where: tuple[str, ...], name: str
) -> None:
    body = copy.deepcopy(real_request["json"])
    target = body
    for key in where:
        target = target.setdefault(key, {})
    target[name] = True
    found = problem({**real_request, "json": body})
    assert found is not None and found["http"] == 400
    assert f'Unknown name "{name}"' in found["message"], found["message"]


def test_rule_3_accepts_proto_field_names_as_the_real_parser_does(
    real_request: dict[str, Any],
) -> None:
    body = copy.deepcopy(real_request["json"])
    body["generation_config"] = body.pop("generationConfig")  # proto name, valid JSON mapping
    assert problem({**real_request, "json": body}) is None


def test_rule_4_thinking_level_and_budget_together_are_refused(
    real_request: dict[str, Any],
) -> None:
    body = copy.deepcopy(real_request["json"])
    body["generationConfig"]["thinkingConfig"] = {"thinkingLevel": "LOW", "thinkingBudget": 0}
    found = problem({**real_request, "json": body})
    assert found is not None and found["http"] == 400 and "thinking" in found["message"]


@pytest.mark.parametrize("keyword", ["oneOf", "allOf", "not", "const", "patternProperties"])
def test_rule_5_schema_keywords_outside_the_documented_list_are_refused(
    real_request: dict[str, Any], keyword: str
) -> None:
    assert keyword not in SUPPORTED_SCHEMA_KEYWORDS
    body = copy.deepcopy(real_request["json"])
    schema = body["generationConfig"]["responseJsonSchema"]
    schema["properties"]["intent"][keyword] = [{"type": "string"}]
    found = problem({**real_request, "json": body})
    assert found is not None and found["http"] == 400 and keyword in found["message"]


def test_rule_5_json_schema_needs_the_json_mime_type_and_excludes_response_schema(
    real_request: dict[str, Any],
) -> None:
    body = copy.deepcopy(real_request["json"])
    body["generationConfig"]["responseMimeType"] = "text/plain"
    found = problem({**real_request, "json": body})
    assert found is not None and "application/json" in found["message"]
    body = copy.deepcopy(real_request["json"])
    body["generationConfig"]["responseSchema"] = {"type": "OBJECT"}
    found = problem({**real_request, "json": body})
    assert found is not None and "exclusive" in found["message"]
