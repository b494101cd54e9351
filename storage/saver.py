"""``SQLSaver``: LangGraph's checkpointer on SQLAlchemy, for SQLite, PostgreSQL and MariaDB/MySQL.

Every method exists twice, sync and async, and both halves run the same plans (``queries``,
``maintenance``, ``delta_history``): the sync half on a blocking engine, the async half on an
asyncio engine of the running loop (except SQLite writes, whose transaction runs in a worker
thread so it never waits on the loop: see ``_arun``). Nothing serialises the saver as a whole:
each call borrows its own pooled connection (on SQLite, ``put``/``put_writes``/``get_tuple``
borrow from a leaner stack, see ``sqlite_connections``), so calls run in parallel on a server
database.
What must not run in parallel — two turns of one conversation — is guarded by
``thread_lock``/``athread_lock``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from functools import partial
from typing import Any, Self, TypeVar

import sqlalchemy as sa
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
)
from langgraph.checkpoint.serde.base import SerializerProtocol
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import delta_history, migrations, queries, threads
from storage.engines import LoopEngines, autocommit, create_sync_engine, lock_engine_for
from storage.errors import DisallowedTypeError, SchemaMissingError
from storage.graph_types import calling_graph_types
from storage.latest_guesses import LatestGuesses
from storage.runner import Plan, PlanFactory, arun, run
from storage.saver_maintenance import MaintenanceMethods
from storage.schema import PREFIX
from storage.serializer import make_serializer
from storage.thread_lock import DEFAULT_LEASE, ThreadLock, athread_lock
from storage.threads import ThreadSummary
from storage.versions import VERSION_DIGITS, next_suffix

__all__ = ["SQLSaver"]

T = TypeVar("T")

_LIST_PAGE = 100


_MISSING_TABLE = ("no such table", "does not exist", "doesn't exist")


def _explained(error: sa.exc.DBAPIError) -> Exception:
    """A missing table becomes ``SchemaMissingError`` telling what to do; others pass."""
    text = str(error.orig)
    if PREFIX in text and any(marker in text for marker in _MISSING_TABLE):
        return SchemaMissingError(
            "the trainchat tables are missing from this database; call saver.setup() (or "
            "await saver.asetup()) once before using it"
        )
    return error


class SQLSaver(MaintenanceMethods, BaseCheckpointSaver[str]):
    """A LangGraph checkpointer on any database SQLAlchemy speaks (SQLite, PostgreSQL, MariaDB).

    Build it with ``SQLSaver.from_url(url)`` or from engines you own; call ``setup()`` once.
    Checkpoints are never updated in place: each is a new row, channel values are stored once
    per version, and pending writes are appended. Deleting, copying and pruning threads come
    from ``MaintenanceMethods`` (``saver_maintenance``).
    """

    def __init__(
        self,
        *,
        engine: sa.Engine,
        async_engine: AsyncEngine | None = None,
        serde: SerializerProtocol | None = None,
        lock_lease: float = DEFAULT_LEASE,
    ) -> None:
        """Use ``engine`` for the sync methods and ``async_engine`` (or one derived from
        ``engine``'s URL) for the async ones. ``serde`` defaults to ``make_serializer()``:
        strict allow-list, no pickle, AES if ``TRAINCHAT_ENCRYPTION_KEY`` is set.
        ``lock_lease`` is the SQLite turn-lock lease in seconds. On a server, turn locks
        hold connections from a second pool built from ``engine.url`` (not from ``engine``'s
        pool, see ``lock_engine``); pass connection options in the URL if they matter."""
        super().__init__(serde=serde or make_serializer())
        self.engine = autocommit(engine)
        """The blocking engine the sync methods use."""
        url = async_engine.url if async_engine is not None else engine.url
        self.async_engines = LoopEngines(url, {}, first=async_engine)
        """The asyncio engines the async methods use, one per event loop."""
        self.lock_lease = lock_lease
        """Seconds a SQLite turn lock lasts without renewal (servers need no lease)."""
        self.lock_engine = lock_engine_for(self.engine)
        """Where turn locks hold their connections: a pool of its own on a server, so that
        turns holding locks can never take every connection the graph needs (a deadlock)."""
        self._latest_guesses = LatestGuesses(enabled=self.engine.dialect.name != "sqlite")

    @classmethod
    def from_url(
        cls,
        url: str | sa.URL,
        *,
        serde: SerializerProtocol | None = None,
        lock_lease: float = DEFAULT_LEASE,
        **engine_kwargs: Any,
    ) -> SQLSaver:
        """A saver on ``url`` (e.g. ``sqlite:///chat.db``, ``postgresql://...``,
        ``mysql+pymysql://...``); ``engine_kwargs`` go to both engines (pool sizes...)."""
        saver = cls(
            engine=create_sync_engine(url, **engine_kwargs), serde=serde, lock_lease=lock_lease
        )
        saver.async_engines = LoopEngines(url, engine_kwargs)
        return saver

    # --- lifecycle ----------------------------------------------------------------------

    @property
    def dialect(self) -> str:
        """``sqlite``, ``postgresql``, ``mysql`` or ``mariadb``."""
        return self.engine.dialect.name

    def setup(self) -> None:
        """Create the tables or migrate them forward; safe to call often and concurrently."""
        migrations.migrate(self.engine)

    async def asetup(self) -> None:
        """``setup`` through the async engine (on SQLite in a worker thread, see ``_arun``)."""
        if self.dialect == "sqlite":
            await asyncio.to_thread(self.setup)
            return
        await migrations.amigrate(await self.async_engines.current())

    def schema_version(self) -> int:
        """The migration version the database is at (0 before ``setup``)."""
        return migrations.current_version(self.engine)

    def close(self) -> None:
        """Close the pools. Shared by copies made with ``with_allowlist``."""
        self.engine.dispose()
        if self.lock_engine is not self.engine:
            self.lock_engine.dispose()
        self.async_engines.forget_all()

    async def aclose(self) -> None:
        """Close the pools, awaiting the running loop's connections."""
        await self.async_engines.dispose_current()
        self.engine.dispose()
        if self.lock_engine is not self.engine:
            self.lock_engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- running plans ------------------------------------------------------------------

    def _run(
        self,
        factory: PlanFactory[T],
        *,
        write: bool = False,
        atomic: bool = False,
        hot: bool = False,
    ) -> T:
        try:
            return run(self.engine, factory, write=write, atomic_=atomic, hot=hot)
        except sa.exc.DBAPIError as error:
            raise _explained(error) from error

    async def _arun(
        self,
        factory: PlanFactory[T],
        *,
        write: bool = False,
        atomic: bool = False,
        hot: bool = False,
    ) -> T:
        if write and self.dialect == "sqlite":
            # SQLite has one writer. A write transaction driven by the event loop holds that
            # lock while it waits for the loop to resume it; a sync call blocking the same
            # loop (a sync method inside a coroutine) would then wait for it forever. Run in a
            # worker thread, the transaction completes without the loop. (aiosqlite is
            # itself sqlite3 in a thread; reads still go through it.)
            return await asyncio.to_thread(self._run, factory, write=True, atomic=atomic, hot=hot)
        engine = await self.async_engines.current()
        try:
            return await arun(engine, factory, write=write, atomic_=atomic)
        except sa.exc.DBAPIError as error:
            raise _explained(error) from error

    def _read(
        self, plan: Callable[..., Plan[T]], *args: Any, hot: bool = False, **kwargs: Any
    ) -> T:
        """Run a reading plan with the saver's serializer, adopting the calling graph's own
        schema types if a load is refused for one of them (see ``_adopt_graph_types``)."""
        while True:
            try:
                return self._run(partial(plan, self.serde, *args, **kwargs), hot=hot)
            except DisallowedTypeError as refused:
                if not self._adopt_graph_types(refused):
                    raise

    async def _aread(self, plan: Callable[..., Plan[T]], *args: Any, **kwargs: Any) -> T:
        """``_read`` through ``_arun``."""
        while True:
            try:
                return await self._arun(partial(plan, self.serde, *args, **kwargs))
            except DisallowedTypeError as refused:
                if not self._adopt_graph_types(refused):
                    raise

    def _adopt_graph_types(self, refused: DisallowedTypeError) -> bool:
        """Allow what the graphs on the call stack declare, if that includes the refused
        type: LangGraph's strict mode gives each compiled graph exactly that allow-list
        (``graph_types``). False (refusal stands) if no calling graph declares it."""
        declared = calling_graph_types()
        if (refused.module, refused.name) not in declared:
            return False
        self.serde = self.with_allowlist(declared).serde
        return True

    # --- turn lock ----------------------------------------------------------------------

    def thread_lock(self, thread_id: str, timeout: float = 30.0) -> AbstractContextManager[None]:
        """Hold the conversation's turn lock: ``with saver.thread_lock(tid): graph.invoke(...)``.

        Two processes sending a turn to one conversation then apply them one after the other.
        Raises ``ThreadBusyError`` after ``timeout`` seconds. A holder that dies releases the
        lock (servers: with its connection; SQLite: when its lease expires). Not re-entrant:
        taking it again inside its own ``with`` waits for itself and times out.
        """
        return ThreadLock(self.lock_engine, thread_id, timeout=timeout, lease=self.lock_lease)

    def athread_lock(
        self, thread_id: str, timeout: float = 30.0
    ) -> AbstractAsyncContextManager[None]:
        """``thread_lock`` for ``async with``."""
        return athread_lock(
            ThreadLock(self.lock_engine, thread_id, timeout=timeout, lease=self.lock_lease)
        )

    # --- sync interface -----------------------------------------------------------------

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """The checkpoint named by ``config`` (its latest if no ``checkpoint_id``), or None."""
        found = self._read(
            queries.get_tuple_plan, config, hot=True, guess=self._latest_guesses.for_config(config)
        )
        return self._latest_guesses.remember_read(config, found)

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        """Checkpoints newest first, filtered by any metadata keys, ``before`` a checkpoint."""
        before_id = (before or {}).get("configurable", {}).get("checkpoint_id")
        left = limit
        key: tuple[str, str, str] | None = None
        while left is None or left > 0:
            page = _LIST_PAGE if left is None or filter else min(left, _LIST_PAGE)
            tuples, key = self._read(queries.list_page_plan, config, filter, before_id, key, page)
            yield from tuples[:left]
            if left is not None:
                left -= min(left, len(tuples))
            if key is None:
                return

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Store a checkpoint (a new row; nothing existing is changed)."""
        stored = self._run(
            partial(queries.put_plan, self.serde, config, checkpoint, metadata, new_versions),
            write=True,
            hot=True,
        )
        return self._latest_guesses.remember_put(stored, checkpoint)

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Store a task's pending writes for the checkpoint in ``config``."""
        self._run(
            partial(queries.put_writes_plan, self.serde, config, writes, task_id, task_path),
            write=True,
            hot=True,
        )

    def get_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """What ``BaseCheckpointSaver.get_delta_channel_history`` returns, without its walk."""
        return self._read(delta_history.delta_history_plan, config, list(channels))

    def list_threads(self, channels: Collection[str] = ()) -> Sequence[ThreadSummary]:
        """Every conversation (root namespace), most recently changed first: checkpoint count,
        newest checkpoint, and the values of ``channels`` there — without decoding the rest of
        its history (``threads``)."""
        return self._read(threads.thread_summaries_plan, frozenset(channels))

    def get_next_version(self, current: str | None, channel: None) -> str:
        """``"<10-digit counter>.<16-digit suffix>"``: increasing, and two forks that bump a
        channel from the same version still get different versions (so different blobs).

        Short, because every version is stored in a checkpoint row and in the key of each blob
        (LangGraph's savers pad the counter to 32 digits; 10 digits is ten billion supersteps
        per thread). Versions of threads stored with 32-digit counters stay below any new one:
        compared as strings, the new one shows its first non-zero digit within its first 10
        characters, where the old one still has zeros, so an old thread simply continues.

        The suffix is this process's random 8 digits and then its own call count
        (``storage.versions``), not 16 fresh random digits: unique all the same, and versions
        written by one process then share most of their digits, which compresses."""
        if current is None:
            number = 0
        elif isinstance(current, str):
            number = int(current.split(".")[0])
        else:
            number = int(current)
        return f"{number + 1:0{VERSION_DIGITS}}.{next_suffix()}"

    # --- async interface ----------------------------------------------------------------

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """Async ``get_tuple``."""
        found = await self._aread(
            queries.get_tuple_plan, config, guess=self._latest_guesses.for_config(config)
        )
        return self._latest_guesses.remember_read(config, found)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        """Async ``list``."""
        before_id = (before or {}).get("configurable", {}).get("checkpoint_id")
        left = limit
        key: tuple[str, str, str] | None = None
        while left is None or left > 0:
            page = _LIST_PAGE if left is None or filter else min(left, _LIST_PAGE)
            tuples, key = await self._aread(
                queries.list_page_plan, config, filter, before_id, key, page
            )
            for tup in tuples[:left]:
                yield tup
            if left is not None:
                left -= min(left, len(tuples))
            if key is None:
                return

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Async ``put``."""
        stored = await self._arun(
            partial(queries.put_plan, self.serde, config, checkpoint, metadata, new_versions),
            write=True,
            hot=True,
        )
        return self._latest_guesses.remember_put(stored, checkpoint)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Async ``put_writes``."""
        await self._arun(
            partial(queries.put_writes_plan, self.serde, config, writes, task_id, task_path),
            write=True,
            hot=True,
        )

    async def alist_threads(self, channels: Collection[str] = ()) -> Sequence[ThreadSummary]:
        """Async ``list_threads``."""
        return await self._aread(threads.thread_summaries_plan, frozenset(channels))

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """Async ``get_delta_channel_history``."""
        return await self._aread(delta_history.delta_history_plan, config, list(channels))
