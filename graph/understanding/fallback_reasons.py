"""Why a language model's answer was not used, in one short line for the user (EN/KO), and
what the user can do about it.

Exceptions from different clients (google-genai ``APIError``, httpx, ``OSError``, our own
timeout) are sorted into a few kinds by status code, type and Google's structured error details
(``google.rpc.ErrorInfo.reason``, ``google.rpc.RetryInfo.retryDelay``), never by parsing vendor
messages beyond a couple of well-known markers. The kinds follow Google's troubleshooting page
(https://ai.google.dev/gemini-api/docs/troubleshooting, read 2026-12-06): 400/403/404 need a
change on the user's side and are never retried; 429/500/503/504 are transient.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Literal

__all__ = [
    "FailureKind",
    "RETRYABLE",
    "OPENS_CIRCUIT",
    "PERMANENT",
    "classify_failure",
    "retry_delay",
    "fallback_line",
    "cooling_down_line",
]

FailureKind = Literal[
    "timeout", "unreachable", "rate_limited", "server_error", "auth", "model_not_found",
    "bad_request", "blocked", "truncated", "malformed", "unsupported", "distrusted", "error",
]  # fmt: skip

RETRYABLE: frozenset[FailureKind] = frozenset({"server_error", "unreachable", "rate_limited"})
"""Failures worth one more attempt within the turn's deadline. A rate limit is retried only
when Google's ``RetryInfo`` delay fits in what is left of the deadline; a timeout has spent the
budget; a 4xx needs a change only the user can make."""

OPENS_CIRCUIT: frozenset[FailureKind] = frozenset({"timeout", "unreachable"})
"""Failures that say the network path is bad: the following turns skip the model for a
cool-down instead of paying the deadline again on every turn."""

PERMANENT: frozenset[FailureKind] = frozenset({"auth", "model_not_found", "bad_request"})
"""Failures no retry can fix while the settings stay as they are: a refused key, an unknown
model, a request the API version does not accept. The model is not called again by this
interpreter (the user changes the setting and restarts)."""


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _status_code(error: BaseException) -> int | None:
    """An HTTP status from the exception or its causes (``code``, ``status_code``)."""
    for current in _chain(error):
        for attribute in ("code", "status_code"):
            value = getattr(current, attribute, None)
            if isinstance(value, int) and 100 <= value <= 599:
                return value
        response = getattr(current, "response", None)
        value = getattr(response, "status_code", None)
        if isinstance(value, int) and 100 <= value <= 599:
            return value
    return None


def _google_details(error: BaseException) -> list[Mapping[str, Any]]:
    """The ``error.details`` list of Google's error body, from google-genai's ``APIError.details``
    (the parsed response JSON) anywhere in the exception chain."""
    for current in _chain(error):
        body = getattr(current, "details", None)
        if isinstance(body, Mapping):
            inner = body.get("error", body)
            details = inner.get("details") if isinstance(inner, Mapping) else None
            if isinstance(details, list):
                return [item for item in details if isinstance(item, Mapping)]
    return []


def _detail(error: BaseException, type_suffix: str) -> Mapping[str, Any] | None:
    for item in _google_details(error):
        if str(item.get("@type", "")).endswith(type_suffix):
            return item
    return None


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def retry_delay(error: BaseException) -> float | None:
    """Seconds Google asks the client to wait (``RetryInfo.retryDelay``, e.g. ``"7s"``), if any."""
    info = _detail(error, "google.rpc.RetryInfo")
    delay = info.get("retryDelay") if info is not None else None
    if isinstance(delay, str) and (match := _DURATION.match(delay)):
        return float(match.group(1))
    if isinstance(delay, Mapping):  # proto Duration as an object
        return float(delay.get("seconds", 0)) + float(delay.get("nanos", 0)) / 1e9
    return None


def _chain_text(error: BaseException) -> str:
    parts = [f"{type(current).__name__} {current}" for current in _chain(error)]
    return " ".join(parts[:5]).lower()


def classify_failure(error: BaseException) -> FailureKind:
    """The kind of failure ``error`` stands for (used for the user line, retries, the breaker)."""
    if isinstance(error, TimeoutError):
        return "timeout"
    if isinstance(error, NotImplementedError):
        return "unsupported"
    status = _status_code(error)
    info = _detail(error, "google.rpc.ErrorInfo")
    reason = str(info.get("reason", "")) if info is not None else ""
    if reason in ("API_KEY_INVALID", "API_KEY_SERVICE_BLOCKED") or status in (401, 403):
        return "auth"
    if status == 404:
        return "model_not_found"
    if status == 429:
        return "rate_limited"
    if status == 504:
        return "timeout"
    if status is not None and status >= 500:
        return "server_error"
    if status is not None and 400 <= status < 500:
        return "bad_request"
    text = _chain_text(error)
    if "resource_exhausted" in text or "ratelimit" in text or "rate limit" in text:
        return "rate_limited"
    if "timeout" in text or "timed out" in text:
        return "timeout"
    if isinstance(error, ConnectionError | OSError) or "connect" in text or "unreachable" in text:
        return "unreachable"
    if isinstance(error, ValueError):
        return "malformed"
    return "error"


_LINES: dict[str, dict[FailureKind, str]] = {
    "en": {
        "timeout": "{name} did not answer within {seconds:g} s, so I used the offline parser.",
        "unreachable": "{name} was unreachable, so I used the offline parser.",
        "rate_limited": "{name} is rate-limited right now (429), so I used the offline parser.",
        "server_error": "{name} had a server error, so I used the offline parser.",
        "auth": (
            "{name} refused the API key, so I used the offline parser. Set a valid key in "
            "GOOGLE_API_KEY (or GEMINI_API_KEY) and restart."
        ),
        "model_not_found": (
            "{name} does not offer the model {model!r} (404), so I used the offline parser. "
            "Set TRAINCHAT_GEMINI_MODEL to a current model and restart."
        ),
        "bad_request": (
            "{name} refused the request (400), so I used the offline parser. Check "
            "TRAINCHAT_GEMINI_API_VERSION and TRAINCHAT_GEMINI_MODEL."
        ),
        "blocked": "{name} declined to read this message, so I used the offline parser.",
        "truncated": "{name}'s answer was cut off, so I used the offline parser.",
        "malformed": "{name}'s answer was not in the expected form, so I used the offline parser.",
        "unsupported": "{name} cannot return structured answers, so I used the offline parser.",
        "distrusted": (
            "{name} read this as erasing your settings, which your message does not ask for, "
            "so I used the offline parser."
        ),
        "error": "{name} failed, so I used the offline parser.",
    },
    "ko": {
        "timeout": "{name}이(가) {seconds:g}초 안에 답하지 않아 오프라인 파서로 이해했어요.",
        "unreachable": "{name}에 연결할 수 없어 오프라인 파서로 이해했어요.",
        "rate_limited": "{name} 요청 한도를 넘어(429) 오프라인 파서로 이해했어요.",
        "server_error": "{name} 서버 오류가 나서 오프라인 파서로 이해했어요.",
        "auth": (
            "{name}이(가) API 키를 거부해서 오프라인 파서로 이해했어요. GOOGLE_API_KEY(또는 "
            "GEMINI_API_KEY)에 올바른 키를 넣고 다시 시작하세요."
        ),
        "model_not_found": (
            "{name}에 {model!r} 모델이 없어(404) 오프라인 파서로 이해했어요. "
            "TRAINCHAT_GEMINI_MODEL을 현재 모델로 바꾸고 다시 시작하세요."
        ),
        "bad_request": (
            "{name}이(가) 요청을 거부해서(400) 오프라인 파서로 이해했어요. "
            "TRAINCHAT_GEMINI_API_VERSION과 TRAINCHAT_GEMINI_MODEL을 확인하세요."
        ),
        "blocked": "{name}이(가) 이 메시지를 읽지 않겠다고 해서 오프라인 파서로 이해했어요.",
        "truncated": "{name}의 답이 중간에 잘려서 오프라인 파서로 이해했어요.",
        "malformed": "{name}의 답이 예상한 형식이 아니어서 오프라인 파서로 이해했어요.",
        "unsupported": "{name}이(가) 구조화된 답을 지원하지 않아 오프라인 파서로 이해했어요.",
        "distrusted": (
            "{name}이(가) 설정을 지우라는 뜻으로 읽었지만 메시지에 그런 요청이 없어 "
            "오프라인 파서로 이해했어요."
        ),
        "error": "{name} 호출에 실패해서 오프라인 파서로 이해했어요.",
    },
}


def _localised_name(name: str, language: str | None) -> str:
    return "언어 모델" if language == "ko" and name == "the language model" else name


def _capitalised(line: str) -> str:
    return line[0].upper() + line[1:]


def fallback_line(
    kind: FailureKind,
    *,
    language: str | None,
    name: str,
    seconds: float,
    model: str | None = None,
) -> str:
    """The one line the reply carries when the offline parser handled the turn."""
    table = _LINES["ko" if language == "ko" else "en"]
    line = table[kind].format(
        name=_localised_name(name, language), seconds=seconds, model=model or "?"
    )
    return _capitalised(line)


def cooling_down_line(*, language: str | None, name: str, remaining_s: float) -> str:
    """The line for a turn that skipped the model because it timed out or was unreachable on
    an earlier turn (the circuit breaker is open)."""
    shown = _localised_name(name, language)
    wait = max(1, round(remaining_s))
    if language == "ko":
        return (
            f"{shown}이(가) 조금 전 응답하지 않아 {wait}초 동안은 부르지 않고 "
            "오프라인 파서로 이해했어요."
        )
    return _capitalised(
        f"{shown} did not respond on an earlier turn, so I used the offline parser "
        f"(I will try {shown} again in {wait} s)."
    )
