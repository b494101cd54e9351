"""NUL and control characters, unicode, look-alike ids and SQL injection attempts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from langgraph.checkpoint.conformance.test_utils import (
    generate_checkpoint,
    generate_config,
    generate_metadata,
)

from storage import SQLSaver
from tests.storage.checkpoints import put_values

CONTROL = "nul\x00 bell\x07 tab\t newline\n cr\r esc\x1b del\x7f unit\x1f end"
KOREAN = "데이터셋 경로는 C:\\datasets\\분류 입니다 🚀🐱‍👤"


def test_nul_and_control_characters_round_trip(saver: SQLSaver) -> None:
    """PostgreSQL refuses NUL in text; LangGraph's savers strip it. Nothing is lost here."""
    long = CONTROL * 50  # stored as a blob, not inline
    stored = put_values(
        saver,
        "ctl",
        {"short": CONTROL, "long": long, "list": [CONTROL]},
        note=CONTROL,
        **{"key\x00with nul": "v"},
    )
    saver.put_writes(stored, [("ch", CONTROL)], "task\x07")
    tup = saver.get_tuple(stored)
    assert tup is not None
    assert tup.checkpoint["channel_values"] == {"short": CONTROL, "long": long, "list": [CONTROL]}
    assert tup.metadata["note"] == CONTROL and tup.metadata["key\x00with nul"] == "v"
    assert tup.pending_writes == [("task\x07", "ch", CONTROL)]
    assert [t.metadata["note"] for t in saver.list(None, filter={"note": CONTROL})] == [CONTROL]
    assert len(list(saver.list(None, filter={"key\x00with nul": "v"}))) == 1


def test_unicode_everywhere(saver: SQLSaver) -> None:
    thread, ns = "대화-🚀", "서브그래프:1"
    config = {"configurable": {"thread_id": thread, "checkpoint_ns": ns}}
    checkpoint = generate_checkpoint(channel_values={"msg": KOREAN}, channel_versions={"msg": 1})
    stored = saver.put(config, checkpoint, generate_metadata(user="김철수 😀"), {"msg": 1})
    tup = saver.get_tuple(stored)
    assert tup is not None and tup.checkpoint["channel_values"]["msg"] == KOREAN
    assert tup.config["configurable"]["thread_id"] == thread
    assert [t.metadata["user"] for t in saver.list(None, filter={"user": "김철수 😀"})] == [
        "김철수 😀"
    ]
    saver.copy_thread(thread, thread + "-복사")
    assert saver.get_tuple({"configurable": {"thread_id": thread + "-복사", "checkpoint_ns": ns}})


def test_look_alike_thread_ids_stay_apart(saver: SQLSaver) -> None:
    """MySQL's default collation would merge these: case, accents, trailing spaces."""
    names = ["thread", "Thread", "THREAD", "thread ", "thréad"]
    for index, name in enumerate(names):
        put_values(saver, name, {"n": index})
    for index, name in enumerate(names):
        tup = saver.get_tuple(generate_config(name))
        assert tup is not None and tup.checkpoint["channel_values"]["n"] == index, name
        assert len(list(saver.list(generate_config(name)))) == 1, name


INJECTIONS = [
    "'; DROP TABLE trainchat_checkpoints; --",
    '" OR 1=1 --',
    "x') OR ('1'='1",
    "%",
    "_",
    "\\",
    "so_rce",
    "$.source",
    '":"loop',
]


def test_sql_injection_in_filters_is_harmless(saver: SQLSaver) -> None:
    put_values(saver, "victim", {"v": 0}, source="loop")
    for number, attack in enumerate(INJECTIONS, start=1):
        put_values(saver, "victim", {"v": number}, source="input", **{attack: attack})
    for number, attack in enumerate(INJECTIONS, start=1):
        # as a value: matches nothing it should not
        assert list(saver.list(None, filter={"source": attack})) == [], attack
        # as a key: matches exactly the checkpoint that has it
        found = list(saver.list(None, filter={attack: attack}))
        assert [t.checkpoint["channel_values"]["v"] for t in found] == [number], attack
        assert list(saver.list(None, filter={attack: "other"})) == [], attack
        # as a thread id
        assert saver.get_tuple(generate_config(attack)) is None
        saver.delete_thread(attack)
        saver.prune([attack])
    # nothing was dropped or changed
    assert len(list(saver.list(generate_config("victim")))) == len(INJECTIONS) + 1
    assert "trainchat_checkpoints" in sa.inspect(saver.engine).get_table_names()


def test_filters_compare_exactly(saver: SQLSaver) -> None:
    """The LIKE prefilter over-matches on purpose; the exact check decides."""
    put_values(saver, "f", {"v": 1}, step=1, parents={"": "abc"}, flag=True)
    put_values(saver, "f", {"v": 2}, step=10, parents={}, flag=1)
    steps = lambda flt: sorted(t.metadata["step"] for t in saver.list(None, filter=flt))  # noqa: E731
    assert steps({"step": 1}) == [1]
    assert steps({"step": 1.0}) == [1]  # numbers compare as numbers, as in jsonb
    assert steps({"step": "1"}) == []
    assert steps({"parents": {"": "abc"}}) == [1]
    assert steps({"parents": {}}) == [10]
    assert steps({"flag": True}) == [1]
    assert steps({"flag": 1}) == [10]
    assert steps({"": "abc"}) == []  # a nested key is not a top-level key
    assert steps({"step": 1, "flag": 1}) == []
    assert steps({}) == [1, 10]


def test_too_long_keys_are_refused_not_truncated(saver: SQLSaver) -> None:
    """MySQL would silently cut a long id to fit its column; the saver refuses it instead."""
    with pytest.raises(ValueError, match="thread_id is longer than 255 bytes"):
        put_values(saver, "t" * 256, {"v": 1})
    with pytest.raises(ValueError, match="thread_id is longer"):
        put_values(saver, "가" * 100, {"v": 1})  # 100 characters, 300 bytes
    stored = put_values(saver, "ok", {"v": 1})
    with pytest.raises(ValueError, match="task_id is longer"):
        saver.put_writes(stored, [("c", 1)], "x" * 300)
    assert saver.get_tuple(generate_config("t" * 255)) is None
