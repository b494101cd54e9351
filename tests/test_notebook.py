"""``examples/quickstart.ipynb`` runs top to bottom in a real Jupyter kernel, so it cannot rot.

It ends with a real one-epoch training run (the ``train`` extra: torch and timm), reported into
the conversation by a worker process, and a plot of its per-epoch metrics.

Its cells assert their own outcomes (steps, the fork keeping the dataset, the original branch
surviving); this test also checks that the rich displays really produced HTML and Mermaid.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "quickstart.ipynb"

pytestmark = pytest.mark.skipif(
    any(
        importlib.util.find_spec(name) is None
        for name in (
            "nbclient",
            "nbformat",
            "ipykernel",
            "torch",
            "timm",
            "matplotlib",
            "agent.training.trainers",
        )
    ),
    reason="the dev extra (nbclient, nbformat, ipykernel; torch, timm from train) and the "
    "trainers run the notebook",
)


def _outputs(notebook, mime: str) -> list[str]:
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if mime in data:
                found.append(str(data[mime]))
    return found


def test_quickstart_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("TRAINCHAT_DB", f"sqlite:///{tmp_path}/notebook.db")
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=360,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails

    html = _outputs(notebook, "text/html")
    assert any("TrainingConfig" in item and "resnet18" in item for item in html)
    assert any("efficientnet_b0" in item for item in html)  # the forked branch's turn
    assert any("TrainingJob" in item for item in html)
    markdown = _outputs(notebook, "text/markdown")
    assert any(item.startswith("```mermaid") and "select_model" in item for item in markdown)
    assert (tmp_path / "notebook.db").exists()
    assert (tmp_path / "quickstart-data").is_dir()
    # the one-epoch training job: its run table, and the loss/main-metric plot
    assert any("TrainingRun" in item and "succeeded" in item for item in html)
    assert _outputs(notebook, "image/png")
    assert list((tmp_path / "quickstart-runs").glob("*/*/weights/best.pt"))
