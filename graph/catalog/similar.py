"""Close-match search over catalog keys: a trigram index in front of difflib.

Why not ``difflib.get_close_matches`` over every key: with ~1,600 names it costs tens of
milliseconds per query. Trigrams shared with the query pick a few dozen candidates in well under a
millisecond, and difflib's ratio (the same score ``get_close_matches`` uses) orders them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from difflib import SequenceMatcher

__all__ = ["SimilarKeys"]

_CANDIDATES = 40


def _trigrams(key: str) -> set[str]:
    padded = f"^^{key}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class SimilarKeys:
    """An index of normalised keys answering "which keys look like this one?"."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._keys: tuple[str, ...] = tuple(dict.fromkeys(keys))
        postings: defaultdict[str, list[int]] = defaultdict(list)
        for index, key in enumerate(self._keys):
            for gram in _trigrams(key):
                postings[gram].append(index)
        self._postings = dict(postings)

    def closest(self, key: str, *, limit: int, cutoff: float) -> list[tuple[float, str]]:
        """Up to ``limit`` ``(score, key)`` pairs with difflib ratio ≥ ``cutoff``, best first.

        Ties go to the key closest in length, then alphabetical order, so results are stable.
        """
        if not key or limit <= 0:
            return []
        shared: Counter[int] = Counter()
        for gram in _trigrams(key):
            shared.update(self._postings.get(gram, ()))
        matcher = SequenceMatcher(autojunk=False)
        matcher.set_seq2(key)
        scored: list[tuple[float, int, str]] = []
        for index, _count in shared.most_common(_CANDIDATES):
            candidate = self._keys[index]
            matcher.set_seq1(candidate)
            score = matcher.ratio()
            if score >= cutoff and candidate != key:
                scored.append((score, abs(len(candidate) - len(key)), candidate))
        scored.sort(key=lambda item: (-item[0], item[1], item[2]))
        return [(score, candidate) for score, _gap, candidate in scored[:limit]]
