"""One CLI invocation's view of a conversation: open the agent, run a turn, read what is stored.

Commands stay thin: they parse options, call a ``Session`` method and print. Everything that
touches the agent or the database is here, behind names a reader can guess, and it imports
LangGraph and the agent only when a command actually needs them (``trainchat --help`` stays
fast). Checkpoint browsing uses only LangGraph's public API (``get_state``,
``get_state_history``, the saver's ``list``), so it works with any saver.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from agent.cli.errors import EXIT_DATABASE, EXIT_FAILURE, EXIT_NOT_FOUND, EXIT_USAGE, CliError
from agent.cli.timeline import HistoryRow, checkpoint_rows
from agent.database_url import DEFAULT_DB, database_url
from agent.job_export import render_job

__all__ = [
    "DEFAULT_DB",
    "SUPPORTED_BACKENDS",
    "Turn",
    "ThreadRow",
    "Session",
    "job_text",
]


SUPPORTED_BACKENDS = ("sqlite", "postgresql", "mysql", "mariadb")
"""The databases the storage package speaks."""


@dataclass(frozen=True)
class Turn:
    """What a command shows after a turn or for ``show``: the reply, step and config."""

    thread: str
    """The conversation's id."""
    reply: str
    """The agent's latest reply."""
    step: str
    """The conversation step: select_model, dataset, hyperparameters, confirm or done."""
    config: Any
    """The frozen ``TrainingConfig``."""
    job: Any = None
    """The ``TrainingJob`` once confirmed, else ``None``."""
    run: Any = None
    """The thread's latest ``TrainingRun``, else ``None``."""

    def to_json(self, *, with_thread: bool = False) -> dict[str, Any]:
        """The ``--json`` shape: ``reply``, ``step``, ``config`` (every field), ``run`` (null or
        ``TrainingRun.as_json()``), maybe ``thread``."""
        data: dict[str, Any] = {
            "reply": self.reply,
            "step": self.step,
            "config": self.config.model_dump(mode="json"),
            "run": None if self.run is None else self.run.as_json(),
        }
        if with_thread:
            data["thread"] = self.thread
        return data


@dataclass(frozen=True)
class ThreadRow:
    """One conversation in the database, as ``trainchat threads`` lists it."""

    thread: str
    """The conversation's id."""
    step: str | None
    """Its current step."""
    model: str | None
    """The chosen model, if any."""
    last_change: str | None
    """Time of its newest checkpoint (ISO 8601, UTC)."""
    checkpoints: int = 0
    """How many checkpoints it has."""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of this row."""
        return {
            "thread": self.thread,
            "step": self.step,
            "model": self.model,
            "last_change": self.last_change,
            "checkpoints": self.checkpoints,
        }


@dataclass
class Session:
    """The options every command shares, and lazy access to the agent they select."""

    db: str | None = None
    """Database URL as given (``None``: ``TRAINCHAT_DB`` or the SQLite default)."""
    thread: str = "default"
    """Conversation id (LangGraph's ``thread_id``)."""
    llm: str = "auto"
    """``offline``, ``gemini`` or ``auto``."""
    _read_only: Any = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        """The database URL actually used."""
        return database_url(self.db)

    @property
    def shown_url(self) -> str:
        """The URL as printed to people: any password replaced by ``***``."""
        from sqlalchemy.engine import make_url

        try:
            return make_url(self.url).render_as_string(hide_password=True)
        except Exception:  # a malformed URL is reported elsewhere; never echo it with secrets
            return "<the given database URL>"

    @property
    def run_config(self) -> dict[str, Any]:
        """The LangGraph config that addresses this session's thread."""
        return {"configurable": {"thread_id": self.thread}}

    def check_url(self) -> None:
        """Refuse a malformed URL with one line, before anything tries to connect."""
        from sqlalchemy.engine import make_url

        url = make_url(self.url)  # raises ArgumentError, which friendly_errors explains
        if url.get_backend_name() not in SUPPORTED_BACKENDS:
            raise CliError(
                f"malformed database URL: unsupported database {url.get_backend_name()!r}; "
                f"use one of {', '.join(SUPPORTED_BACKENDS)} (e.g. sqlite:///trainchat.db)",
                EXIT_USAGE,
            )
        url.get_dialect()  # an unknown driver raises NoSuchModuleError, explained the same way

    def _sqlite_file_missing(self) -> bool:
        """True when the URL names a SQLite file that does not exist (so nothing is stored)."""
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        if not url.get_backend_name().startswith("sqlite"):
            return False
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            return False
        return not os.path.exists(database)

    @cached_property
    def agent(self) -> Any:
        """The agent for running turns: creates or migrates the tables on first use."""
        self.check_url()
        from agent import create_agent

        return create_agent(db=self.url, llm=self.llm)

    @property
    def reader(self) -> Any:
        """The agent for reading only, or ``None`` when the database holds no conversation.

        Reading must never change a database: pointing ``show`` at the wrong URL must not
        create a SQLite file or our tables in someone's PostgreSQL. So this opens the saver
        without ``setup()`` and looks at the schema version first. ``None`` is not cached: a
        chat's first turn creates the tables, and the next ``/history`` must see them.
        """
        if "agent" in self.__dict__:
            return self.agent  # a turn already opened (and set up) the database
        if self._read_only is None:
            self._read_only = self._open_read_only()
        return self._read_only

    def _open_read_only(self) -> Any:
        self.check_url()
        if self._sqlite_file_missing():
            return None
        from graph.state import STATE_MSGPACK_TYPES
        from storage import SQLSaver, make_serializer
        from storage.migrations import MIGRATIONS

        # The same saver create_agent builds (the graph's types allowed), minus setup().
        saver = SQLSaver.from_url(self.url, serde=make_serializer(STATE_MSGPACK_TYPES))
        version, latest = saver.schema_version(), len(MIGRATIONS)
        if version == 0:
            saver.close()
            return None
        if version != latest:
            saver.close()
            relation = "older" if version < latest else "newer"
            raise CliError(
                f"the database schema (version {version}) is {relation} than this trainchat's "
                f"(version {latest})"
                + ("; run `trainchat db upgrade`" if version < latest else "; upgrade trainchat"),
                EXIT_DATABASE,
            )
        from agent import create_agent

        return create_agent(checkpointer=saver, llm="offline")

    def say(self, text: str) -> Turn:
        """Run one turn with ``text``; an empty message is refused here, the rest by the agent."""
        message = text.strip()
        if not message:
            raise CliError(
                "empty message: say something, e.g. trainchat say 'use resnet18'", EXIT_USAGE
            )
        out = self.agent.invoke(
            {"messages": [{"role": "user", "content": message}]}, self.run_config
        )
        from graph.state import last_reply_text

        return Turn(
            thread=self.thread,
            reply=last_reply_text(out["messages"]),
            step=out["step"],
            config=out["config"],
            job=out.get("job"),
            run=_run_of(out),
        )

    def current(self) -> Turn | None:
        """The thread's latest stored state, or ``None`` when the thread has no checkpoint."""
        if self.reader is None:
            return None
        snapshot = self.reader.get_state(self.run_config)
        values = snapshot.values
        if not snapshot.created_at or not values:
            return None
        from graph.state import last_reply_text

        return Turn(
            thread=self.thread,
            reply=last_reply_text(values.get("messages", ())),
            step=values.get("step", "select_model"),
            config=values["config"],
            job=values.get("job"),
            run=_run_of(values),
        )

    def require_current(self) -> Turn:
        """Like ``current`` but an unknown thread is a one-line error (exit 3)."""
        turn = self.current()
        if turn is None:
            raise CliError(
                f"unknown thread {self.thread!r} in {self.shown_url}: "
                "see `trainchat threads`, or start it with `trainchat say` or `trainchat chat`",
                EXIT_NOT_FOUND,
            )
        return turn

    def history(self) -> list[HistoryRow]:
        """Every checkpoint of the thread, oldest first, with what changed at each."""
        self.require_current()
        return checkpoint_rows(self.reader, self.run_config)

    def threads(self) -> list[ThreadRow]:
        """Every conversation stored in the database, most recently changed first."""
        reader = self.reader
        if reader is None:
            return []
        # One statement for all threads (SQLSaver.list_threads), not a get_state per thread.
        summaries = reader.checkpointer.list_threads(channels=("step", "config"))
        return [
            ThreadRow(
                thread=summary.thread_id,
                step=summary.values.get("step"),
                model=getattr(summary.values.get("config"), "model_name", None),
                last_change=summary.updated_at.isoformat() if summary.updated_at else None,
                checkpoints=summary.checkpoints,
            )
            for summary in summaries
        ]


def _run_of(values: Any) -> Any:
    """The stored ``run`` channel as a ``TrainingRun`` (``None`` when no run was started)."""
    from agent.training.reporting import stored_run

    return stored_run(values)


def job_text(turn: Turn, export_format: str) -> str:
    """The confirmed job of ``turn`` as ``json``, ``yaml`` or ``cmd`` text, ending in a newline.

    A thread that is not confirmed yet has no job: that is a one-line error saying which step
    it is at, because exporting a half-agreed configuration would hide what is missing.
    """
    if turn.step != "done" or turn.job is None:
        from agent.display import step_label

        raise CliError(
            f"thread {turn.thread!r} is not confirmed yet (step {step_label(turn.step)}): "
            "finish the conversation and answer yes, then export",
            EXIT_FAILURE,
        )
    text = render_job(turn.job, export_format)
    return text if text.endswith("\n") else text + "\n"
