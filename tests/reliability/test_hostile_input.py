"""Hostile input: garbage, huge, binary, multilingual and injected messages and thread ids.

Nothing crashes, nothing set is lost: after every message the fields set before are still set
(a message may change a value it names, never empty one), the stored state is the returned
one, and the tables are all still there.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.config import TrainingConfig
from graph.state import MAX_MESSAGE_CHARS, MessageTooLongError
from graph.understanding import parse_message
from storage.schema import checkpoints
from tests.reliability.conversation import make_agent, snapshot, thread_config
from tests.reliability.hostile_corpus import (
    BAD_THREAD_IDS,
    GOOD_THREAD_IDS,
    MESSAGES,
    ODD_THREAD_IDS,
)
from tests.reliability.summary import report

SETUP = ("train resnet18 for classification", "10 epochs, batch size 32, learning rate 0.001")


def _set_fields(config: TrainingConfig) -> dict[str, Any]:
    return {name: value for name, value in config.model_dump().items() if value is not None}


def _seeded(url: str, thread: str) -> Any:
    agent = make_agent(url)
    for text in SETUP:
        agent.invoke({"messages": [{"role": "user", "content": text}]}, thread_config(thread))
    return agent


def _send_and_check(agent: Any, thread: str, text: str) -> list[str]:
    """One hostile turn; the problems it caused (empty when none)."""
    config = thread_config(thread)
    before_state = snapshot(agent.get_state(config).values)
    before = agent.get_state(config).values["config"]
    understood = parse_message(text, step="confirm", config=before)
    if understood.intent in ("reset", "undo"):
        return []  # the user's own words ask to take values away
    try:
        out = agent.invoke({"messages": [{"role": "user", "content": text}]}, config)
    except MessageTooLongError:
        if len(text) <= MAX_MESSAGE_CHARS:
            return [f"{text[:40]!r}: refused as too long at {len(text)} characters"]
        if snapshot(agent.get_state(config).values) != before_state:
            return [f"{text[:40]!r}: a refused message changed the state"]
        return []
    except Exception as error:  # noqa: BLE001 - any other exception is the finding
        return [f"{text[:40]!r}: {type(error).__name__}: {str(error)[:200]}"]
    problems: list[str] = []
    if len(text) > MAX_MESSAGE_CHARS:
        problems.append(f"{text[:40]!r}: {len(text)} characters accepted over the limit")
    kept = _set_fields(before)
    after = _set_fields(out["config"])
    lost = sorted(set(kept) - set(after))
    if lost:
        problems.append(f"{text[:40]!r}: lost {lost}")
    named_model = understood.changes.model_name or understood.unrecognised_model
    if out["config"].model_name != before.model_name and not named_model:
        problems.append(f"{text[:40]!r}: model changed to {out['config'].model_name} unasked")
    if not str(out["messages"][-1].content).strip():
        problems.append(f"{text[:40]!r}: empty reply")
    if snapshot(agent.get_state(config).values) != snapshot(out):
        problems.append(f"{text[:40]!r}: stored state differs from the returned one")
    return problems


def test_the_fixed_corpus_never_crashes_or_loses_a_field(db_url: str) -> None:
    agent = _seeded(db_url, "hostile")
    problems: list[str] = []
    for text in MESSAGES:
        problems.extend(_send_and_check(agent, "hostile", text))
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(checkpoints)).scalar_one()
    engine.dispose()
    final = agent.get_state(thread_config("hostile")).values["config"]
    agent.checkpointer.close()
    backend = sa.make_url(db_url).get_backend_name()
    report(f"hostile_corpus[{backend}]", inputs=len(MESSAGES), problems=len(problems))
    assert problems == [], "\n".join(problems)
    assert rows > len(MESSAGES)  # SQL in messages dropped nothing
    assert final.model_name == "resnet18" and final.learning_rate == 0.0005


def test_odd_thread_ids_are_separate_conversations(db_url: str) -> None:
    agent = make_agent(db_url)
    agent.invoke({"messages": [{"role": "user", "content": "resnet18"}]}, thread_config("other"))
    for number, thread in enumerate(ODD_THREAD_IDS, start=1):
        content = f"epochs {number}"
        out = agent.invoke(
            {"messages": [{"role": "user", "content": content}]}, thread_config(thread)
        )
        state = agent.get_state(thread_config(thread)).values
        assert out["config"].epochs == number and out["config"].model_name is None, thread
        assert len(state["messages"]) == 2 and state["config"].epochs == number, thread
    other = agent.get_state(thread_config("other")).values
    agent.checkpointer.close()
    assert other["config"].model_name == "resnet18" and other["config"].epochs is None
    assert len(other["messages"]) == 2
    backend = sa.make_url(db_url).get_backend_name()
    report(f"odd_thread_ids[{backend}]", inputs=len(ODD_THREAD_IDS), leaks=0)


def test_thread_ids_follow_a_clear_rule(sqlite_db: str) -> None:
    agent = make_agent(sqlite_db)
    refused: list[str] = []
    for thread in BAD_THREAD_IDS:
        try:
            agent.invoke(
                {"messages": [{"role": "user", "content": "resnet18"}]}, thread_config(thread)
            )
        except ValueError as error:
            assert "thread" in str(error).lower(), error
            refused.append(thread)
    for thread in GOOD_THREAD_IDS:
        agent.invoke({"messages": [{"role": "user", "content": "resnet18"}]}, thread_config(thread))
    agent.checkpointer.close()
    report(
        "thread_id_rule",
        inputs=len(BAD_THREAD_IDS) + len(GOOD_THREAD_IDS),
        refused=len(refused),
        should_refuse=len(BAD_THREAD_IDS),
    )
    assert refused == list(BAD_THREAD_IDS), (
        f"accepted: {sorted(set(BAD_THREAD_IDS) - set(refused))}"
    )


def test_a_one_megabyte_message_is_refused_with_a_clear_limit(sqlite_db: str) -> None:
    agent = _seeded(sqlite_db, "big")
    before = snapshot(agent.get_state(thread_config("big")).values)
    huge = "resnet50 " + "a" * 1_000_000
    with pytest.raises(ValueError, match="(?i)limit|too long"):
        agent.invoke({"messages": [{"role": "user", "content": huge}]}, thread_config("big"))
    after = snapshot(agent.get_state(thread_config("big")).values)
    agent.checkpointer.close()
    assert after == before
    report("one_megabyte_message", inputs=1, result="refused")


_FRAGMENTS = st.sampled_from(
    MESSAGES + ("epochs 7", "batch size 16", "resnet18", "네", "yes", "no")
)
_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(_FRAGMENTS, st.text(max_size=30)), max_size=5).map(" ".join),
)


def _hypothesis_run(url: str, examples: int) -> None:
    """Each example starts from the same seeded conversation (``copy_thread``), so a failing
    example replays exactly and examples cannot hide each other's effects."""
    agent = _seeded(url, "seed")
    seen = 0

    @settings(
        max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(_TEXT)
    def one(text: str) -> None:
        nonlocal seen
        seen += 1
        thread = f"fuzz-{seen}"
        agent.checkpointer.copy_thread("seed", thread)
        assert _send_and_check(agent, thread, text) == []

    try:
        one()
    finally:
        agent.checkpointer.close()
    report(f"hypothesis_messages[{sa.make_url(url).get_backend_name()}]", inputs=seen, problems=0)


def test_random_messages_never_crash_or_lose_a_field(sqlite_db: str) -> None:
    _hypothesis_run(sqlite_db, 80)


def test_random_messages_on_postgres(postgres_db: str) -> None:
    _hypothesis_run(postgres_db, 30)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite_db", "postgres_db", "mariadb_db"])
def test_random_messages_many(request: pytest.FixtureRequest, backend: str) -> None:
    _hypothesis_run(request.getfixturevalue(backend), 1500)


@pytest.fixture
def ids_run(tmp_path: Any) -> Any:
    """One agent for every generated thread id of a test (hypothesis reuses the fixture), and
    the tallies reported when it ends."""
    run: dict[str, Any] = {
        "agent": make_agent(f"sqlite:///{tmp_path}/ids.db"),
        "tried": 0,
        "refused": 0,
    }
    yield run
    run["agent"].checkpointer.close()
    report("hypothesis_thread_ids[sqlite]", inputs=run["tried"], refused=run["refused"], crashes=0)


# The fixture is shared by all examples on purpose, hence the function-scoped-fixture check off.
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(thread=st.text(max_size=300))
def test_random_thread_ids_work_or_fail_clearly(ids_run: Any, thread: str) -> None:
    ids_run["tried"] += 1
    try:
        out = ids_run["agent"].invoke(
            {"messages": [{"role": "user", "content": "epochs 4"}]}, thread_config(thread)
        )
    except ValueError as error:
        assert "thread" in str(error).lower(), error
        ids_run["refused"] += 1
        return
    assert out["config"].epochs == 4


CLI_CASES = (
    # (thread id, message, expected exit code: 0 = turn taken, 2 = usage error in one line)
    ("   ", "resnet18", 2),
    ("ok", "a" * 60_000, 2),
    ("x'; DROP TABLE trainchat_checkpoints; --", "🚀 resnet18 '; DROP TABLE x; -- درّب", 0),
)


@pytest.mark.parametrize(("thread", "text", "code"), CLI_CASES)
def test_the_cli_answers_hostile_input_in_one_line(
    sqlite_db: str, tmp_path: Any, thread: str, text: str, code: int
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent.cli",
            "say",
            text,
            "--db",
            sqlite_db,
            "-t",
            thread,
            "--llm",
            "offline",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == code, done.stderr[-500:]
    assert "Traceback" not in done.stdout + done.stderr
    if code:
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("trainchat:"), done.stderr
        report(f"cli_hostile[{thread[:12]!r}]", inputs=1, exit_code=code, line=lines[0][:70])
    else:
        report(f"cli_hostile[{thread[:12]!r}]", inputs=1, exit_code=code)


BAD_UPDATES: tuple[dict[str, Any], ...] = (
    {"step": "bogus"},
    {"config": {"epochs": -5}},
    {"config": "x"},
    {"nonexistent": 1},
    {"language": "fr"},
    {"previous": [1, 2]},
    {"job": {"a": 1}},
    {"messages": [{"role": "user", "content": "x" * 60_000}]},
)


def test_update_state_refuses_invalid_values_before_storing_them(sqlite_db: str) -> None:
    """langgraph issue 6491 through the agent API: nothing invalid reaches a checkpoint."""
    agent = make_agent(sqlite_db)
    config = thread_config("updates")
    agent.invoke({"messages": [{"role": "user", "content": "yolov8n, 12 epochs"}]}, config)
    before = snapshot(agent.get_state(config).values)
    history = len(list(agent.get_state_history(config)))
    accepted = []
    for update in BAD_UPDATES:
        try:
            agent.update_state(config, update)
            accepted.append(str(update)[:50])
        except ValueError:
            pass
    after = snapshot(agent.get_state(config).values)
    stored = len(list(agent.get_state_history(config)))
    agent.checkpointer.close()
    report("update_state_validation", inputs=len(BAD_UPDATES), accepted=len(accepted))
    assert accepted == [] and stored == history and after == before, accepted
