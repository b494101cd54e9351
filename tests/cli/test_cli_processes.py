"""``trainchat`` as real processes: a whole session where every command is a new process.

Nothing is shared between the commands but the database, which is the point: a conversation
started by one process is continued, undone, listed and exported by others. Also checks that
the entry point stays light (no LangGraph for ``--help``; no Gemini, display module or
prompt_toolkit for ``say --json``).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from tests.cli.running import clean_env, run_trainchat


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def process_db(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/processes.db"
    return request.getfixturevalue("postgres_db")


def test_a_conversation_across_processes(tmp_path, process_db, dataset_dir):
    home = tmp_path / "home"

    def tc(*args: str) -> str:
        return _ok(run_trainchat(*args, "--db", process_db, "--thread", "p", home=home))

    def say(text: str) -> dict:
        return json.loads(tc("say", text, "--json", "--llm", "offline"))

    assert "up to date" in _ok(run_trainchat("db", "upgrade", "--db", process_db, home=home))
    assert say("train resnet18 for image classification")["step"] == "dataset"
    hyper = "10 epochs, batch size 32, learning rate 3e-4"
    confirm = say(f"my dataset is in {dataset_dir}, {hyper}")
    assert confirm["step"] == "confirm", confirm["reply"]
    undone = json.loads(tc("undo", "--json", "--llm", "offline"))
    assert undone["config"]["dataset_path"] is None and undone["config"]["epochs"] is None
    assert undone["config"]["model_name"] == "resnet18"
    from agent import create_agent  # finish in-process: the commands below are the point

    agent = create_agent(db=process_db, llm="offline")
    for text in (f"my dataset is in {dataset_dir}, {hyper}", "yes"):
        done = agent.invoke(
            {"messages": [{"role": "user", "content": text}]}, {"configurable": {"thread_id": "p"}}
        )
    assert done["step"] == "done"

    shown = json.loads(tc("show", "--json"))
    assert shown["step"] == "done" and shown["thread"] == "p"
    assert shown["config"] == done["config"].model_dump(mode="json")
    history = tc("history")
    assert "model_name=resnet18" in history and "dataset_path cleared" in history
    threads = json.loads(_ok(run_trainchat("threads", "--json", "--db", process_db, home=home)))
    assert [(row["thread"], row["step"], row["model"]) for row in threads] == [
        ("p", "done", "resnet18")
    ]
    job = json.loads(tc("export", "--format", "json"))
    assert job == yaml.safe_load(tc("export", "--format", "yaml"))
    assert "resnet18" in tc("export", "--format", "cmd")


def test_graph_as_a_process(tmp_path):
    ascii_art = _ok(run_trainchat("graph", "--format", "ascii", home=tmp_path))
    assert "select_model" in ascii_art and "+---" in ascii_art  # Mermaid: see test_cli_commands


def test_demo_on_the_embedded_default(tmp_path):
    """No --db: the demo writes ./trainchat.db (SQLite) and samples under TRAINCHAT_HOME."""
    home = tmp_path / "home"
    work = tmp_path / "work"
    work.mkdir()
    out = _ok(run_trainchat("demo", "--thread", "d", home=home, cwd=work, timeout=120))
    assert "confirmed job" in out
    assert (work / "trainchat.db").exists()
    assert (home / "samples" / "imagefolder").is_dir()
    shown = json.loads(_ok(run_trainchat("show", "--json", "--thread", "d", home=home, cwd=work)))
    assert shown["step"] == "done"


HEAVY = ("langgraph", "langchain_core", "langchain_google_genai", "google", "sqlalchemy")

_PROBE = """
import json, sys
from agent.cli import main
sys.argv = ["trainchat", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit:
    pass
with open({out!r}, "w") as sink:
    json.dump(sorted(sys.modules), sink)
"""


def _modules_after(tmp_path, *args: str) -> set[str]:
    out = tmp_path / f"modules-{len(list(tmp_path.iterdir()))}.json"
    subprocess.run(
        [sys.executable, "-c", _PROBE.format(out=str(out)), json.dumps(list(args))],
        env=clean_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return set(json.loads(out.read_text()))


def test_help_loads_no_heavy_module(tmp_path):
    loaded = _modules_after(tmp_path, "--help")
    assert not {name for name in loaded if name.split(".")[0] in HEAVY}
    assert not {"rich.table", "prompt_toolkit"} & loaded


def test_say_json_offline_loads_no_gemini_no_display_no_line_editor(tmp_path):
    db = f"sqlite:///{tmp_path}/lazy.db"
    loaded = _modules_after(
        tmp_path, "say", "use resnet18", "--json", "--llm", "offline", "--db", db
    )
    assert "langgraph" in loaded  # the turn really ran
    assert not {
        name for name in loaded if name.startswith(("langchain_google_genai", "google.genai"))
    }
    # Our display and line editor stay out (rich itself may come in through httpx, via langgraph).
    assert not {"prompt_toolkit", "agent.display", "agent.cli.chat"} & loaded
