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

__all__ = ["transcript", "atranscript", "checkpoint_chain", "acheckpoint_chain"]


def _id(config: RunnableConfig | None) -> str | None:
    value = ((config or {}).get("configurable") or {}).get("checkpoint_id")
    return None if value is None else str(value)


def checkpoint_chain(agent: Any, run_config: RunnableConfig) -> list[Any]:
    """The snapshots from the thread's first checkpoint to the one ``run_config`` addresses
    (the latest when it names none), following parent links; empty for an unknown thread."""
    target = agent.get_state(run_config)
    if _id(target.config) is None:
        return []
    return _chain(target, list(agent.get_state_history(_thread_only(run_config))))


async def acheckpoint_chain(agent: Any, run_config: RunnableConfig) -> list[Any]:
    """Async ``checkpoint_chain``."""
    target = await agent.aget_state(run_config)
    if _id(target.config) is None:
        return []
    history = [s async for s in agent.aget_state_history(_thread_only(run_config))]
    return _chain(target, history)


def _thread_only(run_config: RunnableConfig) -> RunnableConfig:
    # A checkpoint_id would make the listing that one checkpoint only.
    configurable = dict(run_config.get("configurable") or {})
    configurable.pop("checkpoint_id", None)
    return {"configurable": configurable}


def _chain(target: Any, history: list[Any]) -> list[Any]:
    by_id = {_id(snapshot.config): snapshot for snapshot in history}
    chain: list[Any] = []
    current = _id(target.config)
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
    return _messages(checkpoint_chain(agent, run_config))


async def atranscript(agent: Any, run_config: RunnableConfig) -> tuple[BaseMessage, ...]:
    """Async ``transcript``."""
    return _messages(await acheckpoint_chain(agent, run_config))


def _messages(chain: list[Any]) -> tuple[BaseMessage, ...]:
    order: dict[str, BaseMessage] = {}
    for snapshot in chain:
        for message in (snapshot.values or {}).get("messages", ()):
            order[str(message.id)] = message
    return tuple(order.values())
