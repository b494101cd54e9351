"""LangGraph's published conformance suite, on every database, async and sync."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.conformance.capabilities import ALL_CAPABILITIES

from storage import SQLSaver


class SyncDrivenSaver(SQLSaver):
    """Routes every async method the suite calls to the sync method, so the same spec runs
    through the sync half of the saver."""

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self.get_tuple(config)

    async def alist(  # type: ignore[override]
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        for tup in self.list(config, filter=filter, before=before, limit=limit):
            yield tup

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return self.put(config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self.put_writes(config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        self.delete_thread(thread_id)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        self.delete_for_runs(run_ids)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        self.copy_thread(source_thread_id, target_thread_id)

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        self.prune(thread_ids, strategy=strategy)


def _run_suite(saver_class: type[SQLSaver], url: str, name: str) -> None:
    async def factory() -> AsyncIterator[SQLSaver]:
        saver = saver_class.from_url(url)
        await saver.asetup()
        try:
            yield saver
        finally:
            await saver.aclose()

    registered = checkpointer_test(name=name)(factory)
    report = asyncio.run(validate(registered))
    failures = {cap: r.failures for cap, r in report.results.items() if r.failures}
    assert not failures, failures
    assert {cap.value for cap in ALL_CAPABILITIES} == set(report.results)
    for cap, result in report.results.items():
        assert result.detected, f"{cap} not detected"
        assert result.passed is True, f"{cap}: {result}"
        assert result.tests_skipped == 0 and result.tests_passed > 0, f"{cap}: {result}"
    assert report.conformance_level() == "FULL"


def test_conformance_async_methods(db_url: str) -> None:
    """Every capability, base and extended, detected and passed through the async methods."""
    _run_suite(SQLSaver, db_url, "SQLSaver")


def test_conformance_sync_methods(db_url: str) -> None:
    """The same spec, every call landing in a sync method."""
    _run_suite(SyncDrivenSaver, db_url, "SQLSaver-sync")
