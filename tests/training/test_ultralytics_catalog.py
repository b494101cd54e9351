"""Every ultralytics family and task the catalog offers builds from its YAML the way the trainer
builds it (from scratch, nothing downloaded): the smallest model of each (family, task)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ultralytics import YOLO

from agent.training.run_folder import RunFolder
from agent.training.ultralytics_trainer import ultralytics_overrides
from graph.catalog import load_catalog
from graph.job import ULTRALYTICS_TASKS
from tests.training.datasets import make_dataset
from tests.training.jobs import tiny_job


def _smallest_per_family_and_task() -> list[tuple[str, str]]:
    chosen: dict[tuple[str, str], tuple[float, str]] = {}
    for entry in load_catalog().entries:
        if entry.framework != "ultralytics":
            continue
        key = (entry.family, entry.task_type)
        size = entry.params_m if entry.params_m is not None else float("inf")
        if key not in chosen or (size, entry.name) < chosen[key]:
            chosen[key] = (size, entry.name)
    return sorted((name, task) for (_, task), (_, name) in chosen.items())


@pytest.mark.slow
@pytest.mark.parametrize(("model", "task_type"), _smallest_per_family_and_task())
def test_the_trainer_builds_every_catalog_family_from_its_yaml(
    model: str, task_type: str, tmp_path: Path
) -> None:
    task = ULTRALYTICS_TASKS[task_type]
    data = make_dataset(tmp_path / "data", task)
    job = tiny_job(data, task, model_name=model)
    args = ultralytics_overrides(job, RunFolder(tmp_path / "run"))
    assert args["model"] == f"{model}.yaml" and args["pretrained"] is False
    built = YOLO(args["model"], task=args["task"])
    assert built.task == task
