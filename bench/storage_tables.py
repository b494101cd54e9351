"""The storage benchmark's results as markdown tables, one per measurement (a)–(e).

Every table puts SQLSaver next to the LangGraph saver it must beat on the same database, with the
ratio SQLSaver / peer and the issue's target for it, so a reader sees at a glance what is met.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

from bench.conversation_growth import GrowthPoint
from bench.invoke_latency import InvokeResult
from bench.report import Timings, markdown_table, ratio_cell
from bench.saver_ops import OPERATIONS
from bench.savers import IN_MEMORY, PEER_OF, SQLSAVER
from bench.storage_targets import INVOKE_TARGET
from bench.throughput import SETUPS, ThroughputResult

__all__ = [
    "invoke_table",
    "bytes_table",
    "operations_table",
    "growth_table",
    "throughput_table",
]


def _ms(seconds: float) -> float:
    return seconds * 1e3


def _duration(seconds: float) -> str:
    """µs below a millisecond, ms above: one readable unit per cell."""
    return f"{seconds * 1e6:,.0f} µs" if seconds < 1e-3 else f"{seconds * 1e3:,.2f} ms"


def invoke_table(results: Sequence[InvokeResult]) -> str:
    """(a) ms per invoke: mean, p50, p95, and SQLSaver's (and the in-memory floor's) mean over
    the peer's."""
    peer_mean = {r.backend: r.timings.mean for r in results if r.label == PEER_OF[r.backend]}
    rows = []
    for r in results:
        t = r.timings
        peer = peer_mean.get(r.backend)
        if r.label == SQLSAVER:
            ratio = ratio_cell(t.mean, peer, INVOKE_TARGET, lower_is_better=True)
        elif r.label == IN_MEMORY and peer:
            ratio = f"{t.mean / peer:.2f}× (no database: the floor)"
        else:
            ratio = "—"
        rows.append(
            [
                r.backend,
                r.label,
                len(t.samples),
                _ms(t.mean),
                _ms(t.quantile(0.5)),
                _ms(t.quantile(0.95)),
                ratio,
            ]
        )
    header = ["database", "saver", "invokes", "mean ms", "p50 ms", "p95 ms", "SQLSaver / peer"]
    return markdown_table(header, rows)


def bytes_table(results: Sequence[InvokeResult]) -> str:
    """(c) bytes per checkpoint of the invoke workload's state."""
    peer = {r.backend: r.bytes_per_checkpoint for r in results if r.label == PEER_OF[r.backend]}
    rows = [
        [
            r.backend,
            r.label,
            r.checkpoints,
            r.bytes_used,
            round(r.bytes_per_checkpoint),
            ratio_cell(r.bytes_per_checkpoint, peer.get(r.backend), "≤ 0.6×", lower_is_better=True)
            if r.label == SQLSAVER
            else "—",
        ]
        for r in results
        if r.label != IN_MEMORY
    ]
    header = ["database", "saver", "checkpoints", "bytes", "bytes / checkpoint", "SQLSaver / peer"]
    return markdown_table(header, rows)


def operations_table(by_backend: Mapping[str, Mapping[str, Mapping[str, Timings]]]) -> str:
    """(b) time per call of each operation, peer and SQLSaver side by side (mean and median)."""
    rows = []
    for backend, by_label in by_backend.items():
        peer, ours = by_label.get(PEER_OF[backend]), by_label.get(SQLSAVER)
        for op in OPERATIONS:
            peer_t = peer[op] if peer else None
            ours_t = ours[op] if ours else None
            rows.append(
                [
                    backend,
                    op,
                    len(peer_t.samples) if peer_t else 0,
                    _duration(peer_t.mean) if peer_t else "n/a",
                    _duration(peer_t.quantile(0.5)) if peer_t else "n/a",
                    _duration(ours_t.mean) if ours_t else "n/a",
                    _duration(ours_t.quantile(0.5)) if ours_t else "n/a",
                    ratio_cell(
                        ours_t.mean if ours_t else None,
                        peer_t.mean if peer_t else None,
                        "≤ 1×",
                        lower_is_better=True,
                    ),
                ]
            )
    header = [
        "database",
        "operation",
        "calls",
        "peer mean",
        "peer p50",
        "SQLSaver mean",
        "SQLSaver p50",
        "SQLSaver / peer (mean)",
    ]
    return markdown_table(header, rows)


def growth_table(by_backend: Mapping[str, Sequence[GrowthPoint]]) -> str:
    """(d) bytes and latest-state read time of one conversation as it grows."""
    rows = []
    for backend, points in by_backend.items():
        peer_bytes = {
            (p.channel, p.turns): p.bytes_used for p in points if p.label == PEER_OF[backend]
        }
        order = sorted(
            points,
            key=lambda p: (p.channel != "add_messages", p.turns, p.label != PEER_OF[backend]),
        )
        for p in order:
            peer = peer_bytes.get((p.channel, p.turns))
            ratio = f"{p.bytes_used / peer:.2f}×" if p.label == SQLSAVER and peer else "—"
            rows.append(
                [
                    backend,
                    p.channel,
                    p.turns,
                    p.label,
                    p.checkpoints,
                    p.bytes_used,
                    round(p.bytes_used / p.turns),
                    ratio,
                    _ms(p.get_state.quantile(0.5)),
                    _ms(p.get_tuple.quantile(0.5)),
                ]
            )
    header = [
        "database",
        "messages",
        "turns",
        "saver",
        "checkpoints",
        "bytes",
        "bytes / turn",
        "bytes SQLSaver / peer",
        "get_state ms (p50)",
        "get_tuple ms (p50)",
    ]
    return markdown_table(header, rows)


def throughput_table(results: Sequence[ThroughputResult]) -> str:
    """(e) median turns/s per set-up over the rounds, SQLSaver against PostgresSaver's same and
    best set-up; the spread of the rounds shows how much the shared machine moved the figures."""
    rounds: dict[tuple[str, str], list[ThroughputResult]] = {}
    for r in results:
        rounds.setdefault((r.label, r.setup), []).append(r)
    median = {
        key: statistics.median(r.turns_per_second for r in group) for key, group in rounds.items()
    }
    peer = {setup: rate for (label, setup), rate in median.items() if label == "PostgresSaver"}
    best_peer = max(peer.values(), default=None)
    rows = []
    for (label, setup), group in sorted(rounds.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        rate, is_ours = median[(label, setup)], label == SQLSAVER
        same = peer.get("shared" if setup == "shared+lock" else setup)
        rates = [r.turns_per_second for r in group]
        rows.append(
            [
                label,
                SETUPS[setup].replace("N", str(group[0].workers)),
                f"{len(group)} × {group[0].turns}",
                rate,
                f"{min(rates):.0f}–{max(rates):.0f}",
                statistics.median(r.cpu_ms_per_turn for r in group),
                ratio_cell(rate, same, "≥ 1.5×", lower_is_better=False) if is_ours else "—",
                ratio_cell(rate, best_peer, "≥ 1.5×", lower_is_better=False) if is_ours else "—",
            ]
        )
    header = [
        "saver",
        "set-up",
        "rounds × turns",
        "turns/s (median)",
        "range",
        "client CPU ms / turn",
        "× PostgresSaver, same set-up",
        "× best PostgresSaver set-up",
    ]
    return markdown_table(header, rows)
