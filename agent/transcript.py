"""The whole conversation behind a checkpoint, read back from the chain of checkpoints.

A state keeps only its newest messages (``graph.state.RECENT_MESSAGES``) so that a turn costs
the same at turn 1,000 as at turn 10. Every checkpoint still holds the messages of its own turn,
so the conversation up to any checkpoint is the union of the messages along its parent chain,
oldest first. The chain is followed by ``parent_config`` (not by time), so a fork's transcript
is its own past plus the branch, never the sibling branch's messages.

One ``get_state_history`` of the thread is read, then walked in memory: a thread of 1,000 turns
reads once, not 1,000 times.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableConfig

__all__ = ["transcript", "checkpoint_chain"]


def _id(config: RunnableConfig | None) -> str | None:
    value = ((config or {}).get("configurable") or {}).get("checkpoint_id")
    return None if value is None else str(value)


def checkpoint_chain(agent: Any, run_config: RunnableConfig) -> list[Any]:
    """The snapshots from the thread's first checkpoint to the one ``run_config`` addresses
    (the latest when it names none), following parent links; empty for an unknown thread."""
    target = agent.get_state(run_config)
    target_id = _id(target.config)
    if target_id is None:
        return []
    configurable = dict(run_config.get("configurable") or {})
    configurable.pop("checkpoint_id", None)
    by_id = {_id(s.config): s for s in agent.get_state_history({"configurable": configurable})}
    chain: list[Any] = []
    current: str | None = target_id
    while current is not None and current in by_id:
        snapshot = by_id[current]
        chain.append(snapshot)
        current = _id(snapshot.parent_config)
    chain.reverse()
    return chain


def transcript(agent: Any, run_config: RunnableConfig) -> tuple[BaseMessage, ...]:
    """Every message of the conversation up to the checkpoint ``run_config`` addresses.

    Messages are in the order they were first said; a message later replaced under its id (as
    ``add_messages`` allows) shows its newest content.
    """
    order: dict[str, BaseMessage] = {}
    for snapshot in checkpoint_chain(agent, run_config):
        for message in (snapshot.values or {}).get("messages", ()):
            order[str(message.id)] = message
    return tuple(order.values())
