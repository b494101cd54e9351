"""``trainchat demo``: a scripted conversation that shows the whole product in ten seconds.

It runs on the embedded default (a SQLite file, the offline parser), so it needs no key, no
server and no network. A small sample dataset is generated first, so the dataset step really
inspects a folder. The script exercises what makes the agent more than a form: several values
in one message, a question, a correction, an undo, and an explicit confirmation.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from agent.cli.errors import CliError

__all__ = ["demo_script", "sample_root", "run_demo"]


def demo_script(dataset_path: str) -> tuple[str, ...]:
    """The user's side of the demo conversation, for a dataset at ``dataset_path``."""
    return (
        "I want to train ResNet18 for image classification",
        f"my dataset is in {dataset_path}",
        "what's left?",
        "20 epochs, batch size 16, learning rate 3e-4",
        "actually use efficientnet_b0",
        "undo",
        "yes",
    )


def sample_root(data_root: Path | None) -> Path:
    """Where sample datasets go: ``--data``, else ``$TRAINCHAT_HOME/samples`` or ~/.trainchat."""
    if data_root is not None:
        return data_root
    home = os.environ.get("TRAINCHAT_HOME") or os.path.join(Path.home(), ".trainchat")
    return Path(home) / "samples"


def run_demo(console: Any, *, db: str | None, thread: str | None, data_root: Path | None) -> Any:
    """Generate a dataset, play the script turn by turn, print the confirmed job; return it."""
    from rich.rule import Rule
    from rich.text import Text

    from agent.cli.session import Session
    from agent.display import job_panel, print_turn, step_label
    from graph.datasets.samples import make_sample_dataset

    root = sample_root(data_root) / "imagefolder"
    # 20 images a class: enough that the demo's batch of 16 is smaller than the training set.
    dataset_path = str(make_sample_dataset(root, "imagefolder", images_per_class=20))
    thread_id = thread or time.strftime("demo-%Y%m%d-%H%M%S")
    session = Session(db=db, thread=thread_id, llm="offline")
    session.check_url()
    console.print(
        Text(
            f"trainchat demo — thread {thread_id!r} in {session.shown_url}, offline parser",
            style="bold",
        )
    )
    console.print(Text(f"sample dataset generated in {dataset_path}", style="dim"))
    turn = None
    for message in demo_script(dataset_path):
        console.print(Rule(style="dim"))
        console.print(Text.assemble(("you › ", "bold magenta"), message))
        turn = session.say(message)
        print_turn(console, turn)
    console.print(Rule(style="dim"))
    if turn is None or turn.step != "done" or turn.job is None:
        step = step_label(turn.step if turn else None)
        raise CliError(f"the demo did not end with a confirmed job (stopped at step {step})")
    console.print(job_panel(turn.job))
    console.print(
        Text(
            f"\nexplore it: trainchat history --thread {thread_id}   ·   "
            f"trainchat export --thread {thread_id} --format yaml",
            style="dim",
        )
    )
    return turn.job
