"""The ``trainchat`` commands: typer parses, a ``Session`` does the work, rich prints.

Heavy modules (LangGraph, SQLAlchemy, the agent, rich tables) are imported inside the commands
that use them, so ``trainchat --help`` costs little more than starting Python. Every command
runs inside ``friendly_errors``: a failure becomes one line on stderr and an exit code.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from agent.cli.errors import EXIT_USAGE, CliError, friendly_errors
from agent.database_url import DB_ENV
from agent.job_export import ExportFormat

__all__ = ["app", "db_app", "Llm", "ExportFormat", "GraphFormat"]

app = typer.Typer(
    name="trainchat",
    help="Configure a computer-vision training job by chatting with an agent (English or 한국어).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")


class Llm(StrEnum):
    """Which model understands the user: the offline parser, Gemini, or Gemini when a key is set."""

    offline = "offline"
    gemini = "gemini"
    auto = "auto"


class GraphFormat(StrEnum):
    """How ``graph`` draws the state machine."""

    mermaid = "mermaid"
    ascii = "ascii"


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar=DB_ENV,
        show_envvar=True,
        help="SQLAlchemy database URL [default: sqlite:///trainchat.db in this folder].",
    ),
]
ThreadOption = Annotated[
    str, typer.Option("--thread", "-t", help="Conversation id; each thread is its own job.")
]
LlmOption = Annotated[
    Llm,
    typer.Option(
        "--llm",
        case_sensitive=False,
        help="offline parser, gemini, or auto (gemini if a key is set).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

F = TypeVar("F", bound=Callable[..., Any])


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"trainchat {version('trainchat')}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Configure a computer-vision training job by chatting with an agent (English or 한국어)."""


def handled(function: F) -> F:
    """Run a command so that any failure prints one line on stderr and exits non-zero."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with friendly_errors():
                return function(*args, **kwargs)
        except CliError as error:
            print(f"trainchat: {error.message}", file=sys.stderr)
            raise typer.Exit(error.code) from None

    return wrapper  # type: ignore[return-value]


def _session(db: str | None, thread: str, llm: Llm = Llm.offline) -> Any:
    """The session a command works on; commands that only read use the offline parser."""
    from agent.cli.session import Session

    return Session(db=db, thread=thread, llm=llm.value)


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _print_turn(
    turn: Any, *, as_json: bool, with_thread: bool = False, console: Any = None
) -> None:
    """One turn as JSON for scripts, or as the reply, step and configuration for people."""
    if as_json:
        _print_json(turn.to_json(with_thread=with_thread))
        return
    from agent.display import print_turn

    print_turn(console if console is not None else _console(), turn)


@app.command()
@handled
def chat(db: DbOption = None, thread: ThreadOption = "default", llm: LlmOption = Llm.auto) -> None:
    """Talk to the agent interactively (/help lists the slash commands; Ctrl-D leaves)."""
    from agent.cli.chat import run_chat

    run_chat(_session(db, thread, llm), _console())


@app.command()
@handled
def say(
    text: Annotated[str, typer.Argument(help="Your message, e.g. 'train resnet18 for 10 epochs'.")],
    as_json: JsonOption = False,
    db: DbOption = None,
    thread: ThreadOption = "default",
    llm: LlmOption = Llm.auto,
) -> None:
    """Send one message and print the reply (one turn, for scripts)."""
    session = _session(db, thread, llm)
    if as_json:
        _print_turn(session.say(text), as_json=True)
        return
    console = _console()
    with console.status("thinking…"):
        turn = session.say(text)
    _print_turn(turn, as_json=False, console=console)


@app.command()
@handled
def show(
    as_json: JsonOption = False, db: DbOption = None, thread: ThreadOption = "default"
) -> None:
    """Print the thread's last reply, step and configuration."""
    session = _session(db, thread)
    turn = session.require_current()
    if turn.run is not None and turn.run.active:
        from agent.cli.training import refresh_stored_run

        turn = replace(turn, run=refresh_stored_run(session))  # a dead worker shows failed
    _print_turn(turn, as_json=as_json, with_thread=True)


@app.command()
@handled
def history(
    as_json: JsonOption = False, db: DbOption = None, thread: ThreadOption = "default"
) -> None:
    """List every checkpoint of the thread: time, step and which fields changed."""
    rows = _session(db, thread).history()
    if as_json:
        _print_json([row.to_json() for row in rows])
        return
    from agent.display import history_table

    _console().print(history_table(rows))


@app.command()
@handled
def undo(
    as_json: JsonOption = False,
    db: DbOption = None,
    thread: ThreadOption = "default",
    llm: LlmOption = Llm.auto,
) -> None:
    """Undo the last change to the thread's configuration."""
    session = _session(db, thread, llm)
    session.require_current()
    _print_turn(session.say("undo"), as_json=as_json)


@app.command()
@handled
def threads(as_json: JsonOption = False, db: DbOption = None) -> None:
    """List the conversations in the database: id, step, model, last change."""
    rows = _session(db, "default").threads()
    if as_json:
        _print_json([row.to_json() for row in rows])
        return
    if not rows:
        print("no conversations yet: start one with `trainchat chat` or `trainchat say`")
        return
    from agent.display import threads_table

    _console().print(threads_table(rows))


@app.command()
@handled
def export(
    export_format: Annotated[
        ExportFormat,
        typer.Option("--format", "-f", case_sensitive=False, help="json, yaml or cmd."),
    ] = ExportFormat.json,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    db: DbOption = None,
    thread: ThreadOption = "default",
) -> None:
    """Print the confirmed job as JSON, YAML or the command line that runs it."""
    from agent.cli.session import job_text

    text = job_text(_session(db, thread).require_current(), export_format.value)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(f"wrote {output}", file=sys.stderr)


@app.command("graph")
@handled
def draw_graph(
    graph_format: Annotated[
        GraphFormat, typer.Option("--format", "-f", case_sensitive=False, help="mermaid or ascii.")
    ] = GraphFormat.mermaid,
) -> None:
    """Draw the conversation's state machine (Mermaid source, or ASCII art)."""
    from graph.build import build_graph

    drawable = build_graph().get_graph()
    if graph_format is GraphFormat.mermaid:
        sys.stdout.write(drawable.draw_mermaid())
    else:
        sys.stdout.write(drawable.draw_ascii() + "\n")


@db_app.command("upgrade")
@handled
def db_upgrade(db: DbOption = None) -> None:
    """Create the tables or migrate them to the current schema (safe to run twice)."""

    from storage import SQLSaver

    session = _session(db, "default")
    session.check_url()
    url = session.url

    saver = SQLSaver.from_url(url)
    try:
        before = saver.schema_version()
        saver.setup()
        after = saver.schema_version()
    finally:
        saver.close()
    where = session.shown_url
    change = f"migrated from version {before}" if before != after else "no migration needed"
    print(f"database {where} is up to date at schema version {after} ({change})")


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def _duration(text: str) -> Any:
    """``30d``, ``12h``, ``90m``, ``45s``, ``2w`` as a timedelta (refused with the reason)."""
    import datetime

    number, unit = text.strip()[:-1], text.strip()[-1:].lower()
    if unit not in _DURATION_UNITS or not number.isdigit():
        raise CliError(
            f"--older-than {text!r} is not a duration: use a whole number and a unit, "
            "s, m, h, d or w (e.g. 30d)",
            EXIT_USAGE,
        )
    return datetime.timedelta(seconds=int(number) * _DURATION_UNITS[unit])


@db_app.command("prune")
@handled
def db_prune(
    older_than: Annotated[
        str,
        typer.Option(
            "--older-than", help="Prune conversations idle for longer than this (30d, 12h...)."
        ),
    ],
    keep_latest: Annotated[
        bool,
        typer.Option(
            "--keep-latest",
            help="Keep each idle conversation's current state; drop only its history.",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Delete conversations idle for longer than --older-than (or only their history)."""
    from storage import SQLSaver

    age = _duration(older_than)
    session = _session(db, "default")
    session.check_url()
    saver = SQLSaver.from_url(session.url)
    try:
        strategy = "keep_latest" if keep_latest else "delete"
        pruned = saver.prune_idle(age, strategy=strategy)
    finally:
        saver.close()
    what = "kept their latest state, dropped their history" if keep_latest else "deleted"
    print(
        f"{len(pruned)} conversation(s) idle for more than {older_than} in "
        f"{session.shown_url}: {what}"
    )


@app.command()
@handled
def demo(
    db: DbOption = None,
    thread: Annotated[
        str | None,
        typer.Option("--thread", "-t", help="Conversation id [default: a new demo-<time> id]."),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Folder for the generated sample dataset [default: ~/.trainchat/samples].",
        ),
    ] = None,
) -> None:
    """Run a scripted conversation with the offline parser, ending with a confirmed job."""
    from agent.cli.demo import run_demo

    run_demo(_console(), db=db, thread=thread, data_root=data)


RunsDirOption = Annotated[
    str | None,
    typer.Option(
        "--runs-dir",
        envvar="TRAINCHAT_RUNS_DIR",
        show_envvar=True,
        help="Folder for run folders (<thread>/<run id>/) [default: ./runs].",
    ),
]


@app.command()
@handled
def run(
    wait: Annotated[
        bool, typer.Option("--wait", "-w", help="Follow it with a progress bar until it ends.")
    ] = False,
    again: Annotated[
        bool, typer.Option("--again", help="Train a new run even though one already ended.")
    ] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the failed or cancelled run.")
    ] = False,
    runs_dir: RunsDirOption = None,
    on: Annotated[
        str,
        typer.Option(
            "--on", help="Where it trains: local (a worker on this machine) or ray (a Ray cluster)."
        ),
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option(
            "--address",
            help="--on ray: the cluster's dashboard (Jobs API) [default: $TRAINCHAT_RAY_ADDRESS, "
            "else http://127.0.0.1:8265].",
        ),
    ] = None,
    cpus: Annotated[
        float | None,
        typer.Option(
            "--cpus", help="--on ray: CPUs the run asks for [default: $TRAINCHAT_RAY_CPUS, else 1]."
        ),
    ] = None,
    gpus: Annotated[
        float | None,
        typer.Option(
            "--gpus", help="--on ray: GPUs the run asks for [default: $TRAINCHAT_RAY_GPUS, else 0]."
        ),
    ] = None,
    db: DbOption = None,
    thread: ThreadOption = "default",
) -> None:
    """Train the thread's confirmed job in a background worker (it outlives this command), on
    this machine or, with --on ray, as a Ray job on a cluster."""
    from agent.cli.training import EXIT_TRAINING, start_run, watch_run

    if again and resume:
        raise CliError("--again and --resume exclude each other", 2)
    session = _session(db, thread)
    started, new = start_run(
        session,
        runs_dir=runs_dir,
        again=again,
        resume=resume,
        attach=wait,
        on=on,
        address=address,
        cpus=cpus,
        gpus=gpus,
    )
    verb = ("resumed" if resume else "started") if new else "following"
    print(f"{verb} run {started.run_id} (thread {thread}); log: {started.output_dir}/worker.log")
    if started.worker and started.worker.startswith("ray:"):
        job_id, _, where = started.worker.removeprefix("ray:").partition("@")
        print(f"Ray job {job_id}: ray job logs {job_id} --address {where}")
        if started.waiting:
            print(f"not started yet: {started.waiting}")
    if not wait:
        print(f"follow it: trainchat run --wait --thread {thread}   ·   stop: trainchat stop")
        return
    console = _console()
    try:
        ended = watch_run(session, started, console)
    except KeyboardInterrupt:
        print(f"\nstopped watching; run {started.run_id} keeps training (trainchat stop cancels)")
        raise typer.Exit(130) from None
    from agent.run_display import run_panel

    console.print(run_panel(ended))
    if ended.status != "succeeded":
        reason = f": {ended.error}" if ended.error else ""
        raise CliError(f"run {ended.run_id} {ended.status}{reason}", EXIT_TRAINING)


@app.command()
@handled
def stop(db: DbOption = None, thread: ThreadOption = "default") -> None:
    """Cancel the thread's training run: the worker and every process it started end."""
    from agent.cli.training import stop_run

    stopped = stop_run(_session(db, thread))
    print(f"cancelled run {stopped.run_id} at epoch {stopped.epoch}/{stopped.epochs}")


@app.command()
@handled
def runs(
    as_json: JsonOption = False,
    db: DbOption = None,
    thread: Annotated[
        str | None,
        typer.Option("--thread", "-t", help="Only this conversation [default: every thread]."),
    ] = None,
) -> None:
    """List training runs: status, epoch, main metric, folder (newest first)."""
    from agent.cli.training import refresh_stored_run, thread_runs

    session = _session(db, thread or "default")
    if thread is not None:
        session.require_current()
        names = [thread]
    else:
        names = [row.thread for row in session.threads()]
    rows = []
    for name in names:
        refresh_stored_run(session, thread=name)  # a dead worker is listed failed, not running
        rows += [(name, item) for item in thread_runs(session, name)]
    rows.sort(key=lambda pair: pair[1].run_id, reverse=True)
    if as_json:
        _print_json([{"thread": name, **item.as_json()} for name, item in rows])
        return
    if not rows:
        print("no training runs yet: confirm a job, then `trainchat run`")
        return
    from agent.run_display import runs_table

    _console().print(runs_table(rows))
