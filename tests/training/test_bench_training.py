"""The training benchmark runs end to end at a tiny scale, so its harness cannot rot unnoticed.
No time is asserted (benchmarks are not tests); what is checked is that the reporting hook
really wrote a checkpoint per epoch through the agent."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.bench_training import measure


@pytest.mark.slow
def test_smoke_run_reports_every_epoch_through_the_agent(tmp_path: Path) -> None:
    from agent import create_agent

    row = measure("timm", epochs=2, runs=1, workdir=tmp_path)
    assert row["reports"] == 2 and row["bare_s"] > 0 and row["hook_s"] > 0
    agent = create_agent(db=f"sqlite:///{tmp_path / 'timm-reporting' / 'bench.db'}", llm="offline")
    run = agent.get_state({"configurable": {"thread_id": "run-0"}}).values["run"]
    assert run.epoch == 2 and run.main_metric == "top1" and run.metrics_dict()["top1"] >= 0
