"""``langgraph dev`` serves the agent from ``langgraph.json``: two turns over its HTTP API.

Needs the ``server`` extra (``langgraph-cli[inmem]``); skipped with the reason when it is not
installed. The server runs on loopback on a free port, without a browser or auto-reload, and its
own in-memory persistence (the graph is compiled without a checkpointer, as the server demands).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_S = 90


def _missing_server_extra() -> str | None:
    for module in ("langgraph_cli", "langgraph_api", "langgraph_runtime_inmem"):
        if importlib.util.find_spec(module) is None:
            return (
                f"the server extra is not installed ({module} missing): pip install -e '.[server]'"
            )
    if _langgraph_cli() is None:
        return "the `langgraph` command is not on PATH"
    return None


def _langgraph_cli() -> str | None:
    script = Path(sys.executable).with_name("langgraph")
    return str(script) if script.exists() else shutil.which("langgraph")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(base: str, method: str, path: str, body: object | None = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def _config_for(directory: Path) -> Path:
    """The repository's langgraph.json with its paths made absolute, to run from ``directory``.

    ``langgraph dev`` resolves graph paths against its working directory and keeps its state in
    ``.langgraph_api/`` there; running from a temporary folder keeps the work tree clean.
    """
    config = json.loads((ROOT / "langgraph.json").read_text())
    config["dependencies"] = [str((ROOT / dep).resolve()) for dep in config["dependencies"]]
    config["graphs"] = {
        name: str((ROOT / spec.split(":")[0]).resolve()) + ":" + spec.split(":")[1]
        for name, spec in config["graphs"].items()
    }
    target = directory / "langgraph.json"
    target.write_text(json.dumps(config))
    return target


def _wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"langgraph dev exited early:\n{log.read_text()[-3000:]}")
        try:
            _request(base, "GET", "/ok")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(
        f"langgraph dev did not answer within {STARTUP_TIMEOUT_S} s:\n{log.read_text()[-3000:]}"
    )


@pytest.mark.skipif(_missing_server_extra() is not None, reason=str(_missing_server_extra()))
def test_langgraph_dev_serves_two_turns(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        "LANGSMITH_TRACING": "false",
        "LANGCHAIN_TRACING_V2": "false",
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
        "LANGSMITH_API_KEY": "",
    }
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY"):
        env.pop(name, None)
    command = [
        str(_langgraph_cli()), "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1",
        "--port", str(port), "--config", str(_config_for(tmp_path)),
    ]  # fmt: skip
    with log.open("wb") as sink:
        server = subprocess.Popen(  # in tmp_path: the server writes .langgraph_api/ in its cwd
            command, cwd=tmp_path, env=env, stdout=sink, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_until_up(base, server, log)
        thread = _request(base, "POST", "/threads", {})
        assert isinstance(thread, dict)
        runs = f"/threads/{thread['thread_id']}/runs/wait"

        def turn(text: str) -> dict:
            out = _request(
                base, "POST", runs,
                {"assistant_id": "trainchat", "input": {"messages": [{"role": "user", "content": text}]}},
            )  # fmt: skip
            assert isinstance(out, dict), out
            return out

        first = turn("train resnet18 for image classification")
        assert first["config"]["model_name"] == "resnet18", first
        assert first["step"] == "dataset"
        second = turn("20 epochs, batch size 16")
        assert second["config"]["model_name"] == "resnet18"  # kept across turns by the server
        assert second["config"]["epochs"] == 20 and second["config"]["batch_size"] == 16
        assert len(second["messages"]) == 4  # two user messages, two replies
        state = _request(base, "GET", f"/threads/{thread['thread_id']}/state")
        assert isinstance(state, dict) and state["values"]["config"]["epochs"] == 20
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server's own process group, started above
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
