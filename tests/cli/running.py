"""Running ``trainchat`` for tests: as a real subprocess (the console script) or in-process.

Both ways get a clean environment: no Gemini key (tests never need the network), no
``TRAINCHAT_DB`` leaking in from the developer's shell, and ``TRAINCHAT_HOME`` in the test's
temporary folder so the input history and sample datasets never touch the real home.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["trainchat_command", "clean_env", "run_trainchat", "assert_one_line_error"]

_SCRUBBED = ("GOOGLE_API_KEY", "GEMINI_API_KEY", "TRAINCHAT_DB", "TRAINCHAT_DEBUG")


def trainchat_command() -> list[str]:
    """The installed console script next to this Python, else ``python -m agent.cli``."""
    script = Path(sys.executable).with_name("trainchat")
    if script.exists():
        return [str(script)]
    found = shutil.which("trainchat")
    return [found] if found else [sys.executable, "-m", "agent.cli"]


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """This process's environment minus keys and database settings, plus ``extra``."""
    env = {name: value for name, value in os.environ.items() if name not in _SCRUBBED}
    env["TRAINCHAT_HOME"] = str(home)
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "120"
    env.update(extra)
    return env


def run_trainchat(
    *args: str, home: Path, cwd: Path | None = None, timeout: float = 60, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``trainchat *args`` as a subprocess and capture its output as text."""
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [*trainchat_command(), *args],
        cwd=cwd or home,
        env=clean_env(home, **extra_env),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    """Exit ``code``, exactly one line on stderr starting ``trainchat:``, mentioning ``words``."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("trainchat: "), lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])
