"""``pip install trainchat`` without the ``train`` extra stays light: importing the agent and
the training entry point does not import torch or a framework."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_training_entry_point_loads_no_framework() -> None:
    code = (
        "import sys, agent, agent.training.trainers, agent.training.run_folder, "
        "agent.training.pretrained, agent.training.main_metric\n"
        "heavy = [m for m in ('torch', 'timm', 'ultralytics', 'torchvision') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_without_the_extra_a_run_says_how_to_install_it(tmp_path) -> None:
    code = f"""
import sys
for name in ("torch", "timm", "ultralytics"):
    sys.modules[name] = None  # as on a machine without the "train" extra
from pathlib import Path
from agent.training.progress import TrainingError
from agent.training.trainers import train
from graph.config import TrainingConfig
from graph.job import build_job
config = TrainingConfig(framework="timm", model_name="resnet18", task_type="image_classification",
    dataset_path={str(tmp_path)!r}, dataset_format="imagefolder", num_classes=2, epochs=1,
    batch_size=2, learning_rate=0.01)
try:
    train(build_job(config), Path({str(tmp_path / "run")!r}))
except TrainingError as error:
    print(error)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "trainchat[train]"' in out.stdout
    assert out.stdout.count("\n") == 1
