"""Gemini wiring: the one place that builds a ``ChatGoogleGenerativeAI`` for the interpreter.

``langchain_google_genai`` (and the google-genai SDK under it) is imported only inside
``make_gemini_model``: ``import agent`` and the offline path never pay for it, and a machine
without a key never loads it.

**Model and API version, from Google's documentation (read 2026-12-06).**

* Model: ``gemini-3.5-flash-lite``. The models page
  (https://ai.google.dev/gemini-api/docs/models) lists it as a *stable* Gemini 3 model, "the
  fastest, most cost-effective 3.5 model for high-throughput execution", with the default
  thinking level ``minimal`` (https://ai.google.dev/gemini-api/docs/whats-new-gemini-3.6).
  The deprecations page (https://ai.google.dev/gemini-api/docs/deprecations) shut
  ``gemini-2.5-flash`` down in autumn 2026 and names ``gemini-3.5-flash-lite`` as its replacement;
  no shutdown date is announced for it. Reading one chat message into a small JSON patch is the
  high-volume, low-latency job Flash-Lite is for; a frontier model (``gemini-3.8-flash``) adds
  seconds per turn for no gain. The ``gemini-flash-latest`` alias is *not* the default: the
  models page says an alias is hot-swapped to new releases, and a parser whose behaviour can
  change under it without a code change is what pinning is meant to prevent.
* API version: ``v1beta``, pinned. google-genai 3.x calls ``/v1/…`` by default; the API-versions
  page (https://ai.google.dev/gemini-api/docs/api-versions) says early features land in
  ``v1beta`` first, and the generate-content reference (https://ai.google.dev/api/generate-content)
  documents, for ``v1beta``, every field this client sends: ``systemInstruction``,
  ``generationConfig.responseMimeType`` + ``responseJsonSchema`` (structured output) and
  ``generationConfig.thinkingConfig``. Pinning means an SDK upgrade cannot silently change
  which request shape is sent.

Both stay settings: ``TRAINCHAT_GEMINI_MODEL`` and ``TRAINCHAT_GEMINI_API_VERSION``.

**One retry budget.** The SDK's own retries are switched off (``max_retries=1`` is one attempt);
``graph.understanding.Interpreter`` owns the turn's single budget: a deadline, one retry for
transient failures, ``RetryInfo`` honoured when it fits, and a circuit breaker.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

__all__ = [
    "DEFAULT_GEMINI_MODEL",
    "DEFAULT_GEMINI_API_VERSION",
    "GEMINI_KEY_VARIABLES",
    "GEMINI_MODEL_VARIABLE",
    "GEMINI_API_VERSION_VARIABLE",
    "GeminiKeyMissing",
    "gemini_api_key",
    "gemini_key_available",
    "gemini_model_name",
    "gemini_api_version",
    "thinking_settings",
    "make_gemini_model",
]

DEFAULT_GEMINI_MODEL = "gemini-3.5-flash-lite"
"""Used unless ``TRAINCHAT_GEMINI_MODEL`` or the ``model`` argument says otherwise (see the
module docstring for why this one)."""

DEFAULT_GEMINI_API_VERSION = "v1beta"
"""Used unless ``TRAINCHAT_GEMINI_API_VERSION`` or ``api_version`` says otherwise."""

GEMINI_KEY_VARIABLES: tuple[str, ...] = ("GOOGLE_API_KEY", "GEMINI_API_KEY")
"""Environment variables holding the key, in the order langchain-google-genai reads them."""

GEMINI_MODEL_VARIABLE = "TRAINCHAT_GEMINI_MODEL"
"""The setting that names the model (an unknown model's error names it)."""

GEMINI_API_VERSION_VARIABLE = "TRAINCHAT_GEMINI_API_VERSION"
"""The setting that names the API version."""


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


def gemini_model_name(model: str | None = None) -> str:
    """``model``, else ``$TRAINCHAT_GEMINI_MODEL``, else the default."""
    return model or os.environ.get(GEMINI_MODEL_VARIABLE, "").strip() or DEFAULT_GEMINI_MODEL


def gemini_api_version(api_version: str | None = None) -> str:
    """``api_version``, else ``$TRAINCHAT_GEMINI_API_VERSION``, else ``v1beta``."""
    return (
        api_version
        or os.environ.get(GEMINI_API_VERSION_VARIABLE, "").strip()
        or DEFAULT_GEMINI_API_VERSION
    )


def thinking_settings(model: str) -> dict[str, Any]:
    """The least thinking the model allows (and temperature where it still applies): parsing one message needs no reasoning, and every
    thinking token is latency on the user's turn.

    Gemini 3 models take ``thinking_level`` (Flash and Flash-Lite accept ``minimal``, Pro only
    ``low``/``high``); Gemini 2.5 models take ``thinking_budget`` (0 turns thinking off on Flash).
    Only one of the two is sent: the thinking page says a request with both is refused
    (https://ai.google.dev/gemini-api/docs/thinking, read 2026-12-06).
    """
    name = model.removeprefix("models/")
    if name.startswith("gemini-2"):
        # Gemini 2.5 still samples: temperature 0 gives the same answer for the same message.
        return {"thinking_budget": 0 if "flash" in name else 128, "temperature": 0}
    # Gemini 3 uses fixed sampling defaults and ignores temperature (langchain-google-genai warns).
    return {"thinking_level": "minimal" if "flash" in name else "low"}


def make_gemini_model(
    *,
    api_key: str | None = None,
    model: str | None = None,
    timeout_s: float = 20,
    max_retries: int = 1,
    base_url: str | None = None,
    api_version: str | None = None,
) -> BaseChatModel:
    """A ``ChatGoogleGenerativeAI`` ready for ``with_structured_output(TurnPatch)``.

    ``model`` and ``api_version`` default to their settings (module docstring);
    ``max_retries`` counts attempts the way the google-genai SDK does (1 = no retry, the
    default, because the interpreter owns the retry budget; 0 would mean the SDK's own default
    of 5, so it is raised to 1); ``timeout_s`` bounds one HTTP exchange; ``base_url`` (default
    ``$TRAINCHAT_GEMINI_BASE_URL``) points the client at another endpoint: a gateway, or the
    fake server in the tests. Thinking and temperature: ``thinking_settings``.
    """
    key = api_key or gemini_api_key()
    if not key:
        raise GeminiKeyMissing(
            "No Gemini API key: set GOOGLE_API_KEY (or GEMINI_API_KEY), or use llm='offline'."
        )
    from langchain_google_genai import ChatGoogleGenerativeAI

    chosen = gemini_model_name(model)
    gemini: BaseChatModel = ChatGoogleGenerativeAI(
        model=chosen,
        google_api_key=key,
        timeout=timeout_s,
        max_retries=max(1, max_retries),
        base_url=base_url or os.environ.get("TRAINCHAT_GEMINI_BASE_URL", "").strip() or None,
        api_version=gemini_api_version(api_version),
        vertexai=False,
        **thinking_settings(chosen),
    )
    return gemini
