"""Sync and async use mixed in one process: no deadlock, no InvalidStateError, any loop."""

from __future__ import annotations

import asyncio
import threading

import pytest
from langgraph.checkpoint.conformance.test_utils import (
    generate_checkpoint,
    generate_config,
    generate_metadata,
)

from storage import SQLSaver
from tests.storage.graphs import build_turn_graph, config_for


def _checkpoint(value: object) -> tuple[dict[str, object], ...]:
    return (generate_checkpoint(channel_values={"v": value}, channel_versions={"v": 1}),)


@pytest.mark.timeout(60)
async def test_sync_methods_inside_a_running_loop(saver: SQLSaver) -> None:
    """The trap of the peers' async savers: a sync call from a coroutine. Ours just runs."""
    stored = saver.put(generate_config("s"), *_checkpoint([1]), generate_metadata(), {"v": 1})
    tup = saver.get_tuple(stored)
    assert tup is not None and tup.checkpoint["channel_values"]["v"] == [1]
    assert len(list(saver.list(generate_config("s")))) == 1
    graph = build_turn_graph(saver)
    graph.invoke({"items": ["sync-in-loop"]}, config_for("g"))  # sync invoke inside the loop
    state = await graph.aget_state(config_for("g"))
    assert state.values["items"] == ["sync-in-loop"]
    await saver.aclose()


def test_async_methods_from_several_loops(saver: SQLSaver) -> None:
    """asyncio.run twice, and a loop in another thread: each gets its own async engine."""

    async def write(thread: str, value: int) -> None:
        await saver.aput(
            generate_config(thread), *_checkpoint([value]), generate_metadata(), {"v": 1}
        )

    async def read(thread: str) -> object:
        tup = await saver.aget_tuple(generate_config(thread))
        return None if tup is None else tup.checkpoint["channel_values"]["v"]

    asyncio.run(write("one", 1))
    assert asyncio.run(read("one")) == [1]
    results: list[object] = []
    errors: list[BaseException] = []

    def in_thread() -> None:
        try:
            asyncio.run(write("two", 2))
            results.append(asyncio.run(read("two")))
        except BaseException as error:  # noqa: BLE001 - asserted below
            errors.append(error)

    worker = threading.Thread(target=in_thread)
    worker.start()
    worker.join(30)
    assert not errors and results == [[2]]
    assert saver.get_tuple(generate_config("two")) is not None


@pytest.mark.timeout(60)
async def test_mixed_sync_and_async_concurrently(saver: SQLSaver) -> None:
    """Coroutines writing while a thread writes through the sync methods."""

    def sync_writer() -> None:
        for i in range(10):
            saver.put(
                generate_config("sync"), *_checkpoint([i]), generate_metadata(step=i), {"v": 1}
            )

    async def async_writer(n: int) -> None:
        for i in range(5):
            await saver.aput(
                generate_config(f"async-{n}"),
                *_checkpoint([i]),
                generate_metadata(step=i),
                {"v": 1},
            )

    await asyncio.gather(asyncio.to_thread(sync_writer), *(async_writer(n) for n in range(4)))
    assert len(list(saver.list(generate_config("sync")))) == 10
    for n in range(4):
        assert len([t async for t in saver.alist(generate_config(f"async-{n}"))]) == 5
    await saver.aclose()


@pytest.mark.timeout(60)
async def test_sync_writes_in_the_loop_while_async_writes_are_in_flight(saver: SQLSaver) -> None:
    """The deadlock to avoid: a coroutine blocks the loop in a sync write while other tasks'
    async writes are mid-transaction on that very loop. On SQLite (one writer) the async
    writes therefore never hold the write lock while waiting for the loop."""

    async def writer(n: int) -> None:
        for i in range(15):
            await saver.aput(
                generate_config(f"w{n}"), *_checkpoint([i]), generate_metadata(step=i), {"v": 1}
            )

    tasks = [asyncio.create_task(writer(n)) for n in range(4)]
    for i in range(15):
        await asyncio.sleep(0)  # let the async writers get mid-flight
        saver.put(generate_config("sync"), *_checkpoint([i]), generate_metadata(step=i), {"v": 1})
    await asyncio.gather(*tasks)
    assert len(list(saver.list(generate_config("sync")))) == 15
    for n in range(4):
        assert len([t async for t in saver.alist(generate_config(f"w{n}"))]) == 15
    await saver.aclose()
