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
import shutil
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    if len(versions) != 1 or shutil.which("pg_ctlcluster") is None or os.geteuid() != 0:
        pytest.skip("needs root and exactly one local PostgreSQL cluster (pg_ctlcluster)")
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


def _noise() -> str:
    """19,000 random letters (under the CLI's message limit): ~11 KB even compressed."""
    return "".join(random.Random(1).choices(string.ascii_lowercase, k=19_000))


NOISY = f"epochs 20 and note {_noise()}"


def _outcome(url: str, error: str | None, first: dict[str, object]) -> str | None:
    """The violation, if any: a turn must be stored whole without error, or not at all."""
    agent = make_agent(url)
    try:
        stored = snapshot(agent.get_state(thread_config("f")).values)
    finally:
        agent.checkpointer.close()
    if error is None:
        return None if stored["config"]["epochs"] == 20 else "no error, but the turn is not stored"  # type: ignore[index]
    if stored == first:
        return None
    if stored["config"]["epochs"] == 20:  # type: ignore[index]
        return f"the turn was stored, but the user was told it failed ({error})"
    return f"after the error the conversation is neither before nor after the turn ({error})"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs: a disk that really fills up (ENOSPC). Needs permission to mount."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()[:100]}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _visible_state(agent: Any) -> dict[str, object] | None:
    """What the agent now shows for the thread (None if even reading fails on the full disk)."""
    try:
        return snapshot(agent.get_state(thread_config("f")).values)
    except Exception:  # noqa: BLE001 - a read failing is not a violation here
        return None


def _fill(folder: Path, leave: int) -> None:
    """Fill ``folder``'s file system, then free ``leave`` bytes."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    os.truncate(filler, max(0, filler.stat().st_size - leave))


def _disk_full_sweep(tiny_disk: Path, step: int, top: int) -> None:
    """Sweep the free space from 0 to ``top`` bytes: each turn lands whole without error or not
    at all, the agent's own view never shows a failed turn, and the CLI prints one line."""
    violations: list[str] = []
    errors = 0
    steps = range(0, top + 1, step)
    url = f"sqlite:///{tiny_disk}/trainchat.db"
    for leave in steps:
        for leftover in tiny_disk.iterdir():
            leftover.unlink()
        first = _say(url, "train resnet18 for classification, 10 epochs")
        # An open session (its -shm file exists) whose disk fills up; the CLI below opens afresh.
        agent: Any = make_agent(url)
        _fill(tiny_disk, leave)
        error: str | None = None
        try:
            agent.invoke({"messages": [{"role": "user", "content": NOISY}]}, thread_config("f"))
        except Exception as caught:  # noqa: BLE001 - classified below
            error = f"{type(caught).__name__}: {str(caught).splitlines()[0]}"
            errors += 1
            if _visible_state(agent) not in (None, first):
                violations.append(f"{leave} B free: the failed turn shows in the agent's state")
        finally:
            agent.checkpointer.close()
        if leave == 0:
            cli = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "agent.cli",
                    "say",
                    "batch size 8",
                    "--db",
                    url,
                    "-t",
                    "f",
                    "--llm",
                    "offline",
                ],
                capture_output=True,
                text=True,
                timeout=120,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            lines = cli.stderr.strip().splitlines()
            if cli.returncode == 0 or len(lines) != 1 or not lines[0].startswith("trainchat:"):
                violations.append(
                    f"CLI on a full disk: exit {cli.returncode}, stderr {cli.stderr[-300:]!r}"
                )
        (tiny_disk / "filler").unlink()
        problem = _outcome(url, error, first)
        if problem:
            violations.append(f"{leave} B free: {problem}")
    report(
        f"disk_full_sweep[sqlite,tmpfs,{step} B steps]",
        inputs=len(steps),
        errors=errors,
        violations=len(violations),
    )
    assert violations == [], "\n".join(violations)


def test_a_full_disk_never_reports_a_stored_turn_as_failed(tiny_disk: Path) -> None:
    _disk_full_sweep(tiny_disk, step=12_288, top=98_304)


@pytest.mark.slow
def test_a_full_disk_swept_finely(tiny_disk: Path) -> None:
    _disk_full_sweep(tiny_disk, step=2048, top=131_072)


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
    sys.exit(0 if snapshot(agent.get_state(config).values) == before else 8)
print("no error")
"""


def test_a_file_size_limit_fails_the_turn_cleanly(sqlite_db: str) -> None:
    """The same promise where no tmpfs can be mounted: RLIMIT_FSIZE makes writes fail (EFBIG)."""
    first = _say(sqlite_db, "train resnet18 for classification, 10 epochs")
    path = Path(sa.make_url(sqlite_db).database or "")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    limit = max(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    turn = subprocess.run(
        [sys.executable, "-c", DISK_FULL_TURN, sqlite_db, NOISY],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        preexec_fn=lambda: _limit_file_size(limit),
    )
    assert turn.returncode == 0, turn.stdout + turn.stderr  # 8: the failed turn shows in memory
    error = None if turn.stdout.strip() == "no error" else turn.stdout.strip()
    problem = _outcome(sqlite_db, error, first)
    report(
        "file_size_limit[sqlite]",
        inputs=1,
        error=(error or "none")[:80],
        violations=int(bool(problem)),
    )
    assert problem is None, problem
