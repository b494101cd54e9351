"""``create_agent``: the conversation graph wired to a language model and a SQL checkpointer.

The returned object *is* a LangGraph compiled graph (``invoke``, ``stream``, ``ainvoke``,
``astream``, ``get_state``, ``get_state_history``, ``update_state`` all work) with four guards
around every run:

* the saver's per-thread turn lock: two processes sending a message to the same thread at the
  same moment take turns instead of both building on the same checkpoint and one losing its
  change;
* one checkpoint per turn (``durability="exit"``): a turn is stored whole or not at all;
* a thread-id rule and a message-size limit, checked before anything is written;
* ``update_state`` validated like a turn, so no path writes a value a turn would refuse.

``export(thread_id, format)`` renders the confirmed job as JSON, YAML or its command line.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
)
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import StateUpdate

from agent.catalog_drift import report_catalog_drift
from agent.database_url import DB_ENV, DEFAULT_DB, database_url
from agent.job_export import EXPORT_FORMATS, render_job
from agent.transcript import atranscript, transcript
from graph.build import state_graph
from graph.config import TrainingConfig
from graph.run import RunControl
from graph.state import (
    STATE_MSGPACK_TYPES,
    check_message_sizes,
    check_thread_id,
    validate_update,
)
from graph.steps.merge import audit_config
from graph.turn_plan import TurnContext
from graph.understand import TurnInterpreter

__all__ = ["create_agent", "TurnLockedGraph", "DEFAULT_DB", "DB_ENV", "LLM_CHOICES"]

LLM_CHOICES = ("auto", "offline", "gemini")
"""Names ``llm`` accepts besides a LangChain chat model."""
LOCK_TIMEOUT_S = 40.0
"""How long a turn waits for another turn on the same thread before giving up. A crashed holder
on this machine is taken over at once; one on another machine (SQLite on a shared disk) holds its
lease (``storage.thread_lock.DEFAULT_LEASE``, 15 s) at most, which this wait outlasts, so a turn
behind it runs instead of racing the lease and failing by milliseconds."""


class TurnLockedGraph(CompiledStateGraph[Any, Any, Any, Any]):
    """A compiled graph whose runs on a thread hold that thread's turn lock.

    ``invoke``/``ainvoke`` go through ``stream``/``astream``, so locking those two covers every
    way of running a turn; state reads (``get_state``, history) need no lock.
    """

    def __init__(self, *, turn_lock: _TurnLock | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.turn_lock = turn_lock

    @classmethod
    def wrapping(
        cls, compiled: CompiledStateGraph[Any, Any, Any, Any], lock: _TurnLock
    ) -> TurnLockedGraph:
        """The same compiled graph (same nodes, channels, checkpointer) with turn locking."""
        graph = cls.__new__(cls)
        graph.__dict__.update(compiled.__dict__)
        graph.turn_lock = lock
        return graph

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        """``CompiledStateGraph.stream`` inside the thread's turn lock, one checkpoint per turn."""
        thread_id = _checked_turn(input, config, kwargs)
        if self.turn_lock is None or thread_id is None:
            self._require_known_checkpoint(config)
            yield from super().stream(input, config, **kwargs)
            return
        with self.turn_lock.hold(thread_id):
            self._require_known_checkpoint(config)
            yield from super().stream(input, config, **kwargs)

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        """``CompiledStateGraph.astream`` inside the thread's turn lock, one checkpoint per turn."""
        thread_id = _checked_turn(input, config, kwargs)
        if self.turn_lock is None or thread_id is None:
            await self._arequire_known_checkpoint(config)
            async for chunk in super().astream(input, config, **kwargs):
                yield chunk
            return
        async with self.turn_lock.ahold(thread_id):
            await self._arequire_known_checkpoint(config)
            async for chunk in super().astream(input, config, **kwargs):
                yield chunk

    def _require_known_checkpoint(self, config: RunnableConfig | None) -> None:
        """Refuse a run from a ``checkpoint_id`` the thread does not have.

        LangGraph starts from an empty state when the id names no checkpoint of the thread (a
        stale id after ``prune``, one from another thread, a typo): the conversation would be
        silently reset. A named checkpoint must exist; without one the run continues from the
        latest state as usual.
        """
        if _checkpoint_id(config) is None or not isinstance(self.checkpointer, BaseCheckpointSaver):
            return
        assert config is not None
        if self.checkpointer.get_tuple(config) is None:
            raise _unknown_checkpoint(config)

    async def _arequire_known_checkpoint(self, config: RunnableConfig | None) -> None:
        """Async ``_require_known_checkpoint``."""
        if _checkpoint_id(config) is None or not isinstance(self.checkpointer, BaseCheckpointSaver):
            return
        assert config is not None
        if await self.checkpointer.aget_tuple(config) is None:
            raise _unknown_checkpoint(config)

    def transcript(self, config: RunnableConfig) -> tuple[BaseMessage, ...]:
        """Every message of the conversation up to the checkpoint ``config`` addresses (the
        latest when it names none), oldest first; empty for an unknown thread.

        ``get_state().values["messages"]`` holds only the newest ``RECENT_MESSAGES``, so a turn
        costs the same however long the thread is; this reads the rest back from the chain of
        checkpoints (a fork's transcript is its own past, never a sibling branch's).
        """
        return transcript(self, config)

    async def atranscript(self, config: RunnableConfig) -> tuple[BaseMessage, ...]:
        """Async ``transcript``."""
        return await atranscript(self, config)

    def export(self, thread_id: str, format: str = "json") -> str:
        """The thread's confirmed job as ``json``, ``yaml`` or ``cmd`` (the command line).

        Raises ``ValueError`` naming the step when the thread is not confirmed yet: exporting a
        half-agreed configuration would hide what is still missing.
        """
        if format not in EXPORT_FORMATS:
            raise ValueError(f"format must be one of {EXPORT_FORMATS}, got {format!r}")
        values = self.get_state({"configurable": {"thread_id": thread_id}}).values
        job = values.get("job")
        if values.get("step") != "done" or job is None:
            step = values.get("step", "select_model")
            raise ValueError(
                f"thread {thread_id!r} has no confirmed job yet (step {step}); answer yes at "
                "the confirm step first"
            )
        return render_job(job, format)

    def bulk_update_state(
        self, config: RunnableConfig, supersteps: Sequence[Sequence[StateUpdate]]
    ) -> RunnableConfig:
        """``update_state`` and friends: values validated like a turn's, under the turn lock.

        A value that a turn would refuse (``epochs=0``, a learning rate of 5, an unknown model)
        raises here instead of reaching the checkpoint.
        """
        checked = [[_checked(update) for update in step] for step in supersteps]
        thread_id = _thread_id(config)
        if thread_id is not None:
            check_thread_id(thread_id)
        if self.turn_lock is None or thread_id is None:
            return super().bulk_update_state(config, checked)
        with self.turn_lock.hold(thread_id):
            return super().bulk_update_state(config, checked)

    async def abulk_update_state(
        self, config: RunnableConfig, supersteps: Sequence[Sequence[StateUpdate]]
    ) -> RunnableConfig:
        """Async ``bulk_update_state``: validated, under the turn lock."""
        checked = [[_checked(update) for update in step] for step in supersteps]
        thread_id = _thread_id(config)
        if thread_id is not None:
            check_thread_id(thread_id)
        if self.turn_lock is None or thread_id is None:
            return await super().abulk_update_state(config, checked)
        async with self.turn_lock.ahold(thread_id):
            return await super().abulk_update_state(config, checked)

    def update_state_with(
        self,
        config: RunnableConfig,
        change: Callable[[dict[str, Any]], Mapping[str, Any] | None],
        as_node: str | None = None,
    ) -> RunnableConfig | None:
        """Read the latest state and write ``change(values)`` under one hold of the turn lock.

        For writers outside a turn (a training worker reporting an epoch, ``trainchat stop``):
        the values they write depend on what is stored now (is this run still the thread's
        run? was it cancelled meanwhile?), so the read and the write must not be split by
        another turn. ``change`` returns ``None`` to write nothing; the values are validated
        like any ``update_state``. Returns the new checkpoint's config, or ``None``.
        """
        thread_id = _thread_id(config)
        if thread_id is None:
            raise ValueError("update_state_with needs config['configurable']['thread_id']")
        check_thread_id(thread_id)

        def apply() -> RunnableConfig | None:
            values = dict(self.get_state(config).values or {})
            update = change(values)
            if update is None:
                return None
            step = [_checked(StateUpdate(dict(update), as_node, None))]
            return super(TurnLockedGraph, self).bulk_update_state(config, [step])

        if self.turn_lock is None:
            return apply()
        with self.turn_lock.hold(thread_id):
            return apply()


def _checked_turn(input: Any, config: RunnableConfig | None, kwargs: dict[str, Any]) -> str | None:
    """Check a run before it starts; return its thread id.

    The thread id and message size rules run before the lock and before anything is written.
    ``durability="exit"`` makes a turn one checkpoint written when it ends: a process killed
    mid-turn leaves the previous turn's state, never a user message without its reply.
    """
    thread_id = _thread_id(config)
    if thread_id is not None:
        check_thread_id(thread_id)
    check_message_sizes(input)
    if kwargs.get("durability") is None:  # invoke passes durability=None explicitly
        kwargs["durability"] = "exit"
    if kwargs.get("context") is None and (config or {}).get("configurable", {}).get(
        "checkpoint_id"
    ):
        # A turn from an earlier checkpoint (a fork): the graph looks at the dataset folder
        # seen then again and says when it changed.
        kwargs["context"] = TurnContext(forked=True)
    return thread_id


def _checked(update: StateUpdate) -> StateUpdate:
    """The update with its values validated (types, then the config's domain rules)."""
    if not isinstance(update.values, Mapping):
        return update
    check_message_sizes(update.values)
    values = validate_update(update.values)
    config = values.get("config")
    if isinstance(config, TrainingConfig):
        problems = audit_config(config)
        if problems:
            raise ValueError("refused state update: " + "; ".join(problems))
    return update._replace(values=values)


def _checkpoint_id(config: RunnableConfig | None) -> str | None:
    value = ((config or {}).get("configurable") or {}).get("checkpoint_id")
    return None if value is None else str(value)


def _unknown_checkpoint(config: RunnableConfig) -> ValueError:
    return ValueError(
        f"thread {_thread_id(config)!r} has no checkpoint {_checkpoint_id(config)!r}; nothing was "
        "changed. Omit checkpoint_id to continue from the latest state, or pick one from "
        "get_state_history()"
    )


def _thread_id(config: RunnableConfig | None) -> str | None:
    configurable = (config or {}).get("configurable") or {}
    value = configurable.get("thread_id")
    return None if value is None else str(value)


class _TurnLock:
    """The saver's ``thread_lock``/``athread_lock`` when it has them, else a per-process lock.

    A process-local lock still serialises turns between threads of one process for savers
    (``InMemorySaver``, ``SqliteSaver``) that offer no cross-process lock of their own.
    """

    def __init__(self, saver: BaseCheckpointSaver[Any] | None, timeout: float) -> None:
        self._saver = saver
        self._timeout = timeout
        self._local: weakref.WeakValueDictionary[str, threading.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._guard = threading.Lock()

    def hold(self, thread_id: str) -> AbstractContextManager[None]:
        """Context manager holding the lock of ``thread_id`` (sync runs)."""
        lock = getattr(self._saver, "thread_lock", None)
        if callable(lock):
            held: AbstractContextManager[None] = lock(thread_id, timeout=self._timeout)
            return held
        return self._hold_local(thread_id)

    def ahold(self, thread_id: str) -> AbstractAsyncContextManager[None]:
        """Async context manager holding the lock of ``thread_id`` (async runs)."""
        lock = getattr(self._saver, "athread_lock", None)
        if callable(lock):
            held: AbstractAsyncContextManager[None] = lock(thread_id, timeout=self._timeout)
            return held
        return self._ahold_local(thread_id)

    def _lock_for(self, thread_id: str) -> threading.Lock:
        with self._guard:
            lock = self._local.get(thread_id)
            if lock is None:
                lock = threading.Lock()
                self._local[thread_id] = lock
            return lock

    @contextmanager
    def _hold_local(self, thread_id: str) -> Iterator[None]:
        lock = self._lock_for(thread_id)
        if not lock.acquire(timeout=self._timeout):
            raise TimeoutError(f"thread {thread_id!r} is busy with another turn")
        try:
            yield
        finally:
            lock.release()

    @asynccontextmanager
    async def _ahold_local(self, thread_id: str) -> AsyncIterator[None]:
        lock = self._lock_for(thread_id)
        if not await asyncio.to_thread(lock.acquire, timeout=self._timeout):
            raise TimeoutError(f"thread {thread_id!r} is busy with another turn")
        try:
            yield
        finally:
            lock.release()


def _interpreter(llm: str | BaseChatModel) -> TurnInterpreter:
    """The interpreter for ``llm``: Gemini, the offline parser, or the given chat model."""
    from graph.understanding import Interpreter, OfflineChatModel

    model: BaseChatModel
    if isinstance(llm, BaseChatModel):
        model = llm
    elif llm not in LLM_CHOICES:
        raise ValueError(
            f"llm must be one of {LLM_CHOICES} or a LangChain BaseChatModel, got {llm!r}"
        )
    elif llm == "offline":
        model = OfflineChatModel()
    else:
        from agent.gemini import gemini_key_available, make_gemini_model

        wants_gemini = llm == "gemini" or gemini_key_available()
        model = make_gemini_model() if wants_gemini else OfflineChatModel()
    interpreter: TurnInterpreter = Interpreter(model)
    return interpreter


def _local_runs(db: str | None) -> RunControl:
    """Runs on this machine reporting into the conversation's own database, so that with a
    database "start training" works out of the box (run folders under ``$TRAINCHAT_RUNS_DIR``,
    else ``./runs``). Imported here: ``agent.training`` needs psutil, not torch."""
    from agent.training.local import LocalRunControl

    return LocalRunControl(database_url(db))


def _saver_for(db: str | None) -> BaseCheckpointSaver[Any]:
    """A set-up ``SQLSaver`` for ``db`` (else ``$TRAINCHAT_DB``, else ``trainchat.db`` here)."""
    from storage import SQLSaver, make_serializer

    url = database_url(db)
    saver = SQLSaver.from_url(url, serde=make_serializer(STATE_MSGPACK_TYPES))
    saver.setup()
    return saver


def create_agent(
    db: str | None = None,
    *,
    llm: str | BaseChatModel = "auto",
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    interpreter: TurnInterpreter | None = None,
    lock_timeout: float = LOCK_TIMEOUT_S,
    runs: RunControl | None = None,
) -> TurnLockedGraph:
    """The training-configuration agent, persisted to SQL.

    ``db`` is a SQLAlchemy URL (default: ``$TRAINCHAT_DB``, else ``sqlite:///trainchat.db`` in the
    working directory); ``checkpointer`` takes any LangGraph saver instead. ``llm`` is
    ``"offline"``, ``"gemini"``, ``"auto"`` (Gemini when ``GOOGLE_API_KEY``/``GEMINI_API_KEY`` is
    set, else offline) or any LangChain ``BaseChatModel``; ``interpreter`` overrides it entirely.
    A turn waits up to ``lock_timeout`` seconds for another turn on the same thread. ``runs``
    starts, stops and checks training runs ("start training" at ``done``); it defaults to a
    ``LocalRunControl`` (a worker process per run on this machine, reporting into ``db``) unless
    ``checkpointer`` is given (the database URL is then unknown); without one the conversation
    says how to run the confirmed job instead.
    """
    if checkpointer is not None and db is not None:
        raise ValueError("give either db (a URL) or checkpointer (a saver), not both")
    report_catalog_drift()
    saver = checkpointer if checkpointer is not None else _saver_for(db)
    if runs is None and checkpointer is None:
        runs = _local_runs(db)
    graph = state_graph(interpreter or _interpreter(llm), runs=runs)
    compiled = graph.compile(checkpointer=saver)
    return TurnLockedGraph.wrapping(compiled, _TurnLock(saver, lock_timeout))
