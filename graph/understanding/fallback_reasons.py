"""Why a language model's answer was not used, in one short line for the user (EN/KO).

Exceptions from different clients (google-genai ``APIError.code``, httpx, ``OSError``, our own
timeout) are sorted into a few kinds by status code and type, never by parsing vendor messages
beyond a couple of well-known markers.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["FailureKind", "RETRYABLE", "classify_failure", "fallback_line"]

FailureKind = Literal[
    "timeout", "unreachable", "rate_limited", "server_error", "auth", "malformed", "unsupported",
    "distrusted", "error",
]  # fmt: skip


def _status_code(error: BaseException) -> int | None:
    """An HTTP status from the exception or its causes (``code``, ``status_code``)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for attribute in ("code", "status_code"):
            value = getattr(current, attribute, None)
            if isinstance(value, int) and 100 <= value <= 599:
                return value
        response = getattr(current, "response", None)
        value = getattr(response, "status_code", None)
        if isinstance(value, int) and 100 <= value <= 599:
            return value
        current = current.__cause__ or current.__context__
    return None


def _chain_text(error: BaseException) -> str:
    parts: list[str] = []
    current: BaseException | None = error
    while current is not None and len(parts) < 5:
        parts.append(f"{type(current).__name__} {current}")
        current = current.__cause__ or current.__context__
    return " ".join(parts).lower()


def classify_failure(error: BaseException) -> FailureKind:
    """The kind of failure ``error`` stands for (used for the user line and for retries)."""
    if isinstance(error, TimeoutError):
        return "timeout"
    if isinstance(error, NotImplementedError):
        return "unsupported"
    status = _status_code(error)
    if status == 429:
        return "rate_limited"
    if status in (401, 403):
        return "auth"
    if status is not None and status >= 500:
        return "server_error"
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


RETRYABLE: frozenset[FailureKind] = frozenset({"server_error", "unreachable", "error"})
"""Failures worth one more attempt within the turn's time budget (not 429: retrying a rate limit
at once only deepens it; not timeouts: the budget is spent)."""

_LINES: dict[str, dict[FailureKind, str]] = {
    "en": {
        "timeout": "{name} did not answer within {seconds:g} s, so I used the offline parser.",
        "unreachable": "{name} was unreachable, so I used the offline parser.",
        "rate_limited": "{name} is rate-limited right now (429), so I used the offline parser.",
        "server_error": "{name} had a server error, so I used the offline parser.",
        "auth": "{name} refused the API key, so I used the offline parser.",
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
        "auth": "{name}이(가) API 키를 거부해서 오프라인 파서로 이해했어요.",
        "malformed": "{name}의 답이 예상한 형식이 아니어서 오프라인 파서로 이해했어요.",
        "unsupported": "{name}이(가) 구조화된 답을 지원하지 않아 오프라인 파서로 이해했어요.",
        "distrusted": (
            "{name}이(가) 설정을 지우라는 뜻으로 읽었지만 메시지에 그런 요청이 없어 "
            "오프라인 파서로 이해했어요."
        ),
        "error": "{name} 호출에 실패해서 오프라인 파서로 이해했어요.",
    },
}


def fallback_line(kind: FailureKind, *, language: str | None, name: str, seconds: float) -> str:
    """The one line the reply carries when the offline parser handled the turn."""
    table = _LINES["ko" if language == "ko" else "en"]
    if language == "ko" and name == "the language model":
        name = "언어 모델"
    line = table[kind].format(name=name, seconds=seconds)
    return line[0].upper() + line[1:]
