"""The process that gets killed: runs the known script on thread after thread, resuming after
every crash from whatever the database says was completed.

It is started from a multiprocessing fork server that imported this module first, so each
driver begins with the agent's modules, the model catalog and the offline parser already
loaded: a kill loop then spends its time in turns and commits, not in ``import``.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from graph.config import TrainingConfig
from graph.understanding import parse_message
from tests.reliability.conversation import make_agent, script, thread_config

__all__ = ["drive", "drive_async", "thread_name", "turns_done", "aturns_done"]


def thread_name(prefix: str, number: int) -> str:
    """The id of the ``number``-th conversation of a kill loop."""
    return f"{prefix}-{number}"


def turns_done(agent: Any, config: dict[str, Any]) -> int:
    """How many user turns the conversation holds (human messages of its transcript: a state
    keeps only its newest messages)."""
    return sum(1 for m in agent.transcript(config) if m.type == "human")


async def aturns_done(agent: Any, config: dict[str, Any]) -> int:
    """Async ``turns_done``."""
    return sum(1 for m in await agent.atranscript(config) if m.type == "human")


def drive(url: str, prefix: str, threads: int, dataset: str, progress: str) -> None:
    """Run the script to its end on ``threads`` conversations, appending "<n> <turn> start"
    to ``progress`` before each turn and "<n> <turn>" after it (``O_APPEND`` writes: whole
    lines or nothing), so the supervisor knows which turns completed and where a kill landed."""
    agent = make_agent(url)
    texts = script(dataset)
    fd = os.open(progress, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    for number in range(threads):
        config = thread_config(thread_name(prefix, number))
        state = agent.get_state(config)
        if state.next:
            # A half turn left by a kill (finding 1): finish it the LangGraph way.
            agent.invoke(None, config)
            state = agent.get_state(config)
        for index in range(turns_done(agent, config), len(texts)):
            os.write(fd, f"{number} {index + 1} start\n".encode())
            agent.invoke({"messages": [{"role": "user", "content": texts[index]}]}, config)
            os.write(fd, f"{number} {index + 1}\n".encode())
    os.close(fd)
    agent.checkpointer.close()


def drive_async(url: str, prefix: str, threads: int, dataset: str, progress: str) -> None:
    """``drive`` through ``ainvoke``/``aget_state``: the async engine and the async turn lock."""
    asyncio.run(_adrive(url, prefix, threads, dataset, progress))


async def _adrive(url: str, prefix: str, threads: int, dataset: str, progress: str) -> None:
    agent = make_agent(url)
    texts = script(dataset)
    fd = os.open(progress, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    for number in range(threads):
        config = thread_config(thread_name(prefix, number))
        state = await agent.aget_state(config)
        if state.next:
            await agent.ainvoke(None, config)
            state = await agent.aget_state(config)
        for index in range(await aturns_done(agent, config), len(texts)):
            os.write(fd, f"{number} {index + 1} start\n".encode())
            await agent.ainvoke({"messages": [{"role": "user", "content": texts[index]}]}, config)
            os.write(fd, f"{number} {index + 1}\n".encode())
    os.close(fd)
    await agent.checkpointer.aclose()


def _warm_up() -> None:
    """Load what the first turn would load lazily (catalog, parser tables)."""
    parse_message(script(Path("/tmp"))[0], step="select_model", config=TrainingConfig())


_warm_up()
