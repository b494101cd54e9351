"""Nothing said is ever lost: every turn comes back from SQL, in a fresh agent or process.

The origin bug (a JSON dict mutated in place and never persisted) lost the fields of turns 2
and 3. Here each turn uses a brand-new agent (a new engine), and after each turn a brand-new
SQLAlchemy connection reads the stored rows directly and must find every earlier field.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from agent import create_agent
from graph.config import TrainingConfig
from graph.datasets.samples import make_sample_dataset
from graph.state import STATE_MSGPACK_TYPES
from graph.undo import earlier_configs
from storage import SQLSaver, make_serializer
from storage.schema import blobs, checkpoints

BACKENDS = ("sqlite_db", "postgres_db", "mariadb_db")


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest) -> str:
    """An empty database on SQLite, PostgreSQL and MariaDB in turn."""
    value: str = request.getfixturevalue(request.param)
    return value


def turn(url: str, thread_id: str, text: str) -> dict[str, Any]:
    """One user turn through a brand-new agent (its own engine)."""
    agent = create_agent(db=url, llm="offline")
    out: dict[str, Any] = agent.invoke(
        {"messages": [{"role": "user", "content": text}]},
        {"configurable": {"thread_id": thread_id}},
    )
    return out


def stored_state(url: str, thread_id: str) -> dict[str, Any]:
    """The latest checkpoint's channels, read with a brand-new engine and plain SQL."""
    serde = make_serializer(STATE_MSGPACK_TYPES)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sa.select(checkpoints.c.type, checkpoints.c.checkpoint)
                .where(checkpoints.c.thread_id == thread_id)
                .order_by(checkpoints.c.checkpoint_id.desc())
                .limit(1)
            ).one()
            checkpoint = serde.loads_typed((row.type, row.checkpoint))
            values = dict(checkpoint.get("channel_values", {}))
            for channel, version in checkpoint["channel_versions"].items():
                if channel in values or channel.startswith("branch:"):
                    continue
                blob = conn.execute(
                    sa.select(blobs.c.type, blobs.c.blob).where(
                        blobs.c.thread_id == thread_id,
                        blobs.c.channel == channel,
                        blobs.c.version == str(version),
                    )
                ).one_or_none()
                if blob is not None and blob.type != "empty":
                    values[channel] = serde.loads_typed((blob.type, blob.blob))
    finally:
        engine.dispose()
    return values


def test_the_origin_story_every_field_survives_every_turn(url: str, tmp_path: Path) -> None:
    data = make_sample_dataset(tmp_path, "imagefolder")
    turns = [
        ("train resnet18 for classification", {"model_name": "resnet18", "framework": "timm"}),
        (f"the dataset is at {data}", {"dataset_path": str(data), "dataset_format": "imagefolder"}),
        ("10 epochs, batch size 32, learning rate 0.001", {"epochs": 10, "batch_size": 32}),
        ("yes", {}),
    ]
    expected: dict[str, Any] = {}
    for number, (text, adds) in enumerate(turns, start=1):
        out = turn(url, "origin", text)
        expected.update(adds)
        stored = stored_state(url, "origin")
        config = stored["config"]
        assert isinstance(config, TrainingConfig)
        for name, value in expected.items():
            assert getattr(config, name) == value, f"turn {number} lost {name}"
        assert config == out["config"]
        fresh_saver = SQLSaver.from_url(url, serde=make_serializer(STATE_MSGPACK_TYPES))
        tup = fresh_saver.get_tuple({"configurable": {"thread_id": "origin"}})
        assert tup is not None
        assert tup.checkpoint["channel_values"]["config"] == config
        fresh_saver.close()
    assert stored["step"] == "done"
    assert stored["job"].config.learning_rate == 0.001
    assert stored["job"].created_from == "origin"


def test_a_long_conversation_with_a_fresh_agent_per_turn(url: str) -> None:
    script = [
        ("에폭 20", "select_model"),
        ("yolov8n으로 할게요", "dataset"),
        ("C:/datasets/coco8", "hyperparameters"),
        ("배치 크기 16", "hyperparameters"),
        ("학습률 0.01", "confirm"),
        ("actually use yolo11n", "confirm"),
        ("undo", "confirm"),
    ]
    for text, step in script:
        out = turn(url, "long", text)
        assert out["step"] == step, (text, out["messages"][-1].content)
    config = (
        create_agent(db=url, llm="offline")
        .get_state({"configurable": {"thread_id": "long"}})
        .values["config"]
    )
    assert config.filled() == {
        "framework": "ultralytics",
        "model_name": "yolov8n",
        "task_type": "object_detection",
        "dataset_path": "C:/datasets/coco8",
        "epochs": 20,
        "batch_size": 16,
        "learning_rate": 0.01,
    }


def test_undo_history_matches_the_checkpoint_history(url: str) -> None:
    """``previous`` in state walks back through exactly the configs of earlier checkpoints."""
    for text in ("resnet18", "10 epochs", "10 epochs", "batch 8", "what's left?", "lr 0.01"):
        turn(url, "undo-proof", text)
    agent = create_agent(db=url, llm="offline")
    history = list(agent.get_state_history({"configurable": {"thread_id": "undo-proof"}}))
    # A thread starts from the empty config; then one checkpoint per turn, oldest first.
    configs = [TrainingConfig()] + [snap.values["config"] for snap in reversed(history)]
    distinct: list[TrainingConfig] = []
    for config in configs:
        if not distinct or distinct[-1] != config:
            distinct.append(config)
    latest = history[0].values
    # The undo history keeps each change as the values it replaced; undone one by one, from
    # the current config back, they are exactly the earlier checkpoints' configs.
    assert earlier_configs(latest["previous"], latest["config"]) == tuple(distinct[:-1])
    assert latest["config"] == distinct[-1]


PROCESS_TURN = textwrap.dedent(
    """
    import json, sys
    from agent import create_agent
    url, thread_id, text = sys.argv[1:4]
    out = create_agent(db=url, llm="offline").invoke(
        {"messages": [{"role": "user", "content": text}]},
        {"configurable": {"thread_id": thread_id}},
    )
    print(json.dumps({"step": out["step"], "config": out["config"].filled(),
                      "messages": len(out["messages"])}))
    """
)


def test_each_turn_in_its_own_process(sqlite_db: str, tmp_path: Path) -> None:
    data = make_sample_dataset(tmp_path, "yolo")
    texts = ["train yolov8n", str(data), "use the defaults", "ok"]
    seen: list[dict[str, Any]] = []
    for text in texts:
        done = subprocess.run(
            [sys.executable, "-c", PROCESS_TURN, sqlite_db, "proc", text],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        seen.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert [s["step"] for s in seen] == ["dataset", "hyperparameters", "confirm", "done"]
    assert [s["messages"] for s in seen] == [2, 4, 6, 8]
    final = seen[-1]["config"]
    assert final["model_name"] == "yolov8n" and final["dataset_format"] == "yolo"
    assert final["epochs"] == 100 and final["batch_size"] == 16


def test_a_refused_value_is_in_no_checkpoint_at_all(url: str) -> None:
    """langgraph#6491: validation after the fact would checkpoint the bad value first."""
    for text in ("yolov8n, 10 epochs, lr 0.01", "epochs 0", "lr 5", "epochs -5", "image size 100"):
        turn(url, "never", text)
    agent = create_agent(db=url, llm="offline")
    history = list(agent.get_state_history({"configurable": {"thread_id": "never"}}))
    assert len(history) == 5  # one checkpoint per turn
    for snapshot in history:
        config = snapshot.values.get("config", TrainingConfig())
        assert config.epochs in (None, 10) and config.learning_rate in (None, 0.01)
        assert config.image_size is None
