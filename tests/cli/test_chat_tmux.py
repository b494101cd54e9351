"""``trainchat chat`` in a real terminal: tmux types the keys and reads the screen.

A full conversation with line editing on (prompt_toolkit sees a TTY), ``/undo``, ``/history``,
``/quit``; then a restart with the same ``--thread`` resumes where it stopped, Ctrl-C leaves
cleanly, and a third start left with Ctrl-D. After each exit the stored state is read back by a
brand-new agent on its own engine, so "saved" means saved in the database.

Without tmux the test skips with the reason, except in CI (``CI=true``), where it fails:
install it with ``apt-get install -y tmux``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from agent.cli.session import Session
from tests.cli.running import clean_env, trainchat_command

WAIT_S = 30


def _require_tmux() -> str:
    tmux = shutil.which("tmux")
    if tmux is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("tmux is not installed; CI needs it (apt-get install -y tmux)")
        pytest.skip("tmux is not installed (apt-get install -y tmux)")
    return tmux


class Terminal:
    """One tmux server of our own (its own socket), one window running a plain shell."""

    def __init__(self, tmux: str, env: dict[str, str], cwd: Path) -> None:
        self.tmux = tmux
        self.socket = f"trainchat-test-{uuid.uuid4().hex[:8]}"
        self._tmux(
            "new-session", "-d", "-s", "t", "-x", "140", "-y", "50", "-c", str(cwd),
            *(arg for name, value in env.items() for arg in ("-e", f"{name}={value}")),
            "bash --norc --noprofile",
        )  # fmt: skip

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            [self.tmux, "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def type(self, text: str) -> None:
        """Type ``text`` literally, then Enter."""
        self._tmux("send-keys", "-t", "t", "-l", text)
        self._tmux("send-keys", "-t", "t", "Enter")

    def key(self, name: str) -> None:
        """Press a key such as ``C-c`` or ``C-d``."""
        self._tmux("send-keys", "-t", "t", name)

    def screen(self) -> str:
        """Everything printed so far (scrollback included), with wrapped lines joined."""
        return self._tmux("capture-pane", "-p", "-J", "-t", "t", "-S", "-")

    def wait_for(self, pattern: str, count: int = 1) -> str:
        """Wait until ``pattern`` (a regex) appears ``count`` times on the screen."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            text = self.screen()
            if len(re.findall(pattern, text)) >= count:
                return text
            time.sleep(0.2)
        pytest.fail(f"{pattern!r} ×{count} never appeared; screen:\n{self.screen()[-4000:]}")

    def close(self) -> None:
        subprocess.run([self.tmux, "-L", self.socket, "kill-server"], capture_output=True)


def _stored(db: str, thread: str) -> dict:
    """The thread's state as a brand-new agent (new engine) reads it back from the database."""
    return Session(db=db, thread=thread, llm="offline").require_current().to_json()


def test_chat_in_a_terminal_with_undo_and_resume(tmp_path, sqlite_db, dataset_dir):
    tmux = _require_tmux()
    home = tmp_path / "home"
    env = clean_env(home, TERM="xterm-256color")
    env = {
        name: env[name]
        for name in ("PATH", "HOME", "TRAINCHAT_HOME", "NO_COLOR", "TERM")
        if name in env
    }
    chat = " ".join(
        shlex.quote(part)
        for part in [
            *trainchat_command(),
            "chat",
            "--db",
            sqlite_db,
            "--thread",
            "tty",
            "--llm",
            "offline",
        ]
    )
    terminal = Terminal(tmux, env, tmp_path)
    try:
        # First session: a conversation, /history, /undo, /quit.
        terminal.type(f"{chat}; echo chat-exited-$?")
        terminal.wait_for(r"new conversation 'tty'")
        terminal.wait_for(r"you ›")
        terminal.type("train resnet18 for image classification")
        terminal.wait_for(r"step 2/4 dataset")
        terminal.type(f"my dataset is in {dataset_dir}")
        terminal.wait_for(r"step 3/4 hyperparameters")
        terminal.type("/history")
        terminal.wait_for(r"model_name=resnet18")
        terminal.type("/undo")
        terminal.wait_for(r"step 2/4 dataset", count=2)
        terminal.type("/quit")
        terminal.wait_for(r"chat-exited-0")
        after_first = _stored(sqlite_db, "tty")
        assert after_first["config"]["model_name"] == "resnet18"
        assert after_first["config"]["dataset_path"] is None  # the undo was saved
        assert after_first["step"] == "dataset"

        # Second session resumes the same thread; a new value, then Ctrl-C leaves cleanly.
        terminal.type(f"{chat}; echo chat-exited-$?")
        terminal.wait_for(r"resuming conversation 'tty'")
        terminal.wait_for(r"you ›", count=6)
        terminal.type("20 epochs")
        terminal.wait_for(r"epochs 20")
        terminal.key("C-c")
        terminal.wait_for(r"chat-exited-0", count=2)
        after_second = _stored(sqlite_db, "tty")
        assert after_second["config"]["epochs"] == 20
        assert after_second["config"]["model_name"] == "resnet18"

        # Third session: line editing (type, erase, retype), then Ctrl-D.
        terminal.type(f"{chat}; echo chat-exited-$?")
        terminal.wait_for(r"resuming conversation 'tty'", count=2)
        terminal.wait_for(r"epochs 20", count=2)  # the resumed panel shows the stored value
        terminal._tmux("send-keys", "-t", "t", "-l", "batch size 99")
        terminal.key("BSpace")
        terminal.key("BSpace")
        terminal.type("16")
        terminal.wait_for(r"batch_size 16")
        terminal.key("C-d")
        terminal.wait_for(r"chat-exited-0", count=3)
        final = _stored(sqlite_db, "tty")
        assert final["config"]["batch_size"] == 16 and final["config"]["epochs"] == 20
        assert "Traceback" not in terminal.screen()
        typed = (home / "input_history").read_text()  # prompt_toolkit's persistent history
        assert "train resnet18 for image classification" in typed and "/undo" in typed
    finally:
        terminal.close()
