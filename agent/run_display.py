"""How a training run looks: terminal panel, runs table, progress bar, notebook plot.

Why one module: the CLI (``show``, ``runs``, ``run --wait``), the chat panel and the notebook all
show the same few things — status, epoch k/N, the loss and the main metric — and must pick
them the same way from whatever names a framework reported (``train_loss``,
``train/box_loss``, ``top1``, ``metrics/mAP50-95(B)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "STATUS_STYLES",
    "loss_of",
    "main_value",
    "run_numbers",
    "epoch_bar",
    "run_panel",
    "runs_table",
    "plot_history",
]

STATUS_STYLES = {
    "queued": "yellow",
    "running": "cyan",
    "succeeded": "green",
    "failed": "red",
    "cancelled": "magenta",
}
"""Colour of each status in the terminal."""


def loss_of(metrics: Mapping[str, float]) -> tuple[str, float] | None:
    """The loss to show: ``train_loss``/``loss`` if reported, else the sum of the ``train/…loss``
    parts (YOLO reports box, cls and dfl losses separately), else the first ``…loss``."""
    for name in ("train_loss", "loss", "train/loss"):
        if name in metrics:
            return name, float(metrics[name])
    parts = [
        value for name, value in metrics.items() if name.startswith("train/") and "loss" in name
    ]
    if parts:
        return "train loss", float(sum(parts))
    for name, value in metrics.items():
        if "loss" in name:
            return name, float(value)
    return None


def main_value(run: Any) -> float | None:
    """The run's latest main-metric value, if it reported one."""
    if run.main_metric is None:
        return None
    value = run.metrics_dict().get(run.main_metric)
    return None if value is None else float(value)


def epoch_bar(epoch: int, epochs: int, width: int = 20) -> str:
    """``█████░░░░░ 3/6`` — the epoch bar of the run panel."""
    filled = round(width * epoch / epochs) if epochs else 0
    return f"{'█' * filled}{'░' * (width - filled)} {epoch}/{epochs}"


def run_numbers(run: Any, *, loss_label: str | None = None) -> list[str]:
    """The run's latest loss and main metric as ``name value`` texts (either may be missing);
    ``loss_label`` replaces the loss's own name where space is short (the progress bar)."""
    shown = []
    loss = loss_of(run.metrics_dict())
    if loss is not None:
        shown.append(f"{loss_label or loss[0]} {loss[1]:.4g}")
    value = main_value(run)
    if value is not None:
        shown.append(f"{run.main_metric} {value:.4g}")
    return shown


def _numbers(run: Any) -> str:
    return "  ·  ".join(run_numbers(run))


def run_panel(run: Any) -> Any:
    """A rich ``Panel``: status, epoch bar, loss and main metric, weights or the error."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column()
    grid.add_row("status", Text(run.status, style=STATUS_STYLES.get(run.status, "")))
    grid.add_row("epoch", epoch_bar(run.epoch, run.epochs))
    numbers = _numbers(run)
    if numbers:
        grid.add_row("metrics", numbers)
    if run.weights:
        grid.add_row("weights", Text(run.weights))
    if run.error:
        grid.add_row("error", Text(run.error, style="red"))
    if run.status in ("failed", "cancelled"):
        grid.add_row("next", "say 'resume' or run `trainchat run --resume` to continue")
    grid.add_row("folder", Text(run.output_dir, style="dim"))
    return Panel(
        grid,
        title=f"run {run.run_id}" + (f" (attempt {run.attempt})" if run.attempt > 1 else ""),
        title_align="left",
        border_style=STATUS_STYLES.get(run.status, "blue"),
        expand=False,
    )


def runs_table(rows: list[tuple[str, Any]]) -> Any:
    """A rich table of ``(thread, run)`` pairs, newest first."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="training runs", title_justify="left")
    for name, options in (
        ("thread", {"style": "bold"}),
        ("run", {"no_wrap": True}),
        ("status", {"no_wrap": True}),
        ("epoch", {"justify": "right", "no_wrap": True}),
        ("main metric", {"no_wrap": True}),
        ("started (UTC)", {"no_wrap": True}),
        ("ended (UTC)", {"no_wrap": True}),
        ("folder", {"style": "dim", "overflow": "fold"}),
    ):
        table.add_column(name, **options)
    for thread, run in rows:
        value = main_value(run)
        table.add_row(
            thread,
            run.run_id,
            Text(run.status, style=STATUS_STYLES.get(run.status, "")),
            f"{run.epoch}/{run.epochs}",
            f"{run.main_metric} {value:.4g}" if value is not None else "—",
            (run.started_at or "—").replace("T", " ")[:19],
            (run.ended_at or "—").replace("T", " ")[:19],
            _short_path(run.output_dir),
        )
    return table


def _short_path(path: str) -> str:
    """``path`` relative to the working directory when it is inside it (the usual ``runs/…``)."""
    import os

    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative


def plot_history(run: Any, ax: Any = None) -> Any:
    """Plot the loss and the main metric against epoch (matplotlib); returns the figure.

    Two y axes, because a loss and an accuracy/mAP live on different scales.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        figure, ax = plt.subplots(figsize=(6, 3.5))
    else:
        figure = ax.figure
    epochs = [entry.epoch for entry in run.history]
    per_epoch = [{m.name: m.value for m in entry.metrics} for entry in run.history]
    losses = [loss_of(values) for values in per_epoch]
    if any(loss is not None for loss in losses):
        name = next(loss[0] for loss in losses if loss is not None)
        ax.plot(epochs, [loss[1] if loss else float("nan") for loss in losses], "o-", label=name)
        ax.set_ylabel(name)
    ax.set_xlabel("epoch")
    if run.main_metric:
        other = ax.twinx()
        values = [values.get(run.main_metric, float("nan")) for values in per_epoch]
        other.plot(epochs, values, "s--", color="tab:orange", label=run.main_metric)
        other.set_ylabel(run.main_metric)
    ax.set_title(f"run {run.run_id}: {run.status}")
    figure.legend(loc="upper center", ncols=2, fontsize="small")
    figure.tight_layout()
    return figure
