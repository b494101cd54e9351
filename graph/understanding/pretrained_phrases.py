"""Reading where training starts from: "from scratch", "사전학습 없이", "use weights /runs/best.pt".

Why a table of its own, read before everything else in a message: the same words mean other
things elsewhere. "from scratch" and "처음부터" also open a request to start the conversation
over, and a weights path looks like a dataset path. So these phrases are found first and their
spans blanked out; what remains is read as before. The line between the two meanings:
"train from scratch" / "처음부터 학습" is about weights, while "start (over) from scratch",
"start over" and "처음부터 다시" keep meaning reset (the words before "from scratch" decide).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PretrainedMention", "find_pretrained", "WEIGHTS_FILE"]

_PRE = r"pre[\s\-]?train(?:ed|ing)?"
_KO_PRE = r"(?:사전\s*학습|프리\s*트레인(?:드|닝)?)"

_NO: tuple[str, ...] = (
    rf"\b(?:no|without(?:\s+any)?|don'?t\s+use(?:\s+the|\s+any)?|not\s+using(?:\s+the|\s+any)?"
    rf"|skip(?:ping)?(?:\s+the)?)\s+(?:imagenet\s+)?{_PRE}(?:\s+(?:weights?|models?|checkpoints?))?\b",
    rf"\bnot\s+{_PRE}\b",
    r"\brandom(?:ly)?[\s\-]?(?:initiali[sz]ed|init(?:iali[sz]ation)?)(?:\s+weights)?\b",
    r"\brandom\s+weights\b",
    rf"\b{_PRE}\s*(?:=|:)\s*(?:false|no|off|0)\b",
    rf"{_KO_PRE}(?:된|한)?\s*(?:가중치|모델|웨이트)?\s*(?:는|은)?\s*(?:없이|안\s*(?:쓰고|써|씀)|빼고)",
    rf"{_KO_PRE}\s*(?:안\s*(?:된|한)|하지\s*않은|되지\s*않은|없는)",
    r"처음부터\s*(?:새로\s*)?(?:학습|훈련|트레이닝)",
    r"스크래치\s*(?:부터|로|에서)",
    r"(?:랜덤|무작위)\s*(?:초기화|가중치)",
)
"""Phrases that mean "do not start from pretrained weights"."""

_YES: tuple[str, ...] = (
    rf"\b(?:with|use|using|keep|from)\s+(?:the\s+)?(?:imagenet\s+)?{_PRE}(?:\s+(?:weights?|models?"
    rf"|checkpoints?))?\b",
    rf"\b{_PRE}\s*(?:=|:)\s*(?:true|yes|on|1)\b",
    rf"{_KO_PRE}(?:된)?\s*(?:가중치|모델|웨이트)\s*(?:로|으로|를|을)?\s*(?:사용|써|쓰|시작|학습)?",
)
"""Phrases that mean "start from the catalog's pretrained weights" (the default)."""

_FROM_SCRATCH = re.compile(r"\bfrom\s+scratch\b", re.IGNORECASE)
# "start over from scratch", "let's begin again from scratch": a reset, not a weights choice.
_RESET_BEFORE = re.compile(
    r"\b(?:start|starting|restart|begin|over|again|afresh|everything|conversation|config"
    r"|configuration)\W*$",
    re.IGNORECASE,
)

_SUFFIX = r"\.(?:pth\.tar|pth|pt|safetensors|ckpt|bin)(?![A-Za-z0-9_])"
WEIGHTS_FILE = re.compile(
    r"(?P<keyed>(?:\b(?:weights?|checkpoint|ckpt)|가중치|체크포인트)(?:\s*file|\s*파일)?"
    r"\s*(?:[=:]|\bis\b|\bat\b|\bfrom\b)?\s*[\"'`]?(?P<file>[^\s\"'`]+?" + _SUFFIX + r"))"
    r"|(?P<path>(?:[A-Za-z]:)?(?:~|\.{1,2})?[/\\]?(?:[^\s\"'`/\\]+[/\\])+[^\s\"'`/\\]+?"
    + _SUFFIX
    + r")",
    re.IGNORECASE,
)
"""A weights file: after "weights"/"가중치"/"checkpoint" (``weights best.pt``), or any path with a
folder in it ending in a weights suffix (``/runs/exp/best.pt``). A bare ``yolov8n.pt`` is a model
name, not a file, and is left to the model reader."""


@dataclass(frozen=True)
class PretrainedMention:
    """What a message says about the starting weights, and where."""

    pretrained: bool | None
    """False for "from scratch", True for "with pretrained weights", None when not said."""
    weights: str | None
    """A weights file the message names, as written."""
    spans: tuple[tuple[int, int], ...]
    """Where these phrases are, to blank them out before the rest is read."""


def _no_spans(text: str) -> list[tuple[int, int]]:
    spans = [found.span() for pattern in _NO for found in re.finditer(pattern, text, re.IGNORECASE)]
    for found in _FROM_SCRATCH.finditer(text):
        if not _RESET_BEFORE.search(text[max(0, found.start() - 40) : found.start()]):
            spans.append(found.span())
    return spans


def find_pretrained(text: str) -> PretrainedMention:
    """The starting-weights choice in ``text``; "no" phrases win over "yes" ones they contain
    ("no pretrained weights" is not a yes)."""
    spans: list[tuple[int, int]] = []
    weights = None
    found = WEIGHTS_FILE.search(text)
    if found is not None:
        weights = found.group("file") or found.group("path")
        spans.append(found.span())
    no = _no_spans(text)
    pretrained: bool | None = None
    if no:
        pretrained = False
        spans.extend(no)
    else:
        yes = [hit.span() for pattern in _YES for hit in re.finditer(pattern, text, re.IGNORECASE)]
        if yes:
            pretrained = True
            spans.extend(yes)
    if weights is not None:
        pretrained = None if pretrained is True else pretrained
    return PretrainedMention(pretrained=pretrained, weights=weights, spans=tuple(sorted(spans)))
