"""A racing worker: many turns, each sending a distinct ``epochs N`` to one of a set of threads.

Several of these run at once (processes from the fork server, each with its own agent and
pool). Every turn's outcome is appended to a JSON-lines file: the value sent, the thread, how
long it took, and any exception exactly as the user would have seen it.
"""

from __future__ import annotations

import json
import os
import time
import traceback

from tests.reliability.conversation import make_agent, thread_config

__all__ = ["epochs_value", "race", "race_thread"]


def epochs_value(worker: int, turn: int, turns: int) -> int:
    """The distinct epochs value turn ``turn`` of ``worker`` sets (1 ... workers*turns)."""
    return 1 + worker * turns + turn


def race_thread(prefix: str, worker: int, turn: int, threads: int) -> str:
    """The thread a turn goes to: spread so every thread gets turns from several workers."""
    return f"{prefix}-{(worker + turn * 7) % threads}"


def race(
    url: str, prefix: str, worker: int, turns: int, threads: int, results: str, start_at: float
) -> None:
    """Run ``turns`` turns from wall-clock time ``start_at`` (every worker starts together);
    record each as a JSON line in ``results``."""
    agent = make_agent(url)
    time.sleep(max(0.0, start_at - time.time()))
    fd = os.open(results, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    for turn in range(turns):
        value = epochs_value(worker, turn, turns)
        thread = race_thread(prefix, worker, turn, threads)
        started = time.monotonic()
        record: dict[str, object] = {"worker": worker, "thread": thread, "epochs": value}
        try:
            out = agent.invoke(
                {"messages": [{"role": "user", "content": f"epochs {value}"}]},
                thread_config(thread),
            )
            record["applied"] = out["config"].epochs == value
        except Exception as error:  # recorded: the test fails on any error a user would see
            record["error"] = f"{type(error).__name__}: {error}"
            record["trace"] = traceback.format_exc(limit=3)
        record["seconds"] = round(time.monotonic() - started, 4)
        os.write(fd, (json.dumps(record) + "\n").encode())
    os.close(fd)
    agent.checkpointer.close()
