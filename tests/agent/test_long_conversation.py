"""A 300-turn thread behaves like a 5-turn one: history, undo, forks, transcript (issue 14).

A state keeps only the newest ``RECENT_MESSAGES`` messages, so a long thread must lose nothing
a short one offers. Both threads end with the same five turns (the long one after five jobs of
59 turns, each ending with "new job"), so their states, undos and forks must match; the
transcript and ``trainchat history`` must still hold every message of all 300 turns; and the
stored state must equal a clean replay of the user's messages on another saver.

The threads are built once per database (SQLite and PostgreSQL) and only ever read or forked
from a named checkpoint, so the tests do not depend on each other's order.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from agent import create_agent
from agent.cli.timeline import checkpoint_rows
from agent.training.local import LocalRunControl
from agent.transcript import checkpoint_chain
from graph.datasets.samples import make_sample_dataset
from graph.state import RECENT_MESSAGES, STATE_MSGPACK_TYPES
from storage import make_serializer
from tests.databases import server_database, sqlite_url

LONG_TURNS = 300


def _tail(dataset: str) -> list[str]:
    return ["train resnet18 for classification", dataset, "10 epochs", "batch size 32", "lr 0.001"]


def _job(dataset: str, number: int) -> list[str]:
    """A job of 59 turns: set-up, 52 corrections at confirm, yes, new job."""
    tweaks = [
        (f"epochs {10 + (number + k) % 40}", "batch size 16", "undo", "what's left?")[k % 4]
        for k in range(52)
    ]
    return [*_tail(dataset), *tweaks, "yes", "new job"]


def _scripts(dataset: str) -> dict[str, list[str]]:
    filler = [text for number in range(5) for text in _job(dataset, number)]
    assert len(filler) == LONG_TURNS - 5
    return {"short": _tail(dataset), "long": [*filler, *_tail(dataset)]}


def _config(thread: str, checkpoint_id: str | None = None) -> dict[str, Any]:
    configurable = {"thread_id": thread}
    if checkpoint_id is not None:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


def _say(agent: Any, text: str, config: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = agent.invoke({"messages": [{"role": "user", "content": text}]}, config)
    return out


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Values without message ids or object identity, comparable across threads and savers."""

    def dump(value: Any) -> Any:
        return value.model_dump(mode="json") if hasattr(value, "model_dump") else value

    job = dump(values.get("job"))
    if isinstance(job, dict):
        job.pop("created_from", None)
    return {
        "config": dump(values.get("config")),
        "step": values.get("step"),
        "dataset": dump(values.get("dataset")),
        "previous": [dump(c) for c in values.get("previous", ())],
        "job": job,
        "messages": [(m.type, m.content) for m in values.get("messages", ())],
    }


class Threads:
    """The database, the agent on it, each thread's script and its last checkpoint id."""

    def __init__(self, url: str, dataset: str) -> None:
        self.agent = create_agent(url, llm="offline")
        self.dataset = dataset
        self.scripts = _scripts(dataset)
        self.end: dict[str, str] = {}
        for name, texts in self.scripts.items():
            for text in texts:
                _say(self.agent, text, _config(name))
            state = self.agent.get_state(_config(name))
            self.end[name] = state.config["configurable"]["checkpoint_id"]
        # The same script on another saver: what a clean replay of the user's messages gives.
        # Same run control too (none is started): with one, "done" offers to start training.
        self.replay = create_agent(
            checkpointer=InMemorySaver(serde=make_serializer(STATE_MSGPACK_TYPES)),
            llm="offline",
            runs=LocalRunControl(url),
        )
        for text in self.scripts["long"]:
            _say(self.replay, text, _config("replay"))
        self.replay_end = self.replay.get_state(_config("replay")).config

    def at_end(self, name: str) -> dict[str, Any]:
        """The run config of ``name``'s last scripted checkpoint."""
        return _config(name, self.end[name])


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def threads(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Threads]:
    folder = tmp_path_factory.mktemp(f"long-{request.param}")
    dataset = str(make_sample_dataset(Path(folder) / "data", "imagefolder"))
    if request.param == "sqlite":
        built = Threads(sqlite_url(folder), dataset)
        yield built
        built.agent.checkpointer.close()
        return
    with server_database(request.param) as url:
        built = Threads(url, dataset)
        yield built
        built.agent.checkpointer.close()


def test_a_long_thread_ends_in_the_state_a_short_one_does(threads: Threads) -> None:
    long = threads.agent.get_state(threads.at_end("long")).values
    short = threads.agent.get_state(threads.at_end("short")).values
    assert _plain(long) == _plain(short)
    assert len(long["messages"]) == RECENT_MESSAGES  # bounded, however long the thread


def test_the_stored_state_equals_a_clean_replay_on_another_saver(threads: Threads) -> None:
    stored = threads.agent.get_state(threads.at_end("long")).values
    assert _plain(stored) == _plain(threads.replay.get_state(threads.replay_end).values)
    assert [(m.type, m.content) for m in threads.agent.transcript(threads.at_end("long"))] == [
        (m.type, m.content) for m in threads.replay.transcript(threads.replay_end)
    ]


@pytest.mark.parametrize("name", ["short", "long"])
def test_the_transcript_and_history_hold_every_message(threads: Threads, name: str) -> None:
    texts = threads.scripts[name]
    said = threads.agent.transcript(threads.at_end(name))
    assert len(said) == 2 * len(texts)
    assert [m.content for m in said[::2]] == texts
    assert all(m.type == "ai" and m.content for m in said[1::2])
    chain = checkpoint_chain(threads.agent, threads.at_end(name))
    assert len(chain) == len(texts)  # one checkpoint per turn
    on_chain = {snapshot.config["configurable"]["checkpoint_id"] for snapshot in chain}
    # Forks made by other tests are newer than the end, so they cannot change these rows.
    rows = [
        row
        for row in checkpoint_rows(threads.agent, _config(name))
        if row.checkpoint_id in on_chain
    ]
    assert len(rows) == len(texts)
    yours = [line for row in rows for line in row.changes if line.startswith("you: ")]
    assert len(yours) == len(texts)
    for line, text in zip(yours, texts, strict=True):  # long texts are clipped with "…"
        assert line == f"you: {text}" or (line.endswith("…") and text.startswith(line[5:-1]))


def test_undo_walks_back_the_same_way(threads: Threads) -> None:
    outs = {}
    for name in ("short", "long"):
        first = _say(threads.agent, "undo", threads.at_end(name))
        second = _say(threads.agent, "undo", _config(name))
        outs[name] = (first["config"], second["config"], len(second["previous"]))
    assert outs["long"] == outs["short"]
    first_config, second_config, _ = outs["long"]
    assert first_config.learning_rate is None and first_config.batch_size == 32
    assert second_config.batch_size is None and second_config.epochs == 10


@pytest.mark.parametrize("turn", [3, 298])
def test_a_fork_from_any_checkpoint_of_a_long_thread_is_a_clean_replay(
    threads: Threads, turn: int
) -> None:
    chain = checkpoint_chain(threads.agent, threads.at_end("long"))
    assert len(chain) == LONG_TURNS
    fork_from = chain[turn - 1].config
    forked = _say(threads.agent, "batch size 64", fork_from)
    replayed = checkpoint_chain(threads.replay, threads.replay_end)[turn - 1].config
    expected = _say(threads.replay, "batch size 64", replayed)
    assert _plain(forked) == _plain(expected)
    head = threads.agent.get_state(_config("long"))
    said = threads.agent.transcript(head.config)
    assert [m.content for m in said[::2]] == [*threads.scripts["long"][:turn], "batch size 64"]
    # The branch it forked from is untouched: its transcript still ends with its own turns.
    original = threads.agent.transcript(threads.at_end("long"))
    assert [m.content for m in original[::2]] == threads.scripts["long"]


def test_a_fork_of_the_short_thread_matches_the_long_threads(threads: Threads) -> None:
    results = {}
    for name in ("short", "long"):
        chain = checkpoint_chain(threads.agent, threads.at_end(name))
        results[name] = _plain(_say(threads.agent, "batch size 64", chain[-3].config))
    # The long thread's window still shows the end of the job before ("new job"); the turn
    # itself, and everything else, is the same.
    short, long = results["short"], results["long"]
    assert short.pop("messages")[-2:] == long.pop("messages")[-2:]
    assert short == long
