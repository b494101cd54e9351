"""The catalog: every known model, found by any spelling, searched by task and size.

Built once from the shipped snapshot (see ``snapshot.load_catalog``) and then read-only: all the
indexes are plain dicts and tuples created in ``__init__``, so lookups are dictionary hits and a
``Catalog`` can be shared freely between threads and graph runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from types import MappingProxyType

from graph.catalog.entry import FRAMEWORK_PREFERENCE, ModelEntry, ModelMatch
from graph.catalog.families import family_suggestions
from graph.catalog.names import Token, canonical_key, normalise_key, scan_tokens, stems_of
from graph.catalog.similar import SimilarKeys

__all__ = ["Catalog"]

_TYPO_CUTOFF = 0.8
"""How alike a word must be to a model name before we ask "did you mean …?" in free text."""
_SUGGEST_CUTOFF = 0.6
"""Looser bound for ``Catalog.suggest``, which is only called on something meant as a name."""
_MAX_WORDS = 4
"""Longest multi-word spelling tried ("yolo11 nano seg", "vit base patch 16")."""
_NOT_STEMS = frozenset({"test"})
"""timm's ``test_*`` debugging models must not turn "test vit" into a model choice."""
_SPACING = re.compile(r"\s*")


def _rank(entry: ModelEntry) -> int:
    return FRAMEWORK_PREFERENCE.index(entry.framework)


class Catalog:
    """All models of one snapshot, with name lookup, suggestions, text scanning and search."""

    versions: Mapping[str, str]
    """Library -> version the snapshot was read from, e.g. ``{"timm": "1.0.31", ...}``."""

    def __init__(
        self,
        entries: Iterable[ModelEntry],
        versions: Mapping[str, str],
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self._entries = tuple(sorted(entries, key=_rank))
        self.versions = MappingProxyType(dict(versions))
        by_name: dict[str, list[ModelEntry]] = {}
        by_key: dict[str, list[ModelEntry]] = {}
        for entry in self._entries:  # preference order, so the first entry of a list wins
            by_name.setdefault(entry.name.lower(), []).append(entry)
            by_key.setdefault(canonical_key(entry.name), []).append(entry)
        for alias, target in _alias_pairs(aliases or {}, by_name):
            key, heirs = normalise_key(alias), list(by_name[target])
            existing = by_key.get(key)
            if existing is None:
                by_key[key] = heirs
            elif not any(e.trainable_here for e in existing):
                # "ViT-B/16" means timm's vit_base_patch16_224 (trainable here) before
                # torchvision's vit_b_16, which keeps its exact name.
                by_key[key] = heirs + existing
        self._by_name = {k: tuple(v) for k, v in by_name.items()}
        self._by_key = {k: tuple(v) for k, v in by_key.items()}
        self._aliases = dict(aliases or {})

    # The indexes below are built on first use, not at load, so that loading stays a few
    # milliseconds; each costs a few milliseconds once per process.

    @cached_property
    def _similar(self) -> SimilarKeys:
        return SimilarKeys(k for k in self._by_key if not k.startswith("test"))

    @cached_property
    def _stems(self) -> frozenset[str]:
        aliases = (alias for alias, _target in _alias_pairs(self._aliases, self._by_name))
        return frozenset(
            stem
            for name in (*self._by_name, *aliases)
            for stem in stems_of(name)
            if stem not in _NOT_STEMS
        )

    @cached_property
    def _families(self) -> dict[str, tuple[str, ...]]:
        return family_suggestions(self._entries, self._by_name)

    # ----------------------------------------------------------------- basic access

    def __len__(self) -> int:
        """Number of entries across all libraries (a name in two libraries counts twice)."""
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        """True when ``name`` (any accepted spelling) resolves to a model."""
        return isinstance(name, str) and self.lookup(name) is not None

    def __iter__(self) -> Iterator[ModelEntry]:
        """Every entry, preferred library first."""
        return iter(self._entries)

    @property
    def entries(self) -> tuple[ModelEntry, ...]:
        """Every entry, preferred library first."""
        return self._entries

    # ----------------------------------------------------------------- names

    def lookup(self, text: str, *, framework: str | None = None) -> ModelEntry | None:
        """The model ``text`` names exactly (after normalisation), or ``None``.

        An exact canonical name wins over a normalised one ("vit_b_16" is torchvision's model,
        "ViT-B/16" timm's ``vit_base_patch16_224``). When several libraries share the name, timm
        beats ultralytics beats torchvision, unless ``framework`` restricts the answer.
        """
        candidates = self._by_name.get(text.strip().lower()) or self._by_key.get(
            normalise_key(text), ()
        )
        for entry in candidates:
            if framework is None or entry.framework == framework:
                return entry
        return None

    def suggest(self, text: str, limit: int = 3) -> tuple[str, ...]:
        """Up to ``limit`` canonical names close to ``text``, best first.

        A bare family ("resnet", "yolo") gives its common sizes; a typo ("resnat18") the nearest
        spellings; an exact name comes first itself.
        """
        key = normalise_key(text)
        if key in self._families:
            return self._families[key][:limit]
        names: list[str] = []
        exact = self.lookup(text)
        if exact is not None:
            names.append(exact.name)
        for _score, similar in self._similar.closest(key, limit=limit * 2, cutoff=_SUGGEST_CUTOFF):
            name = self._by_key[similar][0].name
            if name not in names:
                names.append(name)
        return tuple(names[:limit])

    # ----------------------------------------------------------------- free text

    def find_in_text(self, text: str) -> ModelMatch | None:
        """The model mentioned in a sentence, or a near miss to ask about, or ``None``.

        A known model anywhere in the text wins over a typo or bare family elsewhere, so
        "use yolo, the yolov8n one" picks ``yolov8n``. Paths, numbers and ordinary words are
        never models: "batch 32", "C:\\data\\imagenet-10", "기본값" give ``None``.
        """
        matches = self.find_all_in_text(text)
        for match in matches:
            if match.entry is not None:
                return match
        return matches[0] if matches else None

    def find_all_in_text(self, text: str) -> tuple[ModelMatch, ...]:
        """Every model mention in ``text`` in order ("compare resnet18 and efficientnet_b0")."""
        tokens = list(scan_tokens(text))
        found: list[ModelMatch] = []
        i = 0
        while i < len(tokens):
            match, used = self._match_at(text, tokens, i)
            if match is not None:
                found.append(match)
            i += used
        return tuple(found)

    def _match_at(self, text: str, tokens: list[Token], i: int) -> tuple[ModelMatch | None, int]:
        first = normalise_key(tokens[i].text)
        if first in self._stems or first in self._by_key:
            for n in range(min(_MAX_WORDS, len(tokens) - i), 1, -1):
                if any("." in t.text for t in tokens[i : i + n]):
                    continue  # "yolov8n.pt epochs": a dotted word is whole on its own
                span = _joined_span(text, tokens[i : i + n])
                if span is None:
                    continue
                key = normalise_key(span)
                if key in self._by_key:
                    return ModelMatch(self._preferred(key), span, ()), n
                if key in self._families and n == 2:  # "yolo v8", "YOLO 11"
                    return ModelMatch(None, span, self._families[key]), n
        word = tokens[i].text
        if first in self._by_key:
            return ModelMatch(self._preferred(first), word, ()), 1
        if first in self._families:
            return ModelMatch(None, word, self._families[first]), 1
        if _looks_like_a_name(word, first):
            close = self._similar.closest(first, limit=3, cutoff=_TYPO_CUTOFF)
            names = tuple(
                dict.fromkeys(self._by_key[k][0].name for _s, k in close if k[0] == first[0])
            )
            if names:
                return ModelMatch(None, word, names), 1
        return None, 1

    def _preferred(self, key: str) -> ModelEntry:
        return self._by_key[key][0]

    # ----------------------------------------------------------------- browsing

    def search(
        self,
        *,
        task_type: str | None = None,
        framework: str | None = None,
        max_params_m: float | None = None,
        pretrained_only: bool = True,
        limit: int = 20,
    ) -> tuple[ModelEntry, ...]:
        """Models matching every given filter, smallest first (unknown sizes last).

        timm's ``test_*`` smoke-test networks are never returned.

        With ``max_params_m`` only models with a known parameter count qualify — "small" must be
        a fact, not a guess.
        """
        chosen = [
            e
            for e in self._entries
            if not _is_debug_model(e)
            and (task_type is None or e.task_type == task_type)
            and (framework is None or e.framework == framework)
            and (not pretrained_only or e.pretrained)
            and (max_params_m is None or (e.params_m is not None and e.params_m <= max_params_m))
        ]
        chosen.sort(
            key=lambda e: (e.params_m is None, e.params_m or 0.0, _rank(e), len(e.name), e.name)
        )
        return tuple(chosen[: max(limit, 0)])

    def describe(self, name: str) -> str | None:
        """One English paragraph about a model (task, size, input, head, licence, weights)."""
        entry = self.lookup(name)
        return None if entry is None else describe_entry(entry)


def describe_entry(entry: ModelEntry) -> str:
    """The paragraph ``Catalog.describe`` returns, for an entry already in hand."""
    task = entry.task_type.replace("_", " ")
    kind = f"{_article(entry.framework)} {entry.framework} {task} model"
    parts = [f"{entry.name} is {kind} of the {entry.family} family"]
    parts.append(
        f"with {entry.params_m:g} M parameters"
        if entry.params_m is not None
        else "(parameter count not published)"
    )
    text = " ".join(parts) + "."
    if entry.pretrained:
        tags = entry.pretrained_tags
        shown = ", ".join(tags[:4]) + (f" and {len(tags) - 4} more" if len(tags) > 4 else "")
        text += f" Pretrained weights: {shown} (default {tags[0]})."
        if entry.input_size:
            text += f" The default weights expect {entry.input_size}×{entry.input_size} px input"
            text += f" and a head of {entry.num_classes} classes." if entry.num_classes else "."
    else:
        text += " No pretrained weights are published for it; it trains from scratch."
    text += f" Licence: {entry.licence or 'not stated'}."
    if not entry.trainable_here:
        text += " It is listed for reference: trainchat trains with timm or ultralytics."
    return text


def _is_debug_model(entry: ModelEntry) -> bool:
    """timm's ``test_*`` models are tiny smoke-test networks, never a recommendation."""
    return entry.framework == "timm" and entry.name.startswith("test_")


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _alias_pairs(
    aliases: Mapping[str, str], by_name: Mapping[str, Sequence[ModelEntry]]
) -> Iterator[tuple[str, str]]:
    """Deprecated names from the snapshot plus ViT shorthands ("ViT-B/16")."""
    for alias, target in aliases.items():
        if target in by_name:
            yield alias, target
    sizes = {"tiny": "t", "small": "s", "base": "b", "large": "l", "huge": "h"}
    for name in by_name:
        found = re.fullmatch(r"vit_(tiny|small|base|large|huge)_patch(\d+)_224", name)
        if found:
            size, patch = found.groups()
            yield f"vit{sizes[size]}{patch}", name
            yield f"vit{size}{patch}", name


def _joined_span(text: str, tokens: list[Token]) -> str | None:
    """The original text covering ``tokens`` if only spaces separate them, else ``None``."""
    for left, right in zip(tokens, tokens[1:], strict=False):
        gap = text[left.end : right.start]
        if not gap or _SPACING.fullmatch(gap) is None:
            return None
    return text[tokens[0].start : tokens[-1].end]


def _looks_like_a_name(word: str, key: str) -> bool:
    """Model-shaped words only (letters then digits or separators), so "hello" is no typo."""
    if len(key) < 5 or not word[0].isalpha():
        return False
    return any(c.isdigit() for c in key) or "_" in word or "-" in word
