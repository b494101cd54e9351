"""Reading a chat model's structured-output reply into a ``TurnPatch``, or saying why not.

``with_structured_output(TurnPatch, include_raw=True)`` returns ``{"raw", "parsed",
"parsing_error"}``. LangChain's parser is lenient where the interpreter must not be (partial
JSON passes), so the raw reply is checked first: blocked, cut off, not one complete JSON object,
or without the intent the schema requires — each a ``ModelFailure`` of its own kind, so the
user's line says what happened.
"""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.messages import AIMessage

from graph.patch import TurnPatch
from graph.understanding.fallback_reasons import FailureKind

__all__ = ["ModelFailure", "patch_from_reply"]


class ModelFailure(Exception):
    """The primary model's answer could not be used; carries the kind for the user line."""

    def __init__(self, kind: FailureKind, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind: FailureKind = kind


_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")


def _require_complete_json(raw: Any) -> None:
    """Refuse a reply that is blocked, cut off, or not one complete JSON object with an intent.

    LangChain's ``PydanticOutputParser`` parses *partial* JSON, so a truncated reply
    (``{"intent": "confirm"``) or garbage (``{not json`` → ``{}``) would otherwise pass as a
    valid patch, and a reply without ``intent`` would get the schema default ``"set"``; the
    schema requires ``intent``, so its absence means the model did not follow it. A blocked
    prompt (``promptFeedback``) and a ``MAX_TOKENS`` cut get their own kinds, so the user line
    says what happened. Tool-call replies carry no text and are checked by their own parser.
    """
    if not isinstance(raw, AIMessage) or raw.tool_calls:
        return
    metadata = raw.response_metadata or {}
    feedback = metadata.get("prompt_feedback") or {}
    if isinstance(feedback, dict) and feedback.get("block_reason") not in (
        None,
        0,
        "",
        "BLOCK_REASON_UNSPECIFIED",
    ):
        raise ModelFailure("blocked", str(feedback.get("block_reason")))
    if str(metadata.get("finish_reason", "")).upper() == "MAX_TOKENS":
        raise ModelFailure("truncated", "finish_reason MAX_TOKENS")
    text = _FENCE.sub("", raw.text)
    try:
        value = json.loads(text)
    except ValueError as error:
        raise ModelFailure("malformed", f"not complete JSON: {error}") from error
    if not isinstance(value, dict):
        raise ModelFailure("malformed", f"JSON {type(value).__name__}, not an object")
    if "intent" not in value:
        raise ModelFailure("malformed", "no intent (the schema requires it)")


def patch_from_reply(result: Any) -> TurnPatch:
    """The ``TurnPatch`` in a structured-output result, or ``ModelFailure("malformed")``."""
    if isinstance(result, dict) and "parsed" in result:
        _require_complete_json(result.get("raw"))  # blocked / cut off / no intent first
        error = result.get("parsing_error")
        if error is not None:
            raise ModelFailure("malformed", str(error)[:200])
        result = result["parsed"]
    if isinstance(result, TurnPatch):
        return result
    if isinstance(result, dict):
        try:
            return TurnPatch.model_validate(result)
        except ValueError as error:
            raise ModelFailure("malformed", str(error)[:200]) from error
    raise ModelFailure("malformed", f"got {type(result).__name__}")
