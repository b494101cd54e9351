"""A conversation's checkpoints as a timeline: when, which step, and what changed at each.

LangGraph's ``get_state_history`` gives full snapshots, newest first; people want the
differences, oldest first. This derives them from the public API only (snapshot values and
metadata), so it works for any saver and is shared by ``trainchat history``, the chat's
``/history`` and the notebook helpers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from agent.training.reporting import stored_run

__all__ = ["HistoryRow", "checkpoint_rows", "describe_changes", "new_messages"]


@dataclass(frozen=True)
class HistoryRow:
    """One checkpoint of a conversation, as ``trainchat history`` lists it (oldest first)."""

    checkpoint_id: str
    """LangGraph's checkpoint id (pass it as ``checkpoint_id`` to fork from here)."""
    created_at: str | None
    """When the checkpoint was written (ISO 8601, UTC)."""
    source: str
    """LangGraph's metadata source: input, loop, update or fork."""
    step: str | None
    """The conversation step stored in this checkpoint."""
    changes: tuple[str, ...]
    """What changed from the previous checkpoint: ``field=value``, ``step a → b``, messages,
    ``run <id> running epoch 2/5 top1 0.4``."""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of this row."""
        return {
            "checkpoint_id": self.checkpoint_id,
            "created_at": self.created_at,
            "source": self.source,
            "step": self.step,
            "changes": list(self.changes),
        }


def checkpoint_rows(agent: Any, run_config: dict[str, Any]) -> list[HistoryRow]:
    """Every checkpoint of the thread addressed by ``run_config``, oldest first."""
    snapshots = list(agent.get_state_history(run_config))
    snapshots.reverse()
    rows: list[HistoryRow] = []
    previous: dict[str, Any] = {}
    for snapshot in snapshots:
        values = dict(snapshot.values or {})
        rows.append(
            HistoryRow(
                checkpoint_id=str(snapshot.config["configurable"].get("checkpoint_id", "")),
                created_at=snapshot.created_at,
                source=str((snapshot.metadata or {}).get("source", "")),
                step=_step(values) if values else None,
                changes=describe_changes(previous, values),
            )
        )
        previous = values
    return rows


def describe_changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, ...]:
    """Human-readable differences between two checkpoints' values (config, step, messages, run)."""
    changes: list[str] = []
    for message in new_messages(before.get("messages", ()), after.get("messages", ())):
        who = "you" if getattr(message, "type", "") == "human" else "agent"
        text = message.text if isinstance(message.text, str) else str(message.content)
        changes.append(f"{who}: {_clip(text)}")
    if after and _step(before) != _step(after):
        changes.append(f"step {_step(before)} → {_step(after)}")
    old_config, new_config = before.get("config"), after.get("config")
    if new_config is not None:
        old = old_config.filled() if old_config is not None else {}
        new = new_config.filled()
        for name in type(new_config).model_fields:
            if name in new and old.get(name) != new[name]:
                changes.append(f"{name}={new[name]}")
            elif name in old and name not in new:
                changes.append(f"{name} cleared")
    new_run = stored_run(after)
    if new_run is not None and new_run != stored_run(before):
        changes.append(_run_change(new_run))
    return tuple(changes)


def _run_change(run: Any) -> str:
    """``run <id> running epoch 2/5 top1 0.4`` (a training worker's report, or a start/stop)."""
    from agent.run_display import main_value

    text = f"run {run.run_id} {run.status} epoch {run.epoch}/{run.epochs}"
    value = main_value(run)
    if value is not None:
        text += f" {run.main_metric} {value:.4g}"
    return text + (f" ({_clip(run.error)})" if run.error else "")


def new_messages(before: Iterable[Any], after: Iterable[Any]) -> tuple[Any, ...]:
    """The messages of ``after`` that ``before`` does not hold (by id), in order.

    A state keeps only its newest messages (``graph.state.RECENT_MESSAGES``), so a message
    that scrolled out of ``before`` is not new in ``after``: ids, not positions, tell.
    """
    seen = {getattr(message, "id", None) for message in before}
    return tuple(message for message in after if getattr(message, "id", None) not in seen)


def _clip(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _step(values: dict[str, Any]) -> str:
    # A channel LangGraph has not written yet holds the state model's default: the first step.
    return str(values.get("step", "select_model"))
