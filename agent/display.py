"""How a conversation's state looks: rich panels for terminals, HTML/Markdown for notebooks.

The layout is derived from the slot declarations (``graph.slot_specs``: each slot's step, in
declaration order), so a new slot shows up in the CLI panel and the notebook table without
touching this file. Both renderings group the fields the way the conversation
asks for them: the model, the dataset, then the training hyperparameters.
"""

from __future__ import annotations

import html
from typing import Any

__all__ = [
    "STEP_ORDER",
    "step_label",
    "config_groups",
    "config_panel",
    "print_turn",
    "history_table",
    "threads_table",
    "job_panel",
    "config_html",
    "config_markdown",
    "job_html",
    "ConfigView",
    "JobView",
]

STEP_ORDER = ("select_model", "dataset", "hyperparameters", "confirm")
"""The four steps a configuration walks through; ``done`` comes after the last."""

_STEP_TITLES = {
    "select_model": "model",
    "dataset": "dataset",
    "hyperparameters": "hyperparameters",
    "confirm": "confirm",
}


def step_label(step: str | None) -> str:
    """``"2/4 dataset"`` for a step; ``"done ✓"`` once confirmed."""
    if step == "done":
        return "done ✓"
    if step in STEP_ORDER:
        return f"{STEP_ORDER.index(step) + 1}/{len(STEP_ORDER)} {_STEP_TITLES[step]}"
    return step or "—"


def config_groups(config: Any) -> list[tuple[str, list[tuple[str, Any]]]]:
    """The config's fields grouped as the conversation asks them: model, dataset, training.

    Values are ``None`` where nothing was given yet; the training group lists only the
    hyperparameters that have a value (there are many and most stay at the default).
    """
    from graph.slot_specs import SLOT_SPECS

    def fields(step: str) -> list[tuple[str, Any]]:
        return [(s.name, getattr(config, s.name)) for s in SLOT_SPECS if s.step == step]

    training = [(name, value) for name, value in fields("hyperparameters") if value is not None]
    return [
        ("model", fields("select_model")),
        ("dataset", fields("dataset")),
        ("training", training),
    ]


def _compact_line(group: str, items: list[tuple[str, Any]]) -> str:
    """One line per group: the main value, then the others in parentheses."""
    if group == "training":
        return " · ".join(f"{name} {_fmt(value)}" for name, value in items)
    main_name, main_value = items[0] if group == "dataset" else _model_first(items)
    rest = [
        _labelled(name, value) for name, value in items if name != main_name and value is not None
    ]
    head = _fmt(main_value) if main_value is not None else ""
    if rest:
        return f"{head} ({', '.join(rest)})".strip()
    return head


def _labelled(name: str, value: Any) -> str:
    """A secondary value as the compact line shows it ("3 classes", "from scratch")."""
    if name == "num_classes":
        return f"{value} classes"
    if name == "pretrained":
        return "pretrained" if value else "from scratch"
    if name == "weights":
        return f"weights {value}"
    return _fmt(value)


def _model_first(items: list[tuple[str, Any]]) -> tuple[str, Any]:
    for name, value in items:
        if name == "model_name":
            return name, value
    return items[0]


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def config_panel(config: Any, step: str | None, *, title: str | None = None) -> Any:
    """A compact rich ``Panel``: one line per group and the step in the subtitle."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column(min_width=24)  # room for the step subtitle even when little is set
    for group, items in config_groups(config):
        line = _compact_line(group, items) if items else ""
        grid.add_row(group, Text(line) if line else Text("—", style="dim"))
    return Panel(
        grid,
        title=title or "configuration",
        title_align="left",
        subtitle=f"step {step_label(step)}",
        subtitle_align="right",
        border_style="green" if step == "done" else "blue",
        expand=False,
    )


def print_turn(console: Any, turn: Any) -> None:
    """A turn in a terminal: the reply as plain text, then the compact config panel.

    The reply is printed as ``Text``, never parsed as rich markup: it may quote a path or a
    user's words containing brackets.
    """
    from rich.text import Text

    console.print(Text(turn.reply))
    console.print(config_panel(turn.config, turn.step, title=f"thread {turn.thread}"))
    if getattr(turn, "run", None) is not None:
        from agent.run_display import run_panel

        console.print(run_panel(turn.run))


def history_table(rows: list[Any]) -> Any:
    """A rich table of checkpoints: number, time, source, step and what changed."""
    from rich.table import Table

    table = Table(title="history (oldest first)", title_justify="left", show_lines=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("time (UTC)", no_wrap=True)
    table.add_column("source", style="dim")
    table.add_column("step", no_wrap=True)
    table.add_column("changed")
    for number, row in enumerate(rows):
        table.add_row(
            str(number),
            _short_time(row.created_at),
            row.source,
            step_label(row.step) if row.step else "—",
            "\n".join(row.changes) or "—",
        )
    return table


def threads_table(rows: list[Any]) -> Any:
    """A rich table of conversations: id, step, model, last change, checkpoints."""
    from rich.table import Table

    table = Table(title="threads", title_justify="left")
    table.add_column("thread", style="bold")
    table.add_column("step", no_wrap=True)
    table.add_column("model")
    table.add_column("last change (UTC)", no_wrap=True)
    table.add_column("checkpoints", justify="right", style="dim")
    for row in rows:
        table.add_row(
            row.thread,
            step_label(row.step),
            row.model or "—",
            _short_time(row.last_change),
            str(row.checkpoints),
        )
    return table


def job_panel(job: Any) -> Any:
    """The confirmed job: its command line, in a green panel."""
    from rich.panel import Panel

    return Panel(
        job.command_line(),
        title="confirmed job — run it with",
        title_align="left",
        border_style="green",
        expand=False,
    )


def _short_time(value: str | None) -> str:
    if not value:
        return "—"
    # "2026-11-26T09:30:40.123456+00:00" -> "2026-11-26 09:30:40"
    return value.replace("T", " ")[:19]


# --- notebooks ---------------------------------------------------------------------------

_CSS = (
    "border-collapse:collapse;font-family:system-ui,sans-serif;font-size:13px;border:1px solid #ccc"
)


def config_html(config: Any, step: str | None = None) -> str:
    """An HTML table of every field, grouped, with unset fields greyed out."""
    rows = []
    for group, items in config_groups(config):
        shown = items if group != "training" else items or [("(none yet)", None)]
        for index, (name, value) in enumerate(shown):
            label = (
                f"<th rowspan='{len(shown)}' style='text-align:left;padding:2px 8px'>{group}</th>"
            )
            cell = (
                f"<code>{html.escape(_fmt(value))}</code>"
                if value is not None
                else "<span style='color:#999'>—</span>"
            )
            rows.append(
                "<tr>"
                + (label if index == 0 else "")
                + f"<td style='padding:2px 8px'>{html.escape(name)}</td>"
                + f"<td style='padding:2px 8px'>{cell}</td></tr>"
            )
    caption = (
        f"<caption style='text-align:left'><b>TrainingConfig</b> — step {html.escape(step_label(step))}</caption>"
        if step
        else "<caption style='text-align:left'><b>TrainingConfig</b></caption>"
    )
    return f"<table style='{_CSS}'>{caption}{''.join(rows)}</table>"


def config_markdown(config: Any, step: str | None = None) -> str:
    """A Markdown table of the fields that have a value (for Markdown-only front ends)."""
    lines = [f"**TrainingConfig** — step {step_label(step)}" if step else "**TrainingConfig**", ""]
    lines += ["| field | value |", "| --- | --- |"]
    for name, value in config.filled().items():
        lines.append(f"| {name} | `{_fmt(value)}` |")
    return "\n".join(lines)


def job_html(job: Any) -> str:
    """The job's command line and its YAML export, as HTML."""
    command = html.escape(job.command_line())
    yaml_text = html.escape(job.to_yaml())
    return (
        "<div style='font-family:system-ui,sans-serif;font-size:13px'>"
        "<b>TrainingJob</b> — run it with:"
        f"<pre style='background:#f4fff4;padding:6px;white-space:pre-wrap'>{command}</pre>"
        f"<details><summary>YAML</summary><pre>{yaml_text}</pre></details></div>"
    )


class ConfigView:
    """Wraps a ``TrainingConfig`` (and optionally its step) for rich notebook display."""

    def __init__(self, config: Any, step: str | None = None) -> None:
        self.config = config
        """The frozen config shown."""
        self.step = step
        """The conversation step shown in the caption, if known."""

    def _repr_html_(self) -> str:
        return config_html(self.config, self.step)

    def _repr_markdown_(self) -> str:
        return config_markdown(self.config, self.step)

    def __repr__(self) -> str:
        return f"ConfigView({self.config!r}, step={self.step!r})"


class JobView:
    """Wraps a ``TrainingJob`` for rich notebook display."""

    def __init__(self, job: Any) -> None:
        self.job = job
        """The confirmed job shown."""

    def _repr_html_(self) -> str:
        return job_html(self.job)

    def _repr_markdown_(self) -> str:
        return f"**TrainingJob**\n\n```\n{self.job.command_line()}\n```"

    def __repr__(self) -> str:
        return f"JobView({self.job!r})"
