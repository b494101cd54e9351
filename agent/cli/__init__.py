"""The ``trainchat`` command line: chat, say, show, history, undo, threads, export, graph, db, demo,
run, stop, runs.

``main`` is the console-script entry point (``trainchat = "agent.cli:main"``). Importing this
package loads only typer; each command imports what it needs when it runs.
"""

from __future__ import annotations

import sys

from agent.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``trainchat`` console script."""
    try:
        app(prog_name="trainchat")
    except KeyboardInterrupt:
        # Every turn is checkpointed before the reply prints, so nothing stored is lost here.
        print("\ntrainchat: interrupted; everything up to the last reply is saved", file=sys.stderr)
        raise SystemExit(130) from None
