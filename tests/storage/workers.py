"""Code run in child processes by the concurrency and crash tests (spawned, so importable)."""

from __future__ import annotations

import os
import pathlib
import time
from typing import Any

from storage import SQLSaver

__all__ = ["hold_lock_forever", "item", "run_setup", "take_turns", "thread_of"]


def thread_of(worker: int, turn: int, threads: int) -> str:
    """Which conversation a worker's turn goes to (every worker visits every thread)."""
    return f"conv-{(worker + turn) % threads}"


def item(worker: int, turn: int) -> str:
    """The one distinct item a turn adds."""
    return f"w{worker}-t{turn}"


def take_turns(url: str, worker: int, turns: int, threads: int, start: Any) -> None:
    """``turns`` graph invokes, each under the conversation's turn lock."""
    # Imported here: the lock and setup workers start faster without LangGraph's graph layer.
    from tests.storage.graphs import build_turn_graph, config_for

    with SQLSaver.from_url(url) as saver:
        graph = build_turn_graph(saver)
        start.wait()  # a Barrier: every worker starts at once, to maximise contention
        for turn in range(turns):
            thread_id = thread_of(worker, turn, threads)
            with saver.thread_lock(thread_id, timeout=120):
                graph.invoke({"items": [item(worker, turn)]}, config_for(thread_id))


def hold_lock_forever(url: str, thread_id: str, ready: str, lease: float) -> None:
    """Take the lock, say so through the ``ready`` file, and wait to be killed."""
    saver = SQLSaver.from_url(url, lock_lease=lease)
    lock = saver.thread_lock(thread_id, timeout=10)
    lock.__enter__()
    pathlib.Path(ready).write_text(str(os.getpid()))
    while True:
        time.sleep(1)


def run_setup(url: str, start: Any, results: Any) -> None:
    """Call ``setup`` the moment every process is ready; report the schema version after."""
    saver = SQLSaver.from_url(url)
    start.wait()
    saver.setup()
    results.put(saver.schema_version())
    saver.close()
