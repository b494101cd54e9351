"""``bench.turns_by_revision`` runs on this tree and prints one row per revision."""

from __future__ import annotations

import pytest

from bench.turns_by_revision import main


def test_one_round_on_this_tree_prints_its_row(capsys: pytest.CaptureFixture[str]) -> None:
    main([".", "--rounds", "1", "--conversations", "1"])
    out = capsys.readouterr().out
    assert "| . |" in out and "SQLite CPU ms/turn" in out
