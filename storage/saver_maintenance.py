"""``SQLSaver``'s maintenance methods: delete, copy and prune threads (sync and async).

Kept apart from the checkpointer interface (``saver``) because they are a job of their own:
whole-thread, all-or-nothing plans (``maintenance``, ``retention``) that each run in one
explicit transaction, where the interface's calls are single hot statements. The mixin only
needs the saver's serializer and its two plan runners.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from langgraph.checkpoint.serde.base import SerializerProtocol

from storage import maintenance, retention
from storage.runner import PlanFactory

__all__ = ["MaintenanceMethods"]

T = TypeVar("T")


def _listed(thread_ids: Sequence[str] | None) -> list[str] | None:
    return None if thread_ids is None else [str(tid) for tid in thread_ids]


class MaintenanceMethods:
    """Deleting, copying and pruning threads, mixed into ``SQLSaver``."""

    serde: SerializerProtocol

    if TYPE_CHECKING:

        def _run(
            self,
            factory: PlanFactory[T],
            *,
            write: bool = False,
            atomic: bool = False,
            hot: bool = False,
        ) -> T: ...

        async def _arun(
            self,
            factory: PlanFactory[T],
            *,
            write: bool = False,
            atomic: bool = False,
            hot: bool = False,
        ) -> T: ...

    def delete_thread(self, thread_id: str) -> None:
        """Delete every checkpoint, blob and write of a thread."""
        self._run(
            partial(maintenance.delete_threads_plan, [str(thread_id)]), write=True, atomic=True
        )

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Delete the checkpoints (and their writes) made by the given runs."""
        self._run(
            partial(maintenance.delete_for_runs_plan, self.serde, list(run_ids)),
            write=True,
            atomic=True,
        )

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copy a thread's whole history (every namespace, blob and write) to another id."""
        self._run(
            partial(maintenance.copy_thread_plan, source_thread_id, target_thread_id),
            write=True,
            atomic=True,
        )

    def prune(
        self,
        thread_ids: Sequence[str] | None = None,
        *,
        strategy: str = "keep_latest",
        older_than: datetime.timedelta | None = None,
    ) -> None:
        """``keep_latest``: keep each namespace's newest checkpoint (and, if it has
        DeltaChannels, the ancestors they replay back to their last snapshot — LangGraph's own
        savers refuse such threads); ``delete``: drop all.

        ``older_than`` restricts it to idle conversations — threads (all of them, or those of
        ``thread_ids``) whose newest checkpoint is older than that — e.g.
        ``saver.prune(older_than=timedelta(days=30), strategy="delete")``.
        ``prune_idle`` does the same and says which threads it pruned."""
        if older_than is not None:
            self.prune_idle(older_than, strategy=strategy, thread_ids=thread_ids)
            return
        if thread_ids is None:
            raise ValueError("prune needs thread_ids, older_than, or both")
        for factory in maintenance.prune_plans(self.serde, list(thread_ids), strategy):
            self._run(factory, write=True, atomic=True)

    def prune_idle(
        self,
        older_than: datetime.timedelta,
        *,
        strategy: str = "keep_latest",
        thread_ids: Sequence[str] | None = None,
    ) -> Sequence[str]:
        """Prune the conversations idle for longer than ``older_than`` (see ``prune``); the
        ids of the threads pruned. A thread that gets a new checkpoint meanwhile keeps it."""
        floor = retention.idle_floor(older_than, strategy)
        idle = self._run(partial(retention.idle_threads_plan, floor, _listed(thread_ids)))
        for factory in retention.prune_idle_plans(self.serde, floor, idle, strategy):
            self._run(factory, write=True, atomic=True)
        return idle

    async def adelete_thread(self, thread_id: str) -> None:
        """Async ``delete_thread``."""
        await self._arun(
            partial(maintenance.delete_threads_plan, [str(thread_id)]), write=True, atomic=True
        )

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Async ``delete_for_runs``."""
        await self._arun(
            partial(maintenance.delete_for_runs_plan, self.serde, list(run_ids)),
            write=True,
            atomic=True,
        )

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Async ``copy_thread``."""
        await self._arun(
            partial(maintenance.copy_thread_plan, source_thread_id, target_thread_id),
            write=True,
            atomic=True,
        )

    async def aprune(
        self,
        thread_ids: Sequence[str] | None = None,
        *,
        strategy: str = "keep_latest",
        older_than: datetime.timedelta | None = None,
    ) -> None:
        """Async ``prune``."""
        if older_than is not None:
            await self.aprune_idle(older_than, strategy=strategy, thread_ids=thread_ids)
            return
        if thread_ids is None:
            raise ValueError("prune needs thread_ids, older_than, or both")
        for factory in maintenance.prune_plans(self.serde, list(thread_ids), strategy):
            await self._arun(factory, write=True, atomic=True)

    async def aprune_idle(
        self,
        older_than: datetime.timedelta,
        *,
        strategy: str = "keep_latest",
        thread_ids: Sequence[str] | None = None,
    ) -> Sequence[str]:
        """Async ``prune_idle``."""
        floor = retention.idle_floor(older_than, strategy)
        idle = await self._arun(partial(retention.idle_threads_plan, floor, _listed(thread_ids)))
        for factory in retention.prune_idle_plans(self.serde, floor, idle, strategy):
            await self._arun(factory, write=True, atomic=True)
        return idle
