"""Gemini wiring: the one place that builds a ``ChatGoogleGenerativeAI`` for the interpreter.

``langchain_google_genai`` (and the google-genai SDK under it) is imported only inside
``make_gemini_model``: ``import agent`` and the offline path never pay for it, and a machine
without a key never loads it. Time budgets are layered: the client's own ``timeout_s`` and
``max_retries`` bound each HTTP exchange, and ``graph.understanding.Interpreter`` bounds the
whole turn and falls back to the offline parser on any failure.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

__all__ = [
    "DEFAULT_GEMINI_MODEL",
    "GEMINI_KEY_VARIABLES",
    "GeminiKeyMissing",
    "gemini_api_key",
    "gemini_key_available",
    "make_gemini_model",
]

DEFAULT_GEMINI_MODEL = "gemini-2.5-flash"
"""Used unless ``TRAINCHAT_GEMINI_MODEL`` or the ``model`` argument says otherwise."""

GEMINI_KEY_VARIABLES: tuple[str, ...] = ("GOOGLE_API_KEY", "GEMINI_API_KEY")
"""Environment variables holding the key, in the order langchain-google-genai reads them."""


class GeminiKeyMissing(RuntimeError):
    """Raised by ``make_gemini_model`` when no API key is given or set in the environment."""


def gemini_api_key() -> str | None:
    """The key from ``GOOGLE_API_KEY`` or ``GEMINI_API_KEY`` (blank values do not count)."""
    for variable in GEMINI_KEY_VARIABLES:
        value = os.environ.get(variable, "").strip()
        if value:
            return value
    return None


def gemini_key_available() -> bool:
    """Whether a Gemini key is set, i.e. whether ``llm="auto"`` should use Gemini."""
    return gemini_api_key() is not None


def make_gemini_model(
    *,
    api_key: str | None = None,
    model: str | None = None,
    timeout_s: float = 20,
    max_retries: int = 2,
    base_url: str | None = None,
) -> BaseChatModel:
    """A ``ChatGoogleGenerativeAI`` ready for ``with_structured_output(TurnPatch)``.

    ``model`` defaults to ``$TRAINCHAT_GEMINI_MODEL`` or ``gemini-2.5-flash``; ``max_retries``
    counts attempts the way the google-genai SDK does (1 = no retry, and 0 would mean the SDK's
    own default, so it is raised to 1); ``base_url`` (default ``$TRAINCHAT_GEMINI_BASE_URL``)
    points the client at another endpoint: a gateway, or the fake server in the tests, which is
    how ``create_agent(llm="gemini")`` can be driven end to end without the internet.
    Temperature 0: parsing wants the same answer for the same message.
    """
    key = api_key or gemini_api_key()
    if not key:
        raise GeminiKeyMissing(
            "No Gemini API key: set GOOGLE_API_KEY (or GEMINI_API_KEY), or use llm='offline'."
        )
    from langchain_google_genai import ChatGoogleGenerativeAI

    chosen = model or os.environ.get("TRAINCHAT_GEMINI_MODEL", "").strip() or DEFAULT_GEMINI_MODEL
    gemini: BaseChatModel = ChatGoogleGenerativeAI(
        model=chosen,
        google_api_key=key,
        timeout=timeout_s,
        max_retries=max(1, max_retries),
        temperature=0,
        base_url=base_url or os.environ.get("TRAINCHAT_GEMINI_BASE_URL", "").strip() or None,
        vertexai=False,
    )
    return gemini
