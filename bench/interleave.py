"""Run the savers' workloads in alternation, so background load falls on all of them alike.

The machine is shared (2 cores, other jobs running). Measuring saver A for a minute and then
saver B would let a burst of someone else's work land on one of them only. Each workload is a
generator that does a small slice of its work per ``next()``; ``round_robin`` alternates the
slices until every workload is done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

__all__ = ["round_robin"]


def round_robin(workloads: list[Iterator[None]], *, collect: bool = False) -> None:
    """Advance each workload one slice at a time, in turn, until all are exhausted.

    ``collect`` runs a full garbage collection (untimed) before every slice. Python's
    collector runs a full pass when the objects that survived since the last one reach a
    quarter of the heap, whoever allocated them; with LangChain loaded a pass takes
    0.1-0.2 s, so without this one saver's slice pays for garbage the other left (it moved
    `list` of a whole thread by 3x between savers depending only on their order). With it,
    each slice starts on a clean heap and pays only for collections its own objects cause.
    """
    active = list(workloads)
    while active:
        for workload in list(active):
            if collect:
                gc.collect()
            try:
                next(workload)
            except StopIteration:
                active.remove(workload)
