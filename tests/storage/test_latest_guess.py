"""``get_tuple`` in one statement when this process knows the newest checkpoint, right anyway.

The saver remembers, per conversation, the id and blob versions of the newest checkpoint it wrote
or read (``storage.latest_guesses``) and asks for them together with the checkpoint row. These
tests make the guess wrong in every way it can be — another saver (another process) wrote since,
with other values and other pending writes; the thread was deleted; an older checkpoint is
asked for by id — and compare each read with what a saver that guesses nothing returns. On
SQLite the saver keeps no guesses (a statement there is not a round trip): every read is the
two-statement one, and the same assertions hold.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.base import CheckpointTuple
from langgraph.checkpoint.conformance.test_utils import generate_config

from storage import SQLSaver, queries
from tests.storage.checkpoints import put_values

_MESSAGES_V1 = [HumanMessage(content="first " * 30, id="m1")]
_MESSAGES_V2 = [*_MESSAGES_V1, HumanMessage(content="second " * 30, id="m2")]


def _same(found: CheckpointTuple | None, expected: CheckpointTuple | None) -> None:
    assert found is not None and expected is not None
    assert found.config == expected.config
    assert found.parent_config == expected.parent_config
    assert found.checkpoint == expected.checkpoint
    assert found.metadata == expected.metadata
    assert found.pending_writes == expected.pending_writes


def _one_statement(saver: SQLSaver) -> dict[str, int]:
    """What a read the guess covers runs: the guessing statement on a server, the row and
    then the extras on SQLite."""
    if saver.dialect == "sqlite":
        return {"guessing": 0, "extras": 1}
    return {"guessing": 1, "extras": 0}


def _count_statements(saver: SQLSaver, monkeypatch: Any) -> dict[str, int]:
    """How many guessing statements and second statements (extras) ``get_tuple`` runs."""
    counts = {"guessing": 0, "extras": 0}
    guessing, extras = queries._guessing_statement, queries._extras

    def count_guessing(*args: Any) -> Any:
        counts["guessing"] += 1
        return guessing(*args)

    def count_extras(*args: Any) -> Any:
        counts["extras"] += 1
        return extras(*args)

    monkeypatch.setattr(queries, "_guessing_statement", count_guessing)
    monkeypatch.setattr(queries, "_extras", count_extras)
    return counts


def test_a_read_after_this_saver_wrote_is_one_statement(saver: SQLSaver, monkeypatch: Any) -> None:
    config = put_values(
        saver, generate_config("t"), {"messages": _MESSAGES_V1, "step": 1}, {"messages": 1}
    )
    saver.put_writes(config, [("messages", _MESSAGES_V2[1:]), ("step", 2)], "task-1")
    counts = _count_statements(saver, monkeypatch)
    found = saver.get_tuple(generate_config("t"))
    assert counts == _one_statement(saver)
    assert found is not None and found.checkpoint["channel_values"]["messages"] == _MESSAGES_V1
    assert [(task, channel) for task, channel, _value in found.pending_writes] == [
        ("task-1", "messages"),
        ("task-1", "step"),
    ]
    fresh = SQLSaver(engine=saver.engine)  # guesses nothing: the two-statement read
    _same(found, fresh.get_tuple(generate_config("t")))


def test_a_stale_guess_still_reads_what_another_process_wrote(
    saver: SQLSaver, monkeypatch: Any
) -> None:
    """Another saver on the same database stands for another process: this saver's guess
    names an older checkpoint, other blob versions and no pending writes."""
    first = put_values(saver, generate_config("t"), {"messages": _MESSAGES_V1}, {"messages": 1})
    saver.put_writes(first, [("messages", ["written to the first"])], "task-1")
    other = SQLSaver(engine=saver.engine)
    second = put_values(
        other, first, {"messages": _MESSAGES_V2, "extra": [7] * 50}, {"messages": 2, "extra": 1}
    )
    other.put_writes(second, [("extra", [8])], "task-2")
    counts = _count_statements(saver, monkeypatch)
    found = saver.get_tuple(generate_config("t"))
    guessed = int(saver.dialect != "sqlite")
    assert counts == {"guessing": guessed, "extras": 1}  # a server's guess missed: one more
    assert found is not None
    assert found.config == second
    assert found.checkpoint["channel_values"]["messages"] == _MESSAGES_V2
    assert found.checkpoint["channel_values"]["extra"] == [7] * 50
    assert [(task, channel, value) for task, channel, value in found.pending_writes] == [
        ("task-2", "extra", [8])
    ]
    _same(found, SQLSaver(engine=saver.engine).get_tuple(generate_config("t")))
    counts.update(guessing=0, extras=0)
    assert saver.get_tuple(generate_config("t")) == found  # the read taught it the new one
    assert counts == _one_statement(saver)


def test_a_guess_for_another_checkpoint_than_the_one_asked_for_is_not_used(
    saver: SQLSaver, monkeypatch: Any
) -> None:
    first = put_values(saver, generate_config("t"), {"messages": _MESSAGES_V1}, {"messages": 1})
    saver.put_writes(first, [("messages", ["for the first"])], "task-1")
    second = put_values(saver, first, {"messages": _MESSAGES_V2}, {"messages": 2})
    counts = _count_statements(saver, monkeypatch)
    older = saver.get_tuple(first)
    assert counts["guessing"] == 0  # asked for the first by id; the guess is the second
    assert older is not None and older.checkpoint["channel_values"]["messages"] == _MESSAGES_V1
    assert [value for _task, _channel, value in older.pending_writes] == [["for the first"]]
    counts.update(guessing=0, extras=0)
    newest = saver.get_tuple(second)  # asked by id, and the guess is that id: one statement
    assert counts == _one_statement(saver)
    assert newest is not None and newest.checkpoint["channel_values"]["messages"] == _MESSAGES_V2
    assert saver.get_tuple(generate_config("t")) == newest  # reading the old one by id
    # did not make it the guess for the latest


def test_a_guess_about_a_deleted_thread_reads_nothing(saver: SQLSaver) -> None:
    put_values(saver, generate_config("t"), {"messages": _MESSAGES_V1}, {"messages": 1})
    assert saver.get_tuple(generate_config("t")) is not None
    SQLSaver(engine=saver.engine).delete_thread("t")
    assert saver.get_tuple(generate_config("t")) is None
    with saver.engine.connect() as conn:  # and the read wrote nothing back
        tables = sa.inspect(conn).get_table_names()
        assert all(
            conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
            for table in tables
            if table.endswith(("checkpoints", "blobs", "writes"))
        )
