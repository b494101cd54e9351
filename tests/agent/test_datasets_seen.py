"""What a dataset folder held is part of the state: undo and forks restore what was seen then,
and say so when the folder has changed since (issue 11, point 2).

Real folders (``make_sample_dataset``), the real agent on SQLite; the folder is changed on disk
between turns by adding a class.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from agent import create_agent
from graph.datasets.samples import make_sample_dataset

CHANGED = "has changed since it was inspected"


def _add_class(folder: Path) -> None:
    for split in ("train", "val"):
        shutil.copytree(folder / split / "cat", folder / split / "fish")


class Chat:
    def __init__(self, tmp_path: Path, thread: str) -> None:
        self.agent = create_agent(f"sqlite:///{tmp_path}/chat.db", llm="offline")
        self.config: dict[str, Any] = {"configurable": {"thread_id": thread}}

    def say(self, text: str, config: dict[str, Any] | None = None) -> dict[str, Any]:
        message = {"messages": [{"role": "user", "content": text}]}
        out: dict[str, Any] = self.agent.invoke(message, config or self.config)  # type: ignore[arg-type]
        return out


def test_undo_brings_back_the_folder_as_it_was_seen_and_says_it_changed(tmp_path: Path) -> None:
    first = make_sample_dataset(tmp_path / "first", "imagefolder")
    second = make_sample_dataset(tmp_path / "second", "imagefolder", classes=("a", "b"))
    chat = Chat(tmp_path, "undo")
    chat.say("train resnet18 for image classification")
    assert chat.say(str(first))["config"].num_classes == 3
    assert chat.say(f"use {second} instead")["config"].num_classes == 2
    _add_class(first)
    out = chat.say("undo")
    assert out["config"].dataset_path == str(first) and out["config"].num_classes == 3
    assert out["dataset"].num_classes == 3  # what was seen then, not the 4 classes of today
    assert CHANGED in out["messages"][-1].content
    again = chat.say(str(first))  # giving the path again reads the folder as it is now
    assert again["config"].num_classes == 4 and CHANGED not in again["messages"][-1].content


def test_undo_to_an_unchanged_folder_says_nothing_about_it(tmp_path: Path) -> None:
    first = make_sample_dataset(tmp_path / "first", "imagefolder")
    second = make_sample_dataset(tmp_path / "second", "imagefolder", classes=("a", "b"))
    chat = Chat(tmp_path, "undo-same")
    chat.say("train resnet18 for image classification")
    chat.say(str(first))
    chat.say(f"use {second} instead")
    out = chat.say("undo")
    assert out["config"].num_classes == 3 and CHANGED not in out["messages"][-1].content


def _after_dataset_turn(chat: Chat) -> dict[str, Any]:
    """The checkpoint after the dataset turn, before any hyperparameter."""
    for snapshot in chat.agent.get_state_history(chat.config):  # type: ignore[arg-type]
        config = snapshot.values.get("config")
        if config is not None and config.dataset_path and config.epochs is None:
            return dict(snapshot.config)
    raise AssertionError("no checkpoint after the dataset turn")


def test_a_fork_looks_at_the_folder_again_and_keeps_what_was_seen(tmp_path: Path) -> None:
    folder = make_sample_dataset(tmp_path / "data", "imagefolder")
    chat = Chat(tmp_path, "fork")
    chat.say("train resnet18 for image classification")
    chat.say(str(folder))
    chat.say("10 epochs")
    at_dataset = _after_dataset_turn(chat)
    unchanged = chat.say("batch 8", at_dataset)
    assert CHANGED not in unchanged["messages"][-1].content
    _add_class(folder)
    forked = chat.say("batch 16", at_dataset)
    assert CHANGED in forked["messages"][-1].content
    assert forked["config"].num_classes == 3 and forked["config"].batch_size == 16
    latest = chat.say("lr 0.01")  # the same thread, not a fork: the folder is not read again
    assert CHANGED not in latest["messages"][-1].content
