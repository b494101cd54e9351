"""An installed timm that differs from the catalog snapshot is reported when an agent starts."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.graph.test_catalog import _fake_timm  # the same tiny on-disk timm

ROOT = Path(__file__).resolve().parents[2]


def test_create_agent_warns_about_an_installed_timm_that_differs(tmp_path: Path) -> None:
    _fake_timm(tmp_path / "site", "9.9.9", ["resnet18", "brand_new_net"])
    code = textwrap.dedent(
        """
        from langgraph.checkpoint.memory import InMemorySaver
        from agent import create_agent
        agent = create_agent(checkpointer=InMemorySaver(), llm="offline")
        out = agent.invoke({"messages": [{"role": "user", "content": "resnet18"}]},
                           {"configurable": {"thread_id": "t"}})
        print("step", out["step"])
        """
    )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path / 'site'}{os.pathsep}{ROOT}"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "step dataset" in done.stdout  # reported, not fatal
    assert "timm 9.9.9 is installed" in done.stderr
    assert "brand_new_net" in done.stderr


def test_nothing_installed_reports_nothing() -> None:
    from importlib import util

    from agent.catalog_drift import report_catalog_drift

    if util.find_spec("timm") or util.find_spec("ultralytics"):
        return  # a real installation may legitimately differ
    assert report_catalog_drift() == ()
