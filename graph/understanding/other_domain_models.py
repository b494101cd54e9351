"""Well-known models that are not vision models: "gpt-4", "llama", "stable diffusion", "whisper".

Why a list: a user who names one of these is not misspelling a catalog model, and "I don't know
a model called 'gpt-4'" would be as unhelpful as the reply to gibberish. The turn says what the
model is and what trainchat can train instead (from the catalog). Only names that cannot be a
vision checkpoint are listed; CLIP or SAM-style names are left to the catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph.patch import OtherDomainKind

__all__ = ["OtherDomainMention", "find_other_domain_model"]

_NAMES: tuple[tuple[str, str, OtherDomainKind], ...] = (
    (r"chat\s*-?\s*gpt|gpt\s*-?\s*(?:[2345](?:\.\d)?(?:o|-?turbo|-?mini)?|oss)\b|\bgpt\b", "GPT", "language"),
    (r"\bllama\s*-?\s*\d?(?:\.\d)?\b|(?<![가-힣])라마", "Llama", "language"),
    (r"\bmistral\b|\bmixtral\b", "Mistral", "language"),
    (r"\bclaude\b|클로드", "Claude", "language"),
    (r"\bgemma\b|\bqwen\d*(?:\.\d)?\b|\bdeepseek\b|\bphi-?[234]\b|\bfalcon-?\d+b\b", "", "language"),
    (r"\bbert\b|\broberta\b|\bt5\b|\bgpt-?j\b|\bbloom\b", "", "language"),
    (r"stable\s*-?\s*diffusion|\bsdxl\b|스테이블\s*디퓨전|\bdall\s*-?\s*e\s*\d?\b|\bmidjourney\b|\bflux\.?1\b|\bimagen\b", "", "image_generation"),
    (r"\bwhisper\b|위스퍼|\bwav2vec\s*2?(?:\.0)?\b|\btacotron\s*2?\b", "", "speech"),
)  # fmt: skip
# ASCII word boundaries: "llama로" (a Korean particle right after the name) still matches.
_PATTERNS = tuple((re.compile(p, re.IGNORECASE | re.ASCII), name, kind) for p, name, kind in _NAMES)


@dataclass(frozen=True)
class OtherDomainMention:
    """A non-vision model named in a message."""

    written: str
    """As the user wrote it ("gpt-4", "Stable Diffusion")."""
    kind: OtherDomainKind
    """What it is for."""
    start: int
    end: int


def find_other_domain_model(text: str) -> OtherDomainMention | None:
    """The first well-known non-vision model named in ``text``, or None."""
    best: OtherDomainMention | None = None
    for pattern, _, kind in _PATTERNS:
        found = pattern.search(text)
        if found and (best is None or found.start() < best.start):
            best = OtherDomainMention(found.group().strip(), kind, found.start(), found.end())
    return best
