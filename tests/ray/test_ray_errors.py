"""Errors a user can act on, decided before anything reaches a cluster (no Ray head needed).

The cluster scenarios (submit, stop, kill, pending for lack of GPUs) run against a real head in
``test_ray_cluster.py``; these are the answers that must come fast and clear without one.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

pytest.importorskip("ray")

from agent.training.ray_cluster import (  # noqa: E402
    ClusterNode,
    RayClusterError,
    check_database_for_cluster,
    connect,
    dashboard_url,
    database_for_cluster,
    resource_shortfall,
)
from agent.training.ray_entry import database_problem  # noqa: E402


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_cluster_says_where_and_how_to_start_one() -> None:
    address = f"http://127.0.0.1:{_closed_port()}"
    started = time.monotonic()
    with pytest.raises(RayClusterError) as refused:
        connect(address, timeout_s=2)
    assert time.monotonic() - started < 5
    message = str(refused.value)
    assert address in message
    assert "ray start --head" in message and "TRAINCHAT_RAY_ADDRESS" in message
    assert "\n" not in message


def test_a_ray_client_address_is_refused_with_the_dashboard_form() -> None:
    with pytest.raises(RayClusterError, match="http://<head>:8265"):
        dashboard_url("ray://head:10001")
    assert dashboard_url("head:8265") == "http://head:8265"
    assert dashboard_url("https://head/ray/") == "https://head/ray"


def test_no_node_with_the_gpus_asked_for_is_said_with_the_fix() -> None:
    laptop = (ClusterNode(ip="127.0.0.1", cpus=2, gpus=0),)
    message = resource_shortfall(laptop, cpus=1, gpus=1)
    assert message is not None
    assert "1 CPU and 1 GPU" in message and "0 GPUs" in message
    assert "stays queued" in message and "--gpus 0" in message
    too_many_cpus = resource_shortfall(laptop, cpus=8, gpus=None)
    assert too_many_cpus is not None and "8 CPUs" in too_many_cpus and "--cpus 2" in too_many_cpus
    assert resource_shortfall(laptop, cpus=2, gpus=None) is None
    gpu_box = (*laptop, ClusterNode(ip="10.0.0.7", cpus=16, gpus=4))
    assert resource_shortfall(gpu_box, cpus=4, gpus=2) is None


def test_sqlite_is_refused_for_a_cluster_on_other_machines(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    here = (ClusterNode(ip="127.0.0.1", cpus=2, gpus=0),)
    check_database_for_cluster(url, here)  # head and agent share the machine: fine
    elsewhere = (*here, ClusterNode(ip="203.0.113.9", cpus=8, gpus=1))
    with pytest.raises(RayClusterError) as refused:
        check_database_for_cluster(url, elsewhere)
    message = str(refused.value)
    assert "SQLite" in message and "203.0.113.9" in message and "postgresql" in message
    with pytest.raises(RayClusterError, match="in-memory"):
        check_database_for_cluster("sqlite://", here)


def test_a_localhost_server_is_refused_for_remote_nodes() -> None:
    elsewhere = (ClusterNode(ip="203.0.113.9", cpus=8, gpus=1),)
    with pytest.raises(RayClusterError, match="their own machine"):
        check_database_for_cluster("postgresql+psycopg://app:secret@localhost/chat", elsewhere)
    try:
        check_database_for_cluster("postgresql+psycopg://app:secret@localhost/chat", elsewhere)
    except RayClusterError as refused:
        assert "secret" not in str(refused)
    check_database_for_cluster("postgresql+psycopg://app@db.internal/chat", elsewhere)


def test_a_unix_socket_server_is_fine_for_local_nodes_and_refused_for_remote_ones() -> None:
    socket_url = "postgresql+psycopg://app:secret@/chat?host=/var/run/postgresql"
    here = (ClusterNode(ip="127.0.0.1", cpus=2, gpus=0),)
    check_database_for_cluster(socket_url, here)  # the head shares the machine (and its socket)
    elsewhere = (*here, ClusterNode(ip="203.0.113.9", cpus=8, gpus=1))
    with pytest.raises(RayClusterError) as refused:
        check_database_for_cluster(socket_url, elsewhere)
    message = str(refused.value)
    assert "the unix socket /var/run/postgresql" in message and "203.0.113.9" in message
    assert "secret" not in message
    # the fix it suggests must not keep the socket (libpq's ?host= would override the new host)
    assert "--db postgresql+psycopg://app:***@db.example.internal/chat)" in message
    mysql_socket = "mysql+pymysql://root@/chat?unix_socket=/run/mysqld/mysqld.sock"
    check_database_for_cluster(mysql_socket, here)
    with pytest.raises(RayClusterError, match="the unix socket /run/mysqld/mysqld.sock"):
        check_database_for_cluster(mysql_socket, elsewhere)
    with pytest.raises(RayClusterError, match="no host given"):  # libpq's default socket
        check_database_for_cluster("postgresql+psycopg://app@/chat", elsewhere)
    # a host given as libpq's ?host= is as good as one in the URL's host part
    check_database_for_cluster("postgresql+psycopg://app@/chat?host=db.internal", elsewhere)
    check_database_for_cluster("postgresql+psycopg://app@/chat?host=db1:5432,db2", elsewhere)
    with pytest.raises(RayClusterError, match="at localhost"):  # a fallback to the node's own
        check_database_for_cluster("postgresql+psycopg://app@/chat?host=db1,localhost", elsewhere)


def test_a_relative_sqlite_path_is_made_absolute_for_the_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert database_for_cluster("sqlite:///chat.db") == f"sqlite:///{tmp_path / 'chat.db'}"
    server = "postgresql+psycopg://app:pw@db/chat"
    assert database_for_cluster(server) == server


def test_the_node_side_check_names_a_missing_sqlite_file_and_an_unreachable_server(
    tmp_path: Path,
) -> None:
    missing = database_problem(f"sqlite:///{tmp_path / 'nowhere.db'}")
    assert missing is not None and "does not exist on Ray node" in missing
    assert not (tmp_path / "nowhere.db").exists()  # never creates an empty stand-in
    present = tmp_path / "chat.db"
    present.touch()
    assert database_problem(f"sqlite:///{present}") is None
    port = _closed_port()
    unreachable = database_problem(f"postgresql+psycopg://app:secret@127.0.0.1:{port}/chat")
    assert unreachable is not None
    assert "not reachable from Ray node" in unreachable and "secret" not in unreachable


def test_starting_a_run_on_an_unreachable_cluster_submits_nothing_and_says_so(
    tmp_path: Path,
) -> None:
    from agent.training.ray_jobs import RayRunControl
    from graph.config import TrainingConfig
    from graph.job import build_job

    config = TrainingConfig(
        framework="ultralytics",
        model_name="yolov8n",
        task_type="object_detection",
        dataset_path=str(tmp_path / "data"),
        dataset_format="yolo",
        epochs=1,
        batch_size=2,
        learning_rate=0.01,
    )
    address = f"127.0.0.1:{_closed_port()}"
    runs = RayRunControl(address, db_url=f"sqlite:///{tmp_path / 'chat.db'}", runs_dir=tmp_path)
    with pytest.raises(RayClusterError, match=f"cannot reach the Ray cluster at http://{address}"):
        runs.start(build_job(config), thread_id="t")
    assert list(tmp_path.iterdir()) == []  # no run folder, no database file


def test_trainchat_run_on_an_unreachable_cluster_is_one_clear_line(
    tmp_path: Path, sqlite_db: str
) -> None:
    from agent import create_agent
    from graph.datasets.samples import make_sample_dataset
    from tests.cli.running import assert_one_line_error, run_trainchat
    from tests.runs.conftest import confirm_job

    data = make_sample_dataset(tmp_path / "data", "imagefolder", images_per_class=2)
    confirm_job(create_agent(db=sqlite_db, llm="offline"), "t", data, epochs=1)
    address = f"http://127.0.0.1:{_closed_port()}"
    result = run_trainchat(
        "run", "--on", "ray", "--address", address, "--db", sqlite_db, "--thread", "t",
        home=tmp_path / "home",
    )  # fmt: skip
    assert_one_line_error(result, 1, "cannot reach the Ray cluster", address)
    wrong = run_trainchat(
        "run", "--on", "mars", "--db", sqlite_db, "--thread", "t", home=tmp_path / "home"
    )
    assert_one_line_error(wrong, 2, "--on must be one of local, ray")
