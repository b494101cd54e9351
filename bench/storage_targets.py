"""Issue 2's targets for SQLSaver, checked against the figures of the same run.

The tables (a)–(e) hold every figure; this module picks out the ones the issue sets a target for
and puts them in one table at the top of the Storage section, so a rerun states what is met and
what is missed without anyone rewriting a summary by hand.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

from bench.invoke_latency import InvokeResult
from bench.report import Timings, markdown_table, ratio_cell
from bench.saver_ops import OPERATIONS
from bench.savers import PEER_OF, SQLSAVER
from bench.throughput import ThroughputResult

__all__ = [
    "INVOKE_TARGET",
    "Verdict",
    "invoke_verdicts",
    "operation_verdicts",
    "bytes_verdicts",
    "throughput_verdicts",
    "targets_table",
]

INVOKE_TARGET = "≤ 0.85×"
"""Issue 12: an invoke at most 0.85× the peer's; every other row of (a) and (b) at most 1×."""

Verdict = list[str]
"""One row of the targets table: target, database, SQLSaver vs peer, ratio and outcome."""


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs" if seconds < 1e-3 else f"{seconds * 1e3:,.2f} ms"


def _pairs(results: Sequence[InvokeResult]) -> dict[str, tuple[InvokeResult, InvokeResult]]:
    by = {(r.backend, r.label): r for r in results}
    return {
        backend: (by[(backend, SQLSAVER)], by[(backend, peer)])
        for backend, peer in PEER_OF.items()
        if (backend, SQLSAVER) in by and (backend, peer) in by
    }


def invoke_verdicts(results: Sequence[InvokeResult]) -> list[Verdict]:
    """(a): mean ms per invoke, at most 0.85× the peer's (issue 12)."""
    return [
        [
            "(a) ms per invoke (mean)",
            backend,
            f"{ours.timings.mean * 1e3:.2f} vs {peer.timings.mean * 1e3:.2f} ms",
            ratio_cell(ours.timings.mean, peer.timings.mean, INVOKE_TARGET, lower_is_better=True),
        ]
        for backend, (ours, peer) in _pairs(results).items()
    ]


def bytes_verdicts(results: Sequence[InvokeResult]) -> list[Verdict]:
    """(c): bytes per checkpoint, at most 0.6× the peer's."""
    return [
        [
            "(c) bytes per checkpoint",
            backend,
            f"{ours.bytes_per_checkpoint:,.0f} vs {peer.bytes_per_checkpoint:,.0f}",
            ratio_cell(
                ours.bytes_per_checkpoint, peer.bytes_per_checkpoint, "≤ 0.6×", lower_is_better=True
            ),
        ]
        for backend, (ours, peer) in _pairs(results).items()
    ]


def operation_verdicts(
    by_backend: Mapping[str, Mapping[str, Mapping[str, Timings]]],
) -> list[Verdict]:
    """(b): each operation's mean time per call, no slower than the peer."""
    rows = []
    for backend, by_label in by_backend.items():
        ours, peer = by_label.get(SQLSAVER), by_label.get(PEER_OF[backend])
        if ours is None or peer is None:
            continue
        for op in OPERATIONS:
            mine, theirs = ours[op].mean, peer[op].mean
            rows.append(
                [
                    f"(b) {op} (mean)",
                    backend,
                    f"{_us(mine)} vs {_us(theirs)}",
                    ratio_cell(mine, theirs, "≤ 1×", lower_is_better=True),
                ]
            )
    return rows


def throughput_verdicts(results: Sequence[ThroughputResult]) -> list[Verdict]:
    """(e): turns/s with 8 workers, at least 1.5× PostgresSaver (same set-up, and its best)."""
    medians: dict[tuple[str, str], float] = {}
    for key in {(r.label, r.setup) for r in results}:
        medians[key] = statistics.median(
            r.turns_per_second for r in results if (r.label, r.setup) == key
        )
    peer = {setup: rate for (label, setup), rate in medians.items() if label != SQLSAVER}
    ours = medians.get((SQLSAVER, "shared"))
    if ours is None or not peer:
        return []
    best_setup = max(peer, key=lambda setup: peer[setup])
    rows = [
        [
            "(e) turns/s, one shared saver each",
            "postgres",
            f"{ours:.0f} vs {peer.get('shared', float('nan')):.0f}",
            ratio_cell(ours, peer.get("shared"), "≥ 1.5×", lower_is_better=False),
        ],
        [
            f"(e) turns/s, vs PostgresSaver's best set-up ({best_setup})",
            "postgres",
            f"{ours:.0f} vs {peer[best_setup]:.0f}",
            ratio_cell(ours, peer[best_setup], "≥ 1.5×", lower_is_better=False),
        ],
    ]
    return rows


def targets_table(verdicts: Sequence[Verdict]) -> str:
    """The targets table, in the order the verdicts were collected."""
    header = ["target", "database", "SQLSaver vs peer", "SQLSaver / peer"]
    ordered: list[Verdict] = sorted(verdicts, key=_measurement)
    return markdown_table(header, ordered)


def _measurement(row: Verdict) -> str:
    """ "(a)" … "(e)": sorting on it keeps each measurement's rows in their own order."""
    return row[0][:3]
