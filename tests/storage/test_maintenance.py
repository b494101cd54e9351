"""prune, delete_for_runs and copy_thread keep every value the remaining checkpoints need."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from langgraph.checkpoint.conformance.test_utils import (
    generate_checkpoint,
    generate_config,
    generate_metadata,
)

from storage import SQLSaver
from storage.schema import blobs, writes


def _chain(saver: SQLSaver, thread: str, steps: int, run_id: str = "run") -> list[Any]:
    """``steps`` checkpoints: ``static`` is written once (its blob stays at version 1),
    ``growing`` gets a new version every step."""
    configs, parent = [], generate_config(thread)
    for step in range(steps):
        versions = {"static": 1, "growing": step + 1}
        checkpoint = generate_checkpoint(
            channel_values={"static": ["written", "once"], "growing": list(range(step + 1))},
            channel_versions=versions,
        )
        new = versions if step == 0 else {"growing": step + 1}
        parent = saver.put(parent, checkpoint, generate_metadata(step=step, run_id=run_id), new)
        saver.put_writes(parent, [("growing", step)], f"task-{step}")
        configs.append(parent)
    return configs


def _blob_versions(saver: SQLSaver, thread: str) -> set[tuple[str, str]]:
    with saver.engine.connect() as conn:
        rows = conn.execute(
            sa.select(blobs.c.channel, blobs.c.version).where(blobs.c.thread_id == thread)
        )
        return {(r.channel, r.version) for r in rows}


def _write_rows(saver: SQLSaver, thread: str) -> int:
    with saver.engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).select_from(writes).where(writes.c.thread_id == thread)
            ).scalar_one()
        )


def test_keep_latest_keeps_what_the_head_reads(saver: SQLSaver) -> None:
    configs = _chain(saver, "p", 5)
    _chain(saver, "untouched", 2)
    saver.prune(["p"], strategy="keep_latest")
    head = saver.get_tuple(generate_config("p"))
    assert head is not None and head.config == configs[-1]
    # "static" still reads its version-1 blob, written by a checkpoint that is gone
    assert head.checkpoint["channel_values"] == {
        "static": ["written", "once"],
        "growing": [0, 1, 2, 3, 4],
    }
    assert head.pending_writes == [("task-4", "growing", 4)]
    assert _blob_versions(saver, "p") == {("static", "1"), ("growing", "5")}
    assert _write_rows(saver, "p") == 1
    assert len(list(saver.list(generate_config("untouched")))) == 2
    saver.prune(["p"], strategy="delete")
    assert _blob_versions(saver, "p") == set() and _write_rows(saver, "p") == 0


def test_delete_for_runs_frees_only_unused_blobs(saver: SQLSaver) -> None:
    first = _chain(saver, "r", 2, run_id="run-a")
    checkpoint = generate_checkpoint(
        channel_values={"static": ["written", "once"], "growing": [9]},
        channel_versions={"static": 1, "growing": 9},
    )
    saver.put(first[-1], checkpoint, generate_metadata(run_id="run-b"), {"growing": 9})
    saver.delete_for_runs(["run-a"])
    left = list(saver.list(generate_config("r")))
    assert [t.metadata["run_id"] for t in left] == ["run-b"]
    assert left[0].checkpoint["channel_values"]["static"] == ["written", "once"]
    assert _blob_versions(saver, "r") == {("static", "1"), ("growing", "9")}
    assert _write_rows(saver, "r") == 0


def test_copy_thread_is_a_full_independent_copy(saver: SQLSaver) -> None:
    source = _chain(saver, "src", 3)
    saver.put_writes(source[0], [("__interrupt__", "fork point")], "t")
    saver.copy_thread("src", "dst")
    saver.delete_thread("src")
    copied = list(saver.list(generate_config("dst")))
    assert [t.checkpoint["id"] for t in copied] == [
        c["configurable"]["checkpoint_id"] for c in reversed(source)
    ]
    assert copied[0].checkpoint["channel_values"]["growing"] == [0, 1, 2]
    assert copied[-1].pending_writes == [
        ("t", "__interrupt__", "fork point"),
        ("task-0", "growing", 0),
    ]
    assert copied[0].parent_config == {
        "configurable": {
            "thread_id": "dst",
            "checkpoint_ns": "",
            "checkpoint_id": source[1]["configurable"]["checkpoint_id"],
        }
    }


def test_special_writes_replace_without_updating(saver: SQLSaver) -> None:
    """A second interrupt for the same task replaces the first (by appending a newer row)."""
    stored = _chain(saver, "w", 1)[0]
    saver.put_writes(stored, [("__interrupt__", "first")], "task")
    saver.put_writes(stored, [("__interrupt__", "second")], "task")
    saver.put_writes(stored, [("ch", "regular"), ("__error__", "kept-first")], "task2")
    saver.put_writes(stored, [("ch", "ignored"), ("__error__", "ignored")], "task2")
    tup = saver.get_tuple(stored)
    assert tup is not None
    assert sorted(tup.pending_writes or []) == sorted(
        [
            ("task", "__interrupt__", "second"),
            ("task2", "__error__", "kept-first"),
            ("task2", "ch", "regular"),
            ("task-0", "growing", 0),
        ]
    )


def test_list_pages_filters_and_limits(saver: SQLSaver) -> None:
    """More checkpoints than one page; a filter matching every third one; before + limit."""
    parent: Any = generate_config("many")
    ids = []
    for step in range(230):
        checkpoint = generate_checkpoint()
        parent = saver.put(
            parent, checkpoint, generate_metadata(step=step, third=step % 3 == 0), {}
        )
        ids.append(checkpoint["id"])
    newest_first = list(reversed(ids))
    assert [t.checkpoint["id"] for t in saver.list(generate_config("many"))] == newest_first
    thirds = [t.metadata["step"] for t in saver.list(None, filter={"third": True}, limit=70)]
    assert thirds == [s for s in range(229, -1, -1) if s % 3 == 0][:70]
    before = {"configurable": {"checkpoint_id": ids[150]}}
    page = [
        t.checkpoint["id"] for t in saver.list(generate_config("many"), before=before, limit=120)
    ]
    assert page == newest_first[80:200]


def test_next_version_is_increasing_and_collision_free(saver: SQLSaver) -> None:
    first = saver.get_next_version(None, None)
    assert first.startswith("0" * 9 + "1.")
    siblings = {saver.get_next_version(first, None) for _ in range(2000)}
    assert len(siblings) == 2000  # two forks bumping one channel never share a version
    assert all(s > first for s in siblings)
    chain = [first]
    for _ in range(50):
        chain.append(saver.get_next_version(chain[-1], None))
    assert chain == sorted(chain) and len(set(chain)) == len(chain)
    assert saver.get_next_version(7, None).startswith("0" * 9 + "8.")  # type: ignore[arg-type]


def test_a_thread_with_32_digit_versions_continues_above_them(saver: SQLSaver) -> None:
    """Threads stored before versions were shortened carry LangGraph's 32-digit counters; the
    next version must still compare greater (LangGraph compares versions as strings)."""
    for old_number in (1, 9, 298, 10**9 - 1):
        old = f"{old_number:032}.{1234567890123456:016}"
        new = saver.get_next_version(old, None)
        assert new > old and int(new.split(".")[0]) == old_number + 1
        assert max([old, new]) == new
        assert saver.get_next_version(new, None) > new


def test_version_suffixes_differ_across_processes_and_forks() -> None:
    """A forked child (a worker started by ``multiprocessing`` with fork) picks its own prefix,
    so its versions never repeat its parent's even though both counts go on from the same
    number."""
    import multiprocessing

    from storage.versions import next_suffix

    context = multiprocessing.get_context("fork")
    children = []
    for _ in range(2):
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_send_suffixes, args=(send, 50))
        child.start()
        children.append(receive.recv())
        child.join(timeout=30)
    mine = _suffixes(50)
    together = mine + children[0] + children[1]
    assert len(set(together)) == len(together)
    assert len({s[:8] for s in together}) == 3  # one prefix per process
    assert all(len(s) == 16 and s.isdigit() for s in together)
    assert next_suffix()[:8] == mine[0][:8]


def _send_suffixes(connection: Any, count: int) -> None:
    connection.send(_suffixes(count))


def _suffixes(count: int) -> list[str]:
    from storage.versions import next_suffix

    return [next_suffix() for _ in range(count)]
