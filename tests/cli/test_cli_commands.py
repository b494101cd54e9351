"""Every ``trainchat`` command through typer's runner, against real databases.

Each command builds a brand-new agent (new engine) from its options, so every assertion about
state here is about what came back from SQL, not from memory.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
import yaml

from agent.cli.errors import EXIT_NOT_FOUND


def _finish(say_json, db, dataset_dir, thread="default"):
    say_json("train resnet18 for image classification", db, thread)
    say_json(f"my dataset is in {dataset_dir}", db, thread)
    say_json("10 epochs, batch size 32, learning rate 3e-4", db, thread)
    return say_json("yes", db, thread)


def test_say_json_has_reply_step_config(say_json, sqlite_db):
    out = say_json("train resnet18 for image classification", sqlite_db)
    assert set(out) == {"reply", "step", "config", "run"}
    assert out["run"] is None  # no training run started yet
    assert out["config"]["model_name"] == "resnet18"
    assert out["config"]["framework"] == "timm"
    assert out["step"] == "dataset"
    assert out["reply"].strip()


def test_show_json_repeats_the_last_turn_with_the_thread(invoke, say_json, sqlite_db):
    said = say_json("train resnet18 for image classification", sqlite_db, "alice")
    shown = json.loads(invoke("show", "--json", "--db", sqlite_db, "--thread", "alice").stdout)
    assert shown == {**said, "thread": "alice"}


def test_show_prints_reply_and_compact_panel(invoke, say_json, sqlite_db):
    say_json("train resnet18 for image classification", sqlite_db)
    text = invoke("show", "--db", sqlite_db).stdout
    assert "resnet18" in text
    assert "step 2/4 dataset" in text


def test_full_conversation_then_export_every_format(invoke, say_json, db_url, dataset_dir):
    done = _finish(say_json, db_url, dataset_dir)
    assert done["step"] == "done", done["reply"]
    exported = json.loads(invoke("export", "--format", "json", "--db", db_url).stdout)
    as_yaml = yaml.safe_load(invoke("export", "--format", "yaml", "--db", db_url).stdout)
    assert exported == as_yaml
    flat = json.dumps(exported)
    assert "resnet18" in flat and str(dataset_dir) in flat
    command = invoke("export", "--format", "cmd", "--db", db_url).stdout
    assert "resnet18" in command and "10" in command


def test_export_to_a_file(invoke, say_json, sqlite_db, dataset_dir, tmp_path):
    _finish(say_json, sqlite_db, dataset_dir)
    target = tmp_path / "job.yaml"
    invoke("export", "-f", "yaml", "-o", str(target), "--db", sqlite_db)
    assert yaml.safe_load(target.read_text())  # non-empty, valid YAML


def test_history_lists_every_checkpoint_and_what_changed(invoke, say_json, sqlite_db, dataset_dir):
    from agent import create_agent

    say_json("train resnet18 for image classification", sqlite_db)
    say_json(f"my dataset is in {dataset_dir}", sqlite_db)
    rows = json.loads(invoke("history", "--json", "--db", sqlite_db).stdout)
    stored = list(
        create_agent(db=sqlite_db, llm="offline").get_state_history(
            {"configurable": {"thread_id": "default"}}
        )
    )
    assert [row["checkpoint_id"] for row in rows] == [
        snap.config["configurable"]["checkpoint_id"] for snap in reversed(stored)
    ]
    changes = [change for row in rows for change in row["changes"]]
    assert "model_name=resnet18" in changes
    assert f"dataset_path={dataset_dir}" in changes
    assert any(change.startswith("you: train resnet18") for change in changes)
    assert rows[-1]["step"] == "hyperparameters"
    table = invoke("history", "--db", sqlite_db).stdout
    assert "model_name=resnet18" in table and "3/4 hyperparameters" in table


def test_undo_restores_the_config_before_the_last_change(invoke, say_json, sqlite_db, dataset_dir):
    say_json("train resnet18 for image classification", sqlite_db)
    before = say_json(f"my dataset is in {dataset_dir}", sqlite_db)
    assert before["config"]["dataset_path"] == str(dataset_dir)
    out = json.loads(invoke("undo", "--json", "--db", sqlite_db, "--llm", "offline").stdout)
    assert out["config"]["dataset_path"] is None
    assert out["config"]["model_name"] == "resnet18"
    assert out["step"] == "dataset"


def test_threads_lists_each_conversation_newest_first(invoke, say_json, sqlite_db):
    say_json("train resnet18 for image classification", sqlite_db, "alice")
    say_json("use yolov8n for object detection", sqlite_db, "bob")
    rows = json.loads(invoke("threads", "--json", "--db", sqlite_db).stdout)
    assert [row["thread"] for row in rows] == ["bob", "alice"]
    assert rows[0]["model"] == "yolov8n" and rows[1]["model"] == "resnet18"
    assert all(row["step"] == "dataset" and row["checkpoints"] > 0 for row in rows)
    table = invoke("threads", "--db", sqlite_db).stdout
    assert "alice" in table and "bob" in table and "2/4 dataset" in table


def test_threads_on_an_empty_database(invoke, tmp_path):
    out = invoke("threads", "--db", f"sqlite:///{tmp_path}/empty.db").stdout
    assert "no conversations yet" in out


def test_unknown_thread_exit_code(invoke, say_json, sqlite_db):
    say_json("train resnet18 for image classification", sqlite_db, "alice")
    result = invoke("history", "--db", sqlite_db, "--thread", "nobody", code=EXIT_NOT_FOUND)
    assert "unknown thread 'nobody'" in result.stderr


def test_graph_draws_mermaid_and_ascii(invoke):
    mermaid = invoke("graph").stdout
    ascii_art = invoke("graph", "--format", "ascii").stdout
    for node in ("select_model", "dataset", "hyperparameters", "confirm"):
        assert node in mermaid and node in ascii_art
    assert mermaid.lstrip().startswith(("---", "graph", "flowchart"))
    assert "-->" in mermaid


def test_db_upgrade_creates_the_schema_and_is_idempotent(invoke, db_url):
    first = invoke("db", "upgrade", "--db", db_url).stdout
    invoke("db", "upgrade", "--db", db_url)
    assert "up to date" in first
    engine = sa.create_engine(db_url)
    try:
        assert sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_demo_ends_with_a_confirmed_job(invoke, sqlite_db, tmp_path):
    out = invoke(
        "demo", "--db", sqlite_db, "--thread", "demo", "--data", str(tmp_path / "d")
    ).stdout
    assert "confirmed job" in out
    shown = json.loads(invoke("show", "--json", "--db", sqlite_db, "--thread", "demo").stdout)
    assert shown["step"] == "done"
    assert shown["config"]["dataset_path"].startswith(str(tmp_path / "d"))


def test_chat_with_piped_input_runs_slash_commands_and_resumes(invoke, sqlite_db):
    script = "train resnet18 for image classification\n/history\n/undo\n/help\n/bogus\n/quit\n"
    first = invoke("chat", "--db", sqlite_db, "--thread", "c", "--llm", "offline", input=script)
    assert "new conversation 'c'" in first.stdout
    assert "model_name=resnet18" in first.stdout  # /history
    assert "/export" in first.stdout  # /help
    assert "unknown command /bogus" in first.stdout
    assert "bye" in first.stdout
    again = invoke("chat", "--db", sqlite_db, "-t", "c", "--llm", "offline", input="use yolov8n\n")
    assert "resuming conversation 'c'" in again.stdout
    shown = json.loads(invoke("show", "--json", "--db", sqlite_db, "--thread", "c").stdout)
    assert shown["config"]["model_name"] == "yolov8n"


def test_version_and_help(invoke):
    from importlib.metadata import version

    assert invoke("--version").stdout.strip() == f"trainchat {version('trainchat')}"
    help_text = invoke("--help").stdout
    for command in (
        "chat",
        "say",
        "show",
        "history",
        "undo",
        "threads",
        "export",
        "graph",
        "db",
        "demo",
    ):
        assert f"  {command} " in help_text


def test_chat_keeps_going_after_a_refused_message(invoke, sqlite_db):
    from graph.state import MAX_MESSAGE_CHARS

    script = f"use resnet18\n{'a' * (MAX_MESSAGE_CHARS + 1)}\n20 epochs\n/quit\n"
    out = invoke("chat", "--db", sqlite_db, "-t", "long", "--llm", "offline", input=script).stdout
    assert f"{MAX_MESSAGE_CHARS:,}" in out  # the refusal, in one line
    shown = json.loads(invoke("show", "--json", "--db", sqlite_db, "-t", "long").stdout)
    assert shown["config"]["model_name"] == "resnet18" and shown["config"]["epochs"] == 20


def test_chat_reset_and_export_slash_commands(invoke, sqlite_db, dataset_dir):
    script = (
        "use yolov8n\n/reset\n/export json\n"
        f"train resnet18 for image classification on {dataset_dir}, 10 epochs, batch 32, lr 3e-4\n"
        "yes\n/export cmd\n/export xml\n/quit\n"
    )
    out = invoke("chat", "--db", sqlite_db, "-t", "r", "--llm", "offline", input=script).stdout
    assert "step 1/4 model" in out  # after /reset
    assert "not confirmed yet (step 1/4 model)" in out  # /export before the job exists
    assert "train.py" in out and "resnet18" in out  # /export cmd after yes
    assert "usage: /export json|yaml|cmd" in out
    shown = json.loads(invoke("show", "--json", "--db", sqlite_db, "-t", "r").stdout)
    assert shown["step"] == "done" and shown["config"]["model_name"] == "resnet18"


def test_reading_commands_never_create_tables(invoke, postgres_db):
    """Pointing show/history/threads/export at a foreign database must leave it untouched."""
    for command in (["show"], ["history"], ["export"], ["undo", "--llm", "offline"]):
        result = invoke(*command, "--db", postgres_db, "-t", "x", code=EXIT_NOT_FOUND)
        assert "unknown thread 'x'" in result.stderr
    assert "no conversations yet" in invoke("threads", "--db", postgres_db).stdout
    engine = sa.create_engine(postgres_db)
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
