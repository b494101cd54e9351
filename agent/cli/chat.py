"""``trainchat chat``: an interactive session in a real terminal.

Line editing and a persistent input history come from prompt_toolkit when stdin is a terminal
(piped input falls back to plain line reading, so the loop is scriptable and testable). Every
turn is checkpointed by the agent before its reply is printed, which is why Ctrl-C and Ctrl-D
can simply leave: nothing already answered can be lost, and ``--thread`` resumes it later.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.cli.errors import CliError, describe

__all__ = ["SLASH_HELP", "history_file", "run_chat"]

SLASH_HELP = (
    ("/undo", "undo the last change to the configuration"),
    ("/reset", "start over with an empty configuration"),
    ("/history", "list every checkpoint of this conversation"),
    ("/export [json|yaml|cmd]", "print the confirmed job (default: cmd)"),
    ("/help", "show this list"),
    ("/quit", "leave (Ctrl-D and Ctrl-C leave too; the conversation is saved)"),
)
"""The slash commands, shown by ``/help`` and at the start of a new conversation."""

PROMPT = "you › "
"""What the person types after; the same marker the demo prints before scripted lines."""


def history_file() -> Path:
    """Where typed lines are remembered across sessions: ``$TRAINCHAT_HOME`` or ~/.trainchat."""
    home = os.environ.get("TRAINCHAT_HOME") or os.path.join(Path.home(), ".trainchat")
    return Path(home) / "input_history"


def _line_reader() -> Callable[[str], str]:
    """prompt_toolkit in a terminal; ``input()`` otherwise (pipes, CI)."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return input
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    path = history_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
        history: Any = FileHistory(str(path))
    except OSError:
        history = InMemoryHistory()  # an unwritable home must not stop the chat
    prompt_session: Any = PromptSession(history=history)
    return lambda prompt: str(prompt_session.prompt(prompt))


def run_chat(session: Any, console: Any, read_line: Callable[[str], str] | None = None) -> None:
    """Run the read–reply loop until /quit, Ctrl-D or Ctrl-C."""
    from rich.text import Text

    from agent.display import config_panel, print_turn

    session.check_url()
    current = session.current()
    if current is None:
        console.print(
            Text(
                f"new conversation {session.thread!r} in {session.shown_url}. "
                "Tell me what to train, e.g. “resnet18 for classification”. /help lists commands.",
                style="bold",
            )
        )
    else:
        console.print(Text(f"resuming conversation {session.thread!r}", style="bold"))
        if current.reply:
            console.print(Text(current.reply))
        console.print(config_panel(current.config, current.step, title=f"thread {session.thread}"))
    read = read_line or _line_reader()
    while True:
        try:
            text = read(PROMPT).strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not text:
            continue
        try:
            if text.startswith("/"):
                if not _slash(text, session, console):
                    break
                continue
            with console.status("thinking…"):
                turn = session.say(text)
        except KeyboardInterrupt:
            console.print(Text("interrupted: this message was not answered", style="yellow"))
            break
        except Exception as error:
            # One failed turn (a refused message, a database hiccup) must not end the session:
            # say what went wrong in one line and let the person try again or /quit.
            if os.environ.get("TRAINCHAT_DEBUG"):
                raise
            console.print(Text(describe(error).message, style="red"))
            continue
        print_turn(console, turn)
    console.print(
        Text(
            f"bye — {session.thread!r} is saved; resume with: trainchat chat --thread {session.thread}",
            style="dim",
        )
    )


def _slash(text: str, session: Any, console: Any) -> bool:
    """Run a slash command; ``False`` means leave the chat."""
    from rich.text import Text

    from agent.display import print_turn

    name, _, argument = text.partition(" ")
    name = name.lower()
    if name in ("/quit", "/exit", "/q"):
        return False
    if name == "/help":
        for command, meaning in SLASH_HELP:
            console.print(Text.assemble((f"{command:<24}", "bold cyan"), meaning))
        return True
    if name in ("/undo", "/reset"):
        with console.status("thinking…"):
            turn = session.say("undo" if name == "/undo" else "start over")
        print_turn(console, turn)
        return True
    if name == "/history":
        from agent.display import history_table

        if session.current() is None:
            console.print(Text("nothing yet: this conversation has no checkpoint", style="yellow"))
        else:
            console.print(history_table(session.history()))
        return True
    if name == "/export":
        _export(argument.strip().lower() or "cmd", session, console)
        return True
    console.print(Text(f"unknown command {name}; /help lists them", style="yellow"))
    return True


def _export(export_format: str, session: Any, console: Any) -> None:
    from rich.text import Text

    from agent.cli.session import job_text
    from agent.job_export import EXPORT_FORMATS

    if export_format not in EXPORT_FORMATS:
        console.print(Text(f"usage: /export {'|'.join(EXPORT_FORMATS)}", style="yellow"))
        return
    turn = session.current()
    if turn is None:
        console.print(Text("nothing to export yet", style="yellow"))
        return
    try:
        console.print(Text(job_text(turn, export_format).rstrip("\n")))
    except CliError as error:
        console.print(Text(error.message, style="yellow"))
