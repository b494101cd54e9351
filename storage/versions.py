"""The suffix that keeps channel versions of sibling forks apart, cheaply stored.

A channel version is ``"<10-digit counter>.<16-digit suffix>"``. Two forks of one checkpoint
bump a channel from the same counter, so the suffix is what keeps their versions (and the blobs
keyed by them) apart. LangGraph's own SQL savers use 16 random digits; here it is 8 random digits
chosen once per process (again in a forked child) followed by that process's 8-digit call count:

* within a process, no two calls share a count;
* two processes share a prefix with odds of 1 in 10**8, and even then collide only if their
  counts meet on the same channel of the same thread at the same counter;
* a checkpoint row holds one version per channel and per node that has run; versions written by
  one process share their random prefix and differ only in a few digits of counter and count, so
  the row compresses to a fraction of what 16 random digits per version cost.
"""

from __future__ import annotations

import itertools
import os
import random

__all__ = ["VERSION_DIGITS", "next_suffix"]

VERSION_DIGITS = 10
"""Width of a version's counter (``SQLSaver.get_next_version``)."""

_SPAN = 10**8


def _fresh_prefix() -> int:
    return random.SystemRandom().randrange(_SPAN)


_prefix = _fresh_prefix()
_calls = itertools.count(1)  # next() is atomic under the GIL: safe from many threads


def _after_fork_in_child() -> None:
    global _prefix
    _prefix = _fresh_prefix()


os.register_at_fork(after_in_child=_after_fork_in_child)


def next_suffix() -> str:
    """The next 16-digit suffix of this process."""
    return f"{_prefix:08}{next(_calls) % _SPAN:08}"
