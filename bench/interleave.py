"""Run the savers' workloads in alternation, so background load falls on all of them alike.

The machine is shared (2 cores, other jobs running). Measuring saver A for a minute and then
saver B would let a burst of someone else's work land on one of them only. Each workload is a
generator that does a small slice of its work per ``next()``; ``round_robin`` alternates the
slices until every workload is done.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["round_robin"]


def round_robin(workloads: list[Iterator[None]]) -> None:
    """Advance each workload one slice at a time, in turn, until all are exhausted."""
    active = list(workloads)
    while active:
        for workload in list(active):
            try:
                next(workload)
            except StopIteration:
                active.remove(workload)
