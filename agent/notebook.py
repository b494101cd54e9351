"""Notebook helpers: rich display of turns, configs, jobs, runs, the graph and a thread's history.

``enable_rich_display()`` teaches IPython to render every ``TrainingConfig`` and
``TrainingJob`` as an HTML table (and Markdown for Markdown-only front ends) without the graph
package depending on IPython. The ``show_*`` functions wrap LangGraph results in small objects
with ``_repr_html_`` / ``_repr_markdown_`` so a cell's last expression displays nicely — and
stays a plain object you can inspect.
"""

from __future__ import annotations

import html
from typing import Any

from agent.display import ConfigView, JobView, config_html, job_html, step_label

__all__ = [
    "enable_rich_display",
    "TurnView",
    "HistoryView",
    "MermaidView",
    "show_turn",
    "show_history",
    "show_graph",
    "wait_for_run",
    "plot_run",
    "RunView",
    "ConfigView",
    "JobView",
]


def enable_rich_display(shell: Any = None) -> bool:
    """Register HTML/Markdown renderers for configs and jobs; ``False`` outside IPython."""
    if shell is None:
        try:
            from IPython.core.getipython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()  # type: ignore[no-untyped-call]
    if shell is None:
        return False
    formatters = shell.display_formatter.formatters
    formatters["text/html"].for_type_by_name("graph.config", "TrainingConfig", config_html)
    formatters["text/markdown"].for_type_by_name(
        "graph.config", "TrainingConfig", lambda config: ConfigView(config)._repr_markdown_()
    )
    formatters["text/html"].for_type_by_name("graph.job", "TrainingJob", job_html)
    return True


class TurnView:
    """One turn's result (``agent.invoke`` output): the exchange, the step and the config."""

    def __init__(self, out: Any) -> None:
        self.out = out
        """The mapping ``agent.invoke`` returned (messages, config, step, ...)."""

    @property
    def reply(self) -> str:
        """The agent's reply to the latest message."""
        from graph.state import last_reply_text

        return last_reply_text(self.out["messages"])

    @property
    def question(self) -> str:
        """The latest user message."""
        from graph.state import last_user_text

        return last_user_text(self.out["messages"])

    def _repr_html_(self) -> str:
        reply = html.escape(self.reply).replace("\n", "<br>")
        return (
            "<div style='font-family:system-ui,sans-serif;font-size:13px'>"
            f"<div><b>you</b> › {html.escape(self.question)}</div>"
            f"<div style='margin:4px 0 8px 0;padding:6px;background:#f3f6fb'>{reply}</div>"
            f"{config_html(self.out['config'], self.out['step'])}</div>"
        )

    def _repr_markdown_(self) -> str:
        return (
            f"**you** › {self.question}\n\n{self.reply}\n\n"
            + ConfigView(self.out["config"], self.out["step"])._repr_markdown_()
        )

    def __repr__(self) -> str:
        return f"{self.reply}\n[step {step_label(self.out['step'])}]"


class HistoryView:
    """A thread's checkpoints, oldest first, with what changed at each (see ``HistoryRow``)."""

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows
        """The ``HistoryRow`` list, oldest first."""

    def _repr_html_(self) -> str:
        cells = "".join(
            "<tr>"
            f"<td>{number}</td><td><code>{html.escape(row.checkpoint_id[-8:])}</code></td>"
            f"<td>{html.escape(row.source)}</td><td>{html.escape(step_label(row.step))}</td>"
            f"<td>{'<br>'.join(html.escape(change) for change in row.changes) or '—'}</td></tr>"
            for number, row in enumerate(self.rows)
        )
        head = "<tr><th>#</th><th>checkpoint</th><th>source</th><th>step</th><th>changed</th></tr>"
        return (
            "<table style='font-family:system-ui,sans-serif;font-size:12px;text-align:left'>"
            f"{head}{cells}</table>"
        )

    def __repr__(self) -> str:
        return "\n".join(
            f"{number:>3} {row.source:<6} {step_label(row.step):<20} {'; '.join(row.changes)}"
            for number, row in enumerate(self.rows)
        )


class MermaidView:
    """Mermaid source of a graph; Markdown front ends (JupyterLab, GitHub) draw it."""

    def __init__(self, source: str) -> None:
        self.source = source
        """The Mermaid text from ``get_graph().draw_mermaid()``."""

    def _repr_markdown_(self) -> str:
        return f"```mermaid\n{self.source.strip()}\n```"

    def __repr__(self) -> str:
        return self.source


def show_turn(out: Any) -> TurnView:
    """Wrap ``agent.invoke(...)``'s result for display: exchange, step and config table."""
    return TurnView(out)


def show_history(agent: Any, run_config: dict[str, Any]) -> HistoryView:
    """Every checkpoint of the thread in ``run_config``, oldest first, with what changed."""
    from agent.cli.timeline import checkpoint_rows

    return HistoryView(checkpoint_rows(agent, run_config))


def show_graph(agent: Any) -> MermaidView:
    """The agent's state machine as a Mermaid diagram."""
    return MermaidView(agent.get_graph().draw_mermaid())


class RunView:
    """A training run as an HTML table: status, epoch k/N, the latest metrics, weights, error."""

    def __init__(self, run: Any) -> None:
        self.run = run
        """The ``TrainingRun``."""

    def _repr_html_(self) -> str:
        run = self.run
        rows = [("status", run.status), ("epoch", f"{run.epoch}/{run.epochs}")]
        rows += [(name, f"{value:.4g}") for name, value in run.metrics_dict().items()]
        rows += [("weights", run.weights or "—"), ("folder", run.output_dir)]
        if run.error:
            rows.append(("error", run.error))
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(name)}</th>"
            f"<td style='text-align:left'>{html.escape(str(value))}</td></tr>"
            for name, value in rows
        )
        return f"<table><caption>TrainingRun {html.escape(run.run_id)}</caption>{body}</table>"

    def __repr__(self) -> str:
        return repr(self.run)


def wait_for_run(
    agent: Any, run_config: dict[str, Any], *, timeout: float = 600.0, poll: float = 0.5
) -> RunView:
    """Wait until the thread's run ends (its worker reports into the conversation) and return it.

    Raises ``TimeoutError`` after ``timeout`` seconds with the run as last seen; the run itself
    goes on (stop it by saying "stop training").
    """
    import time

    from agent.training.reporting import stored_run

    deadline = time.monotonic() + timeout
    while True:
        run = stored_run(agent.get_state(run_config).values or {})
        if run is None:
            raise ValueError("this thread has no training run: say 'start training' first")
        if not run.active:
            return RunView(run)
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run.run_id} still {run.status} after {timeout:.0f} s")
        time.sleep(poll)


def plot_run(run: Any) -> Any:
    """The loss and the main metric against epoch (matplotlib figure; needs the train extra)."""
    from agent.run_display import plot_history

    return plot_history(run.run if isinstance(run, RunView) else run)
