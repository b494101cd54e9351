"""``trainchat db prune``: idle conversations go (or keep only their current state); bad
durations are refused with the reason and change nothing."""

from __future__ import annotations

import json

from agent.cli.errors import EXIT_USAGE


def _threads(invoke, db):
    return {
        row["thread"]: row for row in json.loads(invoke("threads", "--json", "--db", db).stdout)
    }


def test_prune_older_than_keeps_recent_conversations(invoke, say_json, db_url):
    say_json("train resnet18 for image classification", db_url, "alice")
    say_json("use yolov8n for object detection", db_url, "bob")

    out = invoke("db", "prune", "--older-than", "30d", "--db", db_url).stdout

    assert out.startswith("0 conversation(s) idle for more than 30d")
    assert set(_threads(invoke, db_url)) == {"alice", "bob"}


def test_prune_keep_latest_then_delete(invoke, say_json, sqlite_db):
    say_json("train resnet18 for image classification", sqlite_db, "alice")
    say_json("use 10 epochs", sqlite_db, "alice")
    assert _threads(invoke, sqlite_db)["alice"]["checkpoints"] > 1

    out = invoke("db", "prune", "--older-than", "0s", "--keep-latest", "--db", sqlite_db).stdout
    assert "1 conversation(s)" in out and "kept their latest state" in out
    alice = _threads(invoke, sqlite_db)["alice"]
    assert alice["checkpoints"] == 1 and alice["model"] == "resnet18"
    shown = json.loads(invoke("show", "--json", "--db", sqlite_db, "--thread", "alice").stdout)
    assert shown["config"]["epochs"] == 10

    invoke("db", "prune", "--older-than", "0s", "--db", sqlite_db)
    assert _threads(invoke, sqlite_db) == {}


def test_prune_refuses_a_bad_duration(invoke, say_json, sqlite_db):
    say_json("train resnet18 for image classification", sqlite_db, "alice")
    result = invoke("db", "prune", "--older-than", "30 days", "--db", sqlite_db, code=EXIT_USAGE)
    assert "not a duration" in result.stderr and "30d" in result.stderr
    assert set(_threads(invoke, sqlite_db)) == {"alice"}
