"""How configs, jobs and histories look: terminal panels, notebook HTML/Markdown, IPython hooks.

Built from real ``TrainingConfig`` / ``build_job`` values and a real IPython shell; the
assertions are about what a person sees (the step label, every set value, escaping).
"""

from __future__ import annotations

import pytest
from rich.console import Console

from agent.display import (
    ConfigView,
    JobView,
    _compact_line,
    config_groups,
    config_html,
    config_panel,
    step_label,
)
from graph.config import HYPERPARAMETER_FIELDS, TrainingConfig
from graph.job import build_job

FULL = TrainingConfig(
    framework="timm",
    model_name="resnet18",
    task_type="image_classification",
    dataset_path="/data/<cats & dogs>",
    dataset_format="imagefolder",
    num_classes=2,
    epochs=10,
    batch_size=32,
    learning_rate=3e-4,
)


@pytest.mark.parametrize(
    ("step", "label"),
    [
        ("select_model", "1/4 model"),
        ("dataset", "2/4 dataset"),
        ("hyperparameters", "3/4 hyperparameters"),
        ("confirm", "4/4 confirm"),
        ("done", "done ✓"),
    ],
)
def test_step_labels(step, label):
    assert step_label(step) == label


def test_compact_model_line_says_from_scratch_and_weights():
    scratch = dict(config_groups(FULL.patch(pretrained=False)))["model"]
    assert _compact_line("model", scratch).endswith("from scratch)")
    weights = dict(config_groups(FULL.patch(weights="/runs/best.pt")))["model"]
    assert "weights /runs/best.pt" in _compact_line("model", weights)
    assert "False" not in _compact_line("model", scratch)


def test_groups_follow_the_config_declarations():
    groups = dict(config_groups(FULL))
    assert [name for name, _ in groups["model"]] == [
        "model_name",
        "framework",
        "task_type",
        "pretrained",
        "weights",
    ]
    assert [name for name, _ in groups["dataset"]] == [
        "dataset_path",
        "dataset_format",
        "num_classes",
    ]
    # only set hyperparameters are listed, in declaration order
    assert [name for name, _ in groups["training"]] == ["epochs", "batch_size", "learning_rate"]
    every = [name for items in groups.values() for name, _ in items]
    assert set(every) <= set(TrainingConfig.model_fields)
    assert set(HYPERPARAMETER_FIELDS) >= {name for name, _ in groups["training"]}


def _text(renderable) -> str:
    console = Console(width=100, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_panel_shows_every_set_value_and_the_step():
    text = _text(config_panel(FULL, "confirm", title="thread t"))
    for value in ("resnet18", "timm", "/data/<cats & dogs>", "2 classes", "epochs 10", "0.0003"):
        assert value in text
    assert "step 4/4 confirm" in text and "thread t" in text


def test_empty_panel_still_shows_the_step():
    text = _text(config_panel(TrainingConfig(), "select_model"))
    assert "step 1/4 model" in text and "—" in text


def test_html_escapes_values_and_greys_out_missing_ones():
    html = config_html(FULL.patch(dataset_path=None), "dataset")
    assert "2/4 dataset" in html and "resnet18" in html
    assert "<cats" not in config_html(FULL)  # escaped
    assert "&lt;cats &amp; dogs&gt;" in config_html(FULL)
    assert "color:#999" in html  # dataset_path unset


def test_views_render_html_and_markdown():
    job = build_job(FULL)
    assert "| model_name | `resnet18` |" in ConfigView(FULL, "confirm")._repr_markdown_()
    job_html = JobView(job)._repr_html_()
    assert "TrainingJob" in job_html and "resnet18" in job_html


def test_ipython_shows_configs_and_jobs_as_html():
    from IPython.core.interactiveshell import InteractiveShell

    from agent.notebook import enable_rich_display

    shell = InteractiveShell.instance()
    try:
        assert enable_rich_display(shell)
        config_data, _ = shell.display_formatter.format(FULL)
        job_data, _ = shell.display_formatter.format(build_job(FULL))
    finally:
        InteractiveShell.clear_instance()
    assert "TrainingConfig" in config_data["text/html"]
    assert "resnet18" in config_data["text/markdown"]
    assert "TrainingJob" in job_data["text/html"]


def test_enable_rich_display_outside_ipython_is_a_no_op():
    from agent.notebook import enable_rich_display

    assert enable_rich_display() is False
