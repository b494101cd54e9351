"""The unreachable-Gemini benchmark runs end to end at a tiny scale (1 s deadline), so the
harness cannot rot; it also shows the breaker's effect: with it, the turns after the first skip
Gemini; without it, every turn waits for the deadline again."""

from __future__ import annotations

import os

import pytest

from bench.bench_gemini_unreachable import refused_endpoint, run_case, swallowing_endpoint


def test_the_bench_harness_shows_the_breaker_at_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    with swallowing_endpoint() as url:
        with_breaker = run_case(url, 3, timeout_s=1.0)
        without = run_case(url, 2, cooldown_s=0, timeout_s=1.0)
    with refused_endpoint() as url:
        refused = run_case(url, 2, timeout_s=1.0)
    assert with_breaker[0] >= 0.9 and max(with_breaker[1:]) < 0.9  # skipped: no deadline paid
    assert min(without) >= 0.9  # every turn pays the deadline without the breaker
    assert max(refused[1:]) < 0.9
    assert "GOOGLE_API_KEY" not in os.environ  # the harness restores the environment
