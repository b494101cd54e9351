"""Database faults: a restarted server, dropped connections, an unreachable database, a full disk.

After a restart the next turn must reconnect and succeed. When the database cannot be used the
error must be clear, the conversation must keep exactly its last committed state (the failed
turn is not half-applied, not in the database and not in the agent's view), and the CLI must
print one line and exit non-zero.
"""

from __future__ import annotations

import os
import random
import resource
import string
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.databases import MARIADB_ADMIN_URL, POSTGRES_ADMIN_URL
from tests.reliability.conversation import make_agent, snapshot, thread_config
from tests.reliability.summary import report

ROOT = Path(__file__).resolve().parents[2]
CLOSED_PORTS = {
    "postgres": "postgresql+psycopg://postgres@127.0.0.1:1/test",
    "mariadb": "mysql+pymysql://root@127.0.0.1:1/test",
    "sqlite": "sqlite:////nonexistent-dir/trainchat.db",
}


def _say(url: str, text: str) -> dict[str, object]:
    agent = make_agent(url)
    try:
        out = agent.invoke({"messages": [{"role": "user", "content": text}]}, thread_config("f"))
        return snapshot(out)
    finally:
        agent.checkpointer.close()


def _drop_connections(url: str) -> int:
    """Kill every server connection to ``url``'s database, as a restart would (others untouched)."""
    name = sa.make_url(url).database
    if url.startswith("postgresql"):
        admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        query = (
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = :d AND pid <> pg_backend_pid()"
        )
        with admin.connect() as conn:
            killed = int(conn.execute(sa.text(query), {"d": name}).scalar_one())
    else:
        admin = sa.create_engine(MARIADB_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            ids = conn.execute(
                sa.text("SELECT id FROM information_schema.processlist WHERE db = :d"), {"d": name}
            ).scalars()
            killed = 0
            for pid in list(ids):
                conn.execute(sa.text(f"KILL {int(pid)}"))
                killed += 1
    admin.dispose()
    return killed


@pytest.mark.parametrize("backend", ["postgres_db", "mariadb_db"])
def test_the_next_turn_reconnects_after_the_server_dropped_every_connection(
    request: pytest.FixtureRequest, backend: str
) -> None:
    url: str = request.getfixturevalue(backend)
    agent = make_agent(url)
    config = thread_config("dropped")
    try:
        agent.invoke({"messages": [{"role": "user", "content": "resnet18"}]}, config)
        killed = _drop_connections(url)
        out = agent.invoke({"messages": [{"role": "user", "content": "epochs 12"}]}, config)
        assert (out["config"].model_name, out["config"].epochs) == ("resnet18", 12)
    finally:
        agent.checkpointer.close()
    report(
        f"connections_dropped[{backend.removesuffix('_db')}]",
        connections_killed=killed,
        result="reconnected",
    )


def _wait_for_postgres(seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode == 0:
            return
        time.sleep(0.2)
    raise AssertionError("PostgreSQL did not come back within 60 s")


@pytest.mark.slow
def test_the_next_turn_succeeds_after_postgres_restarts(postgres_db: str) -> None:
    versions = os.listdir("/etc/postgresql") if os.path.isdir("/etc/postgresql") else []
    if len(versions) != 1:
        pytest.skip("needs exactly one local PostgreSQL cluster managed by pg_ctlcluster")
    agent = make_agent(postgres_db)
    config = thread_config("restart")
    texts = ["resnet18", "epochs 12", "batch size 8", "learning rate 0.01"]
    restarts = 0
    try:
        agent.invoke({"messages": [{"role": "user", "content": texts[0]}]}, config)
        for text in texts[1:]:
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main", "restart"],
                check=True,
                capture_output=True,
            )
            restarts += 1
            _wait_for_postgres()
            agent.invoke({"messages": [{"role": "user", "content": text}]}, config)
        final = agent.get_state(config).values["config"]
    finally:
        agent.checkpointer.close()
    assert (final.model_name, final.epochs, final.batch_size, final.learning_rate) == (
        "resnet18",
        12,
        8,
        0.01,
    )
    report("postgres_restart", restarts=restarts, turns=len(texts), result="reconnected")


@pytest.mark.parametrize("backend", sorted(CLOSED_PORTS))
def test_an_unreachable_database_is_one_clear_error(backend: str, tmp_path: Path) -> None:
    url = CLOSED_PORTS[backend]
    started = time.monotonic()
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the check is on the message
        _say(url, "resnet18")
    assert time.monotonic() - started < 15
    text = str(caught.value).lower()
    assert any(w in text for w in ("refused", "unable to open", "can't connect", "connect")), text
    cli = subprocess.run(
        [sys.executable, "-m", "agent.cli", "say", "resnet18", "--db", url, "--llm", "offline"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    lines = cli.stderr.strip().splitlines()
    assert cli.returncode != 0
    assert len(lines) == 1 and lines[0].startswith("trainchat:"), cli.stderr
    assert "Traceback" not in cli.stdout + cli.stderr
    report(f"unreachable[{backend}]", exit_code=cli.returncode, message=lines[0][:80])


def _limit_file_size(limit: int) -> None:
    # Python ignores SIGXFSZ, so writing past the limit fails with EFBIG instead of a kill.
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


DISK_FULL_TURN = """
import sys
from tests.reliability.conversation import make_agent, snapshot, thread_config
agent = make_agent(sys.argv[1])
config = thread_config("f")
before = snapshot(agent.get_state(config).values)
try:
    agent.invoke({"messages": [{"role": "user", "content": sys.argv[2]}]}, config)
except Exception as error:
    print(type(error).__name__ + ": " + str(error).splitlines()[0])
    assert snapshot(agent.get_state(config).values) == before, "turn half-applied in memory"
    sys.exit(7)
print("no error")
"""


def _noise(kind: str) -> str:
    """19,000 letters (under the CLI's message limit): random ones compress to ~11 KB, far over
    the free space, so the turn's first write fails; a repeating pattern compresses so well that
    the first write fits and a later one of the same turn fails."""
    if kind == "random":
        return "".join(random.Random(1).choices(string.ascii_lowercase, k=19_000))
    return "".join(chr(97 + (i * 7919) % 26) for i in range(19_000))


@pytest.mark.parametrize("kind", ["random", "repeating"])
def test_a_full_disk_fails_the_turn_cleanly(sqlite_db: str, kind: str) -> None:
    first = _say(sqlite_db, "train resnet18 for classification, 10 epochs")
    path = Path(sa.make_url(sqlite_db).database or "")
    limit = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) + 4096
    message = f"the dataset is at /data/{_noise(kind)}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    turn = subprocess.run(
        [sys.executable, "-c", DISK_FULL_TURN, sqlite_db, message],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        preexec_fn=lambda: _limit_file_size(limit),
    )
    assert turn.returncode == 7, turn.stdout + turn.stderr
    assert "full" in turn.stdout.lower() or "disk" in turn.stdout.lower(), turn.stdout
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent.cli",
            "say",
            message,
            "--db",
            sqlite_db,
            "-t",
            "f",
            "--llm",
            "offline",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        preexec_fn=lambda: _limit_file_size(limit),
    )
    lines = cli.stderr.strip().splitlines()
    assert cli.returncode != 0 and len(lines) == 1 and lines[0].startswith("trainchat:"), cli.stderr
    # Back with room: the stored conversation is exactly the state after the first turn.
    agent = make_agent(sqlite_db)
    try:
        assert snapshot(agent.get_state(thread_config("f")).values) == first
    finally:
        agent.checkpointer.close()
    after = _say(sqlite_db, "batch size 8")
    assert after["config"]["epochs"] == 10 and after["config"]["batch_size"] == 8  # type: ignore[index]
    report(
        f"disk_full[sqlite,{kind}]",
        agent_error=turn.stdout.strip()[:80],
        cli_exit=cli.returncode,
        cli_line=lines[0][:80],
    )
