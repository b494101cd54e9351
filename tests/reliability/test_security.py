"""Security: no pickle, crafted rows fail closed without running code, encryption at rest,
dataset roots, and no conversation can read another's state through the agent.
"""

from __future__ import annotations

import ast
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import ormsgpack
import pytest
import sqlalchemy as sa

from agent import create_agent
from graph.datasets import inspect_dataset
from graph.datasets.samples import make_sample_dataset
from graph.state import STATE_MSGPACK_TYPES
from storage import DisallowedTypeError, EncryptionKeyError, SQLSaver, make_serializer
from storage.schema import blobs, checkpoints
from tests.reliability.conversation import make_agent, snapshot, thread_config
from tests.reliability.summary import report

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("agent", "graph", "storage")
PICKLE_MODULES = {
    "pickle",
    "cPickle",
    "_pickle",
    "dill",
    "cloudpickle",
    "shelve",
    "marshal",
    "jsonpickle",
}
KEY = "0123456789abcdef0123456789abcdef"


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_no_pickle_anywhere_in_the_package_sources() -> None:
    offenders: list[str] = []
    files = _sources()
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module.split(".")[0]]
            elif (
                isinstance(node, ast.keyword)
                and node.arg == "pickle_fallback"
                and not (isinstance(node.value, ast.Constant) and node.value.value is False)
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.value.lineno} pickle_fallback")
            offenders.extend(
                f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"  # type: ignore[attr-defined]
                for name in names
                if name in PICKLE_MODULES
            )
    report("no_pickle_in_sources", inputs=len(files), offenders=len(offenders))
    assert files and offenders == [], offenders


class _Trap:
    """Unpickling this creates ``MARKER``: proof that code ran."""

    marker = ""

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (self.marker, "w"))


def _crafted_payloads(marker: Path) -> dict[str, tuple[str, bytes]]:
    """Typed payloads that would run code (create ``marker``) if the serializer obeyed them."""
    trap = _Trap()
    trap.marker = str(marker)

    def ext(code: int, *parts: Any) -> bytes:
        return ormsgpack.packb({"v": ormsgpack.Ext(code, ormsgpack.packb(list(parts)))})

    command = f"touch {marker}"
    return {
        "pickle": ("pickle", pickle.dumps(trap)),
        "ext0_os_system": ("msgpack", ext(0, "os", "system", command)),
        "ext1_subprocess": ("msgpack", ext(1, "subprocess", "call", [["touch", str(marker)]])),
        "ext2_popen_kw": (
            "msgpack",
            ext(2, "subprocess", "Popen", {"args": ["touch", str(marker)]}),
        ),
        "ext3_method": (
            "msgpack",
            ext(3, "builtins", "eval", f"open({str(marker)!r}, 'w')", "__call__"),
        ),
        "ext5_pydantic": (
            "msgpack",
            ext(5, "os", "system", {"command": command}, "model_validate"),
        ),
        "unknown_tag": ("marshal", b"\xe3\x00"),
    }


def test_the_serializer_refuses_pickle_and_foreign_types_without_running_code(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "pwned"
    serde = make_serializer(STATE_MSGPACK_TYPES)
    refused: dict[str, str] = {}
    for name, payload in _crafted_payloads(marker).items():
        with pytest.raises((DisallowedTypeError, NotImplementedError, ValueError)) as caught:
            serde.loads_typed(payload)
        refused[name] = type(caught.value).__name__
        assert not marker.exists(), f"{name}: the payload ran code"
    for name in ("ext0_os_system", "ext1_subprocess", "ext2_popen_kw"):
        assert refused[name] == "DisallowedTypeError", (name, refused[name])
    assert serde.dumps_typed({"a": 1})[0] != "pickle"
    report(
        "crafted_payloads[serializer]", inputs=len(refused), refused=len(refused), code_ran=False
    )


def test_a_crafted_checkpoint_row_fails_closed(db_url: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    agent = make_agent(db_url)
    config = thread_config("victim")
    agent.invoke({"messages": [{"role": "user", "content": "resnet18, 10 epochs"}]}, config)
    saver: SQLSaver = agent.checkpointer
    latest = saver.get_tuple(config)
    assert latest is not None
    version = str(latest.checkpoint["channel_versions"]["config"])
    checkpoint_id = latest.config["configurable"]["checkpoint_id"]
    tried = 0
    for name, (kind, payload) in _crafted_payloads(marker).items():
        for table, where in (
            (
                blobs,
                (blobs.c.thread_id == "victim")
                & (blobs.c.channel == "config")
                & (blobs.c.version == version),
            ),
            (
                checkpoints,
                (checkpoints.c.thread_id == "victim")
                & (checkpoints.c.checkpoint_id == checkpoint_id),
            ),
        ):
            column = "blob" if table is blobs else "checkpoint"
            with saver.engine.begin() as conn:
                original = conn.execute(sa.select(table.c.type, table.c[column]).where(where)).one()
                conn.execute(sa.update(table).where(where).values({"type": kind, column: payload}))
            fresh = make_agent(db_url)
            try:
                with pytest.raises(Exception) as caught:  # noqa: PT011 - checked below
                    fresh.get_state(config)
                text = str(caught.value)
                assert isinstance(
                    caught.value, DisallowedTypeError | NotImplementedError | ValueError
                ), text
                if kind == "msgpack" and name != "ext3_method":
                    assert "allow-list" in text or "allowlist" in text, text
            finally:
                fresh.checkpointer.close()
            assert not marker.exists(), f"{name} in {table.name}: code ran"
            with saver.engine.begin() as conn:
                conn.execute(
                    sa.update(table).where(where).values({"type": original[0], column: original[1]})
                )
            tried += 1
    restored = make_agent(db_url)
    assert restored.get_state(config).values["config"].epochs == 10
    restored.checkpointer.close()
    agent.checkpointer.close()
    backend = sa.make_url(db_url).get_backend_name()
    report(f"crafted_rows[{backend}]", inputs=tried, failed_closed=tried, code_ran=False)


def test_encryption_at_rest_round_trips_and_a_wrong_key_fails_clearly(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAINCHAT_ENCRYPTION_KEY", KEY)
    agent = create_agent(db=db_url, llm="offline")
    config = thread_config("secret")
    out = agent.invoke(
        {"messages": [{"role": "user", "content": "train resnet18 for 17 epochs"}]}, config
    )
    agent.checkpointer.close()
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        stored = [bytes(b) for b in conn.execute(sa.select(blobs.c.blob)).scalars()]
        stored += [bytes(b) for b in conn.execute(sa.select(checkpoints.c.checkpoint)).scalars()]
        kinds = set(conn.execute(sa.select(blobs.c.type)).scalars()) | set(
            conn.execute(sa.select(checkpoints.c.type)).scalars()
        )
    engine.dispose()
    assert stored and not any(b"resnet18" in blob for blob in stored)
    assert all("+" in kind or kind == "empty" for kind in kinds), kinds

    again = create_agent(db=db_url, llm="offline")
    assert snapshot(again.get_state(config).values) == snapshot(out)
    again.checkpointer.close()

    monkeypatch.setenv("TRAINCHAT_ENCRYPTION_KEY", "f" * 32)
    wrong = create_agent(db=db_url, llm="offline")
    with pytest.raises(EncryptionKeyError, match="key"):
        wrong.get_state(config)
    wrong.checkpointer.close()

    monkeypatch.delenv("TRAINCHAT_ENCRYPTION_KEY")
    keyless = SQLSaver.from_url(db_url, serde=make_serializer(STATE_MSGPACK_TYPES))
    with pytest.raises(EncryptionKeyError, match="TRAINCHAT_ENCRYPTION_KEY"):
        create_agent(checkpointer=keyless, llm="offline").get_state(config)
    keyless.close()
    with pytest.raises(EncryptionKeyError, match="16, 24 or 32"):
        make_serializer(encryption_key="short")
    backend = sa.make_url(db_url).get_backend_name()
    report(
        f"encryption_at_rest[{backend}]",
        rows=len(stored),
        plaintext_found=False,
        wrong_key="EncryptionKeyError",
    )


def test_dataset_roots_confine_inspection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    allowed = tmp_path / "allowed"
    outside = tmp_path / "outside"
    data = make_sample_dataset(allowed / "ds", "imagefolder")
    secret = make_sample_dataset(outside / "ds", "imagefolder", classes=("secretA", "secretB"))
    os.symlink(outside, allowed / "door")
    monkeypatch.setenv("TRAINCHAT_DATASET_ROOTS", str(allowed))
    refused = [
        str(secret),
        str(allowed / ".." / "outside" / "ds"),
        str(allowed / "door" / "ds"),
        "/etc",
        "~/../../",
    ]
    for path in refused:
        result = inspect_dataset(path)
        assert [p.code for p in result.problems] == ["path_outside_roots"], (path, result.problems)
        assert result.class_names == ()
    assert set(inspect_dataset(data).class_names) == {"bird", "cat", "dog"}
    agent = make_agent(f"sqlite:///{tmp_path}/roots.db")
    out = agent.invoke(
        {"messages": [{"role": "user", "content": f"the dataset is at {secret}"}]},
        thread_config("r"),
    )
    agent.checkpointer.close()
    facts = out["dataset"]
    assert facts is not None and facts.num_classes is None and "secret" not in facts.summary
    report("dataset_roots", inputs=len(refused) + 2, leaks=0)


def test_a_symlink_inside_an_allowed_dataset_cannot_leave_the_roots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    allowed = tmp_path / "allowed"
    data = make_sample_dataset(allowed / "ds", "imagefolder")
    secret = make_sample_dataset(tmp_path / "outside", "imagefolder", classes=("secretA",))
    os.symlink(secret / "train" / "secretA", data / "train" / "leak")
    monkeypatch.setenv("TRAINCHAT_DATASET_ROOTS", str(allowed))
    result = inspect_dataset(data)
    assert "leak" not in result.class_names, "inspection followed a symlink out of the roots"
    report("dataset_roots_inner_symlink", inputs=1, leaks=0)


def test_one_conversation_never_reads_another(db_url: str) -> None:
    agent = make_agent(db_url)
    alice, bob = thread_config("alice"), thread_config("bob")
    agent.invoke(
        {"messages": [{"role": "user", "content": "train resnet18, 11 epochs, my secret is 42"}]},
        alice,
    )
    agent.invoke({"messages": [{"role": "user", "content": "yolov8n"}]}, bob)
    alice_state = agent.get_state(alice)
    alice_id = alice_state.config["configurable"]["checkpoint_id"]
    probes: list[dict[str, Any]] = [
        {"configurable": {"thread_id": "bob", "checkpoint_id": alice_id}},
        {"configurable": {"thread_id": "alic%"}},
        {"configurable": {"thread_id": "alic_"}},
        {"configurable": {"thread_id": "ALICE"}},
        {"configurable": {"thread_id": "alice "}},
        {"configurable": {"thread_id": "' OR '1'='1"}},
        {"configurable": {"thread_id": "bob", "checkpoint_ns": "' OR '1'='1"}},
    ]
    leaks: list[str] = []
    for probe in probes:
        values = agent.get_state(probe).values
        texts = " ".join(str(m.content) for m in values.get("messages", ()))
        if "secret is 42" in texts or getattr(values.get("config"), "epochs", None) == 11:
            leaks.append(str(probe))
        history = list(agent.get_state_history(probe))
        if any(
            "secret is 42" in " ".join(str(m.content) for m in h.values.get("messages", ()))
            for h in history
        ):
            leaks.append(f"history {probe}")
    out = agent.invoke({"messages": [{"role": "user", "content": "what's left?"}]}, bob)
    assert "secret" not in " ".join(str(m.content) for m in out["messages"])
    assert out["config"].epochs is None and out["config"].model_name == "yolov8n"
    agent.checkpointer.close()
    backend = sa.make_url(db_url).get_backend_name()
    report(f"conversation_isolation[{backend}]", inputs=len(probes), leaks=len(leaks))
    assert leaks == []


BOMB = """
import resource, sys, zlib
resource.setrlimit(resource.RLIMIT_AS, (1_200_000_000, 1_200_000_000))
from graph.state import STATE_MSGPACK_TYPES
from storage import make_serializer
from storage import serializer as stored_format
size = int(sys.argv[1])
packer = zlib.compressobj(6, zdict=stored_format._ZDICT)  # the attacker speaks the format
parts = [packer.compress(b"\\xc6" + size.to_bytes(4, "big"))]  # msgpack bin32 of `size` bytes
chunk = b"\\0" * 1_000_000
parts += [packer.compress(chunk) for _ in range(size // len(chunk))] + [packer.flush()]
payload = b"".join(parts)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    make_serializer(STATE_MSGPACK_TYPES).loads_typed(("msgpack_z", payload))
    outcome = "loaded"
except BaseException as error:
    outcome = type(error).__name__
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024
print(len(payload), outcome, grown)
"""


def test_a_decompression_bomb_row_fails_closed() -> None:
    """A ~0.3 MB stored value that expands to 300 MB must be refused, not allocated."""
    done = subprocess.run(
        [sys.executable, "-c", BOMB, str(300_000_000)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    compressed, outcome, grown_mb = done.stdout.split()
    report(
        "decompression_bomb",
        inputs=1,
        stored_bytes=int(compressed),
        outcome=outcome,
        grown_mb=int(grown_mb),
    )
    assert outcome not in ("loaded", "MemoryError"), f"{outcome}: the bomb was expanded"
    assert int(grown_mb) < 200, f"loading one row grew the process by {grown_mb} MB"


def test_an_unknown_checkpoint_id_is_refused_not_a_silent_reset(sqlite_db: str) -> None:
    """A checkpoint id from another thread (or stale, or mistyped) must not start the thread over."""
    agent = make_agent(sqlite_db)
    agent.invoke(
        {"messages": [{"role": "user", "content": "train resnet18, 11 epochs"}]},
        thread_config("alice"),
    )
    agent.invoke(
        {"messages": [{"role": "user", "content": "yolov8n, 12 epochs"}]}, thread_config("bob")
    )
    alice_id = agent.get_state(thread_config("alice")).config["configurable"]["checkpoint_id"]
    foreign = {"configurable": {"thread_id": "bob", "checkpoint_id": alice_id}}
    refused = False
    try:
        agent.invoke({"messages": [{"role": "user", "content": "batch size 4"}]}, foreign)
    except ValueError as error:
        refused = "checkpoint" in str(error).lower()
    bob = agent.get_state(thread_config("bob")).values["config"]
    agent.checkpointer.close()
    report("unknown_checkpoint_id", inputs=1, refused=refused, bob_kept=bob.model_name == "yolov8n")
    assert (bob.model_name, bob.epochs) == ("yolov8n", 12), "bob's conversation was reset"
    assert refused
