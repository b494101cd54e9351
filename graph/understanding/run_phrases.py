"""Reading what a message asks of a training run: start, how is it going, stop, resume, again.

Why these are read from the user's own words and not from a model's patch: starting a run
spends hours of a machine and stopping one throws work away, so — like "undo" and "start over"
— they need the words, never a model's guess. Gemini and the offline parser see the same
table, so the behaviour does not depend on which one is configured.

The rules are conservative in the same way as ``intents``: a request must be about little else
("start training with 50 epochs" is a change to a frozen job, not a start), and the order of
the checks settles overlaps ("train it again" is *again*, not *start*; "처음부터 다시" stays a
reset and is not read here at all).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from graph.understanding.intents import words_of
from graph.understanding.offline_rules import parse_message

__all__ = ["RunRequest", "RUN_REQUESTS", "read_run_request"]

RunRequest = Literal["start", "status", "stop", "resume", "again"]
"""start: a first run; status: how is it going; stop: cancel; resume: continue a failed or
cancelled run as the same run; again: a new run of the same job."""

RUN_REQUESTS: tuple[RunRequest, ...] = ("start", "status", "stop", "resume", "again")
"""Every request, for tests and docs."""

_TRAINING = r"(?:training|train|the\s+run|the\s+job|run|it|learning|fitting)"
_KO_TRAINING = r"(?:학습|훈련|트레이닝|실행)"

_AGAIN = (
    r"\b(?:re-?run|re-?train)(?:\s+it)?\b",
    r"\b(?:run|train|start)\s+(?:it|the\s+(?:job|training|run)|training)?\s*(?:again|once\s+more)\b",
    r"\b(?:another|a\s+new|new)\s+(?:training\s+)?run\b",
    r"\btrain\s+again\b",
    rf"다시\s*{_KO_TRAINING}|{_KO_TRAINING}\s*(?:을|를)?\s*다시|재\s*학습|재\s*훈련|한\s*번\s*더\s*{_KO_TRAINING}",
    r"새로\s*(?:학습|훈련)",
)
_RESUME = (
    r"^\W*(?:please\s+)?(?:resume|continue|carry\s+on)(?:\s+(?:it|training|the\s+(?:run|training"
    r"|job)|from\s+(?:where\s+it\s+(?:stopped|left\s+off)|the\s+last\s+epoch)))*\W*(?:please)?\W*$",
    r"\bresume\s+(?:the\s+)?(?:training|run|job)\b",
    r"\bcontinue\s+(?:the\s+)?(?:training|run)\b",
    rf"이어서\s*{_KO_TRAINING}?|이어\s*(?:서)?\s*(?:해|하기|가)|재개|계속\s*{_KO_TRAINING}|{_KO_TRAINING}\s*(?:을|를)?\s*(?:계속|이어)",
)
_STOP = (
    rf"\b(?:stop|cancel|abort|halt|kill|end)\s+(?:the\s+)?{_TRAINING}\b",
    rf"{_KO_TRAINING}\s*(?:을|를)?\s*(?:중지|중단|멈춰|멈춤|취소|그만|정지|종료)",
    r"(?:중지|중단|정지)\s*(?:해|해줘|해\s*주세요|시켜)?\s*$",
)
_STATUS = (
    r"\bhow(?:'s|\s+is|\s+are)\s+(?:the\s+|my\s+)?(?:training|run|job|it|things)\s*(?:going|doing"
    r"|coming\s+along)?\b",
    r"\bhow\s+(?:far\s+along|long)\b.*\b(?:training|run|left|take)\b",
    r"\b(?:training|run)\s+(?:status|progress)\b|\b(?:status|progress)\s+of\s+(?:the\s+)?"
    r"(?:training|run)\b",
    r"\b(?:is|has)\s+(?:the\s+)?(?:training|run|it)\s+(?:done|finished|over|still\s+running|"
    r"running|complete)\b",
    r"^\W*(?:status|progress)\W*$",
    rf"진행\s*(?:상황|상태|률|도)|{_KO_TRAINING}\s*(?:은|는|이|가)?\s*(?:어떻게|어때|잘|다|끝났|됐|진행)|"
    r"얼마나\s*(?:남았|됐|진행)|끝났(?:어|나|니|습니까)",
)
_START = (
    r"\b(?:start|begin|launch|kick\s+off|run|go\s+ahead\s+and\s+(?:start|run))\s+(?:the\s+)?"
    r"(?:training|train|run|job)\b",
    r"\btrain\s+(?:it|the\s+model|now|this)\b",
    r"^\W*(?:let'?s\s+)?train\W*$",
    r"\brun\s+it\b",
    r"\blet'?s\s+(?:train|go)\b",
    rf"{_KO_TRAINING}\s*(?:을|를)?\s*(?:시작|돌려|해\s*줘|해줘|해\s*주세요|하자|시켜|진행)",
    r"^\W*(?:시작|시작해|시작해줘|시작해\s*주세요|start|go|begin)\W*$",
)
_NOT = re.compile(r"\b(?:don'?t|do\s+not|never|not\s+yet)\b|하지\s*마|말고|안\s*돼", re.IGNORECASE)


_CHECK_ORDER: tuple[tuple[RunRequest, tuple[str, ...]], ...] = (
    ("again", _AGAIN),
    ("resume", _RESUME),
    ("stop", _STOP),
    ("status", _STATUS),
    ("start", _START),
)
"""Most specific first: "train it again" is again, "stop the run" is not a start."""


def _any(patterns: tuple[str, ...], text: str) -> bool:
    return any(re.search(pattern, text, re.IGNORECASE) for pattern in patterns)


def read_run_request(text: str) -> RunRequest | None:
    """The run request ``text`` makes, or None (then the message is read as usual).

    Longer messages, and any that state a value, are not run requests: "start training with
    50 epochs" asks to change the job, which the step it is sent at handles (a frozen job says
    so rather than silently training with 5). The patterns go first: most messages match none,
    and then the parser is not run for them (the interpreter reads the message once per turn).
    """
    if not text.strip() or len(words_of(text)) > 10:
        return None
    request = next((request for request, patterns in _CHECK_ORDER if _any(patterns, text)), None)
    if request is None:
        return None
    if _NOT.search(text) and not _any(_STOP, text):
        return None  # "don't start yet" is not a start; "stop" needs no negation check
    if _states_a_value(text):
        return None  # "start training with 50 epochs": a change first, not a start as is
    return request


@lru_cache(maxsize=64)
def _states_a_value(text: str) -> bool:
    """Whether ``text`` states any configuration value (cached: a confirming turn asks twice)."""
    return bool(parse_message(text).changes.stated())
