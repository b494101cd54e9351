"""Bad input gets one clear line on stderr and a distinct non-zero exit code, never a traceback.

Run as real subprocesses of the installed ``trainchat`` script, because what matters is what a
person or a script sees: the exit status and the stderr text.
"""

from __future__ import annotations

import pytest

from agent.cli.errors import EXIT_DATABASE, EXIT_NOT_FOUND, EXIT_USAGE
from tests.cli.running import assert_one_line_error, run_trainchat

UNREACHABLE_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"


def test_empty_message_is_refused(tmp_path, sqlite_db):
    result = run_trainchat("say", "   ", "--db", sqlite_db, home=tmp_path)
    assert_one_line_error(result, EXIT_USAGE, "empty message")


@pytest.mark.parametrize(
    "url",
    ["not a url", "foo://x/y", "postgresql+nosuchdriver://u@h/db"],
    ids=["garbage", "unknown-dialect", "unknown-driver"],
)
def test_malformed_url_is_refused(tmp_path, url):
    result = run_trainchat("say", "use resnet18", "--db", url, home=tmp_path)
    assert_one_line_error(result, EXIT_USAGE, "database URL")


def test_malformed_url_from_the_environment(tmp_path):
    result = run_trainchat("show", home=tmp_path, TRAINCHAT_DB="::::")
    assert_one_line_error(result, EXIT_USAGE, "database URL")


@pytest.mark.parametrize(
    "command", [["say", "use resnet18"], ["db", "upgrade"]], ids=["through-the-agent", "migrations"]
)
def test_unreachable_database(tmp_path, command):
    result = run_trainchat(*command, "--db", UNREACHABLE_POSTGRES, home=tmp_path)
    assert_one_line_error(result, EXIT_DATABASE, "database")


def test_unusable_sqlite_path(tmp_path):
    url = f"sqlite:///{tmp_path}/no/such/folder/t.db"
    result = run_trainchat("say", "use resnet18", "--db", url, home=tmp_path)
    assert_one_line_error(result, EXIT_DATABASE)


@pytest.mark.parametrize(
    "command", [["show"], ["history"], ["undo"], ["export"], ["show", "--json"]]
)
def test_unknown_thread_in_a_missing_database_file(tmp_path, command):
    url = f"sqlite:///{tmp_path}/never-created.db"
    result = run_trainchat(*command, "--db", url, "--thread", "ghost", home=tmp_path)
    assert_one_line_error(result, EXIT_NOT_FOUND, "unknown thread 'ghost'")
    assert not (tmp_path / "never-created.db").exists(), "a read command must not create a database"


@pytest.fixture
def alice_db(sqlite_db):
    """A database holding one conversation, 'alice', at the dataset step (set up in-process)."""
    from agent import create_agent

    create_agent(db=sqlite_db, llm="offline").invoke(
        {"messages": [{"role": "user", "content": "train resnet18 for image classification"}]},
        {"configurable": {"thread_id": "alice"}},
    )
    return sqlite_db


@pytest.mark.parametrize(
    "command", [["show"], ["history"], ["undo"], ["export", "--format", "yaml"]]
)
def test_unknown_thread_next_to_a_known_one(tmp_path, alice_db, command):
    result = run_trainchat(*command, "--db", alice_db, "--thread", "bob", home=tmp_path)
    assert_one_line_error(result, EXIT_NOT_FOUND, "unknown thread 'bob'")


def test_export_before_confirmation_says_which_step(tmp_path, alice_db):
    result = run_trainchat("export", "--db", alice_db, "--thread", "alice", home=tmp_path)
    assert_one_line_error(result, 1, "not confirmed yet", "2/4 dataset")


def test_gemini_without_a_key_says_how_to_go_offline(tmp_path, sqlite_db):
    result = run_trainchat(
        "say", "use resnet18", "--llm", "gemini", "--db", sqlite_db, home=tmp_path
    )
    assert_one_line_error(result, EXIT_USAGE, "GOOGLE_API_KEY", "--llm offline")


def test_unknown_option_value_is_a_usage_error(tmp_path):
    result = run_trainchat("say", "hi", "--llm", "gpt", home=tmp_path)
    assert result.returncode == EXIT_USAGE
    assert "Traceback" not in result.stderr


def test_a_message_over_the_agents_limit_is_one_line(tmp_path, sqlite_db):
    from graph.state import MAX_MESSAGE_CHARS

    text = "resnet18 " + "a" * MAX_MESSAGE_CHARS  # still under the OS limit for one argument
    result = run_trainchat("say", text, "--db", sqlite_db, "--llm", "offline", home=tmp_path)
    assert_one_line_error(result, EXIT_USAGE, f"{MAX_MESSAGE_CHARS:,}")
